# The quickstart's default job: generate data, train on 2 ranks with the split written, and check
# the embedding file with h5py and the split files against the input.
source "$(dirname "$0")/common.sh"
run_ranks 2 generate --output "$WORK/data.csv" --users 800 --items 300 --interactions 20000 --scenes 3 --seed 7
run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/model.h5" --factors 8 --iterations 4 \
  --write-split "$WORK/split" | tee "$WORK/log.txt"
grep -q "embeddings written to $WORK/model.h5" "$WORK/log.txt" || fail "no final line"
# The write's report: the file's size as the file system has it, and a rate.
reported_mb=$(sed -n 's/^file: \([0-9.]*\) MB written by 2 ranks in [0-9.]* s ([0-9.]* MB\/s)$/\1/p' "$WORK/log.txt")
actual_mb=$(stat -c %s "$WORK/model.h5" | awk '{ printf "%.1f", $1 / 1e6 }')
[ -n "$reported_mb" ] && [ "$reported_mb" = "$actual_mb" ] ||
  fail "the write's report '$(grep '^file:' "$WORK/log.txt")' does not give the file's $actual_mb MB"
[ "$(grep -c '^ *[0-9]* *[0-9.]*e[+-]' "$WORK/log.txt")" -eq 4 ] || fail "expected 4 iteration lines"
"$PYTHON" "$E2E_DIR/check_embedding_file.py" --expect-run-attributes --expect-bridge "$WORK/model.h5"
# The file stores the active users' rows; the reader serves the others the bridged shared factor.
run_ranks 2 export --model "$WORK/model.h5" --format npy --output "$WORK/npy" > /dev/null
"$PYTHON" "$E2E_DIR/check_inactive_rows.py" "$WORK/model.h5" "$WORK/npy"
ls "$WORK" | grep -q tmp && fail "temporary file left behind"
"$PYTHON" "$E2E_DIR/check_split_files.py" "$WORK/data.csv" "$WORK/split/train.csv" "$WORK/split/test.csv" "$WORK/model.h5"
# --seed reaches the split: another seed holds out other interactions.
run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/seed43.h5" --factors 4 --iterations 1 \
  --seed 43 --write-split "$WORK/split43" > /dev/null
cmp -s "$WORK/split/test.csv" "$WORK/split43/test.csv" && fail "--seed 43 gave the same split as 42"
echo "default job OK"
