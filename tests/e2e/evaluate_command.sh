# `sceneals evaluate` on the model and split that `train --write-split --evaluate` wrote gives the
# table train printed, at 1, 2 and 4 ranks (other grids than train's); its metrics agree with a
# brute-force reference in Python; and a split that is not the model's, a missing model or a file
# that is not HDF5 give exit code 1 with a message naming the file (and the id).
source "$(dirname "$0")/common.sh"

run_ranks 1 generate --output "$WORK/data.csv" --users 400 --items 150 --interactions 8000 --scenes 2 >/dev/null
train_json=()
if "$SCENEALS" train --help | grep -q -- '--metrics-json'; then train_json=(--metrics-json "$WORK/train.json"); fi
run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/model.h5" --write-split "$WORK/split" \
  --evaluate --factors 8 --iterations 3 "${train_json[@]}" > "$WORK/train.log"

# The metric table: its header line and the rows below it.
table() {
  awk '$1 == "scene" && $2 == "cohort" { on = 1 }
       on && ($1 == "scene" || $2 == "warm" || $2 == "cold") { print; next }
       on { exit }' "$1"
}
table "$WORK/train.log" > "$WORK/train.table"
[ "$(grep -c -E ' (warm|cold) ' "$WORK/train.table")" -ge 6 ] || { cat "$WORK/train.log"; fail "train printed no metric table"; }

split=(--train "$WORK/split/train.csv" --test "$WORK/split/test.csv")
for run in 1:auto 2:auto 4:auto 4:1x4; do
  n=${run%%:*} grid=${run#*:} name=eval${run/:/_}
  run_ranks "$n" evaluate --model "$WORK/model.h5" "${split[@]}" --grid "$grid" \
    --metrics-json "$WORK/$name.json" > "$WORK/$name.log"
  table "$WORK/$name.log" > "$WORK/$name.table"
  diff "$WORK/train.table" "$WORK/$name.table" || fail "evaluate at $n ranks, grid $grid: another table than train's"
  echo "ok: evaluate at $n ranks ($(grep -o 'grid [0-9x]*' "$WORK/$name.log")) prints train's table"
done

# Every model kind is written as factor rows: each one's file gives its own train table (the
# split depends on the data and the seed only, so it is the same split).
for kind in independent pooled popularity; do
  grid=auto; [ "$kind" = pooled ] && grid=1x2  # pooled needs one scene group
  run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/$kind.h5" --evaluate --factors 8 \
    --iterations 3 --model-kind "$kind" --grid "$grid" > "$WORK/train_$kind.log"
  run_ranks 3 evaluate --model "$WORK/$kind.h5" "${split[@]}" > "$WORK/eval_$kind.log"
  diff <(table "$WORK/train_$kind.log") <(table "$WORK/eval_$kind.log") || fail "$kind: evaluate's table differs from train's"
  [ -s "$WORK/train_$kind.log" ] && table "$WORK/train_$kind.log" | grep -q ' warm ' || fail "$kind: no table"
  echo "ok: --model-kind $kind evaluated at 3 ranks as train evaluated it"
done

# The JSON values: equal across rank counts (and to train's when train writes them) to 1e-9.
compare_json() {
  "$PYTHON" - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda r: (r["scene"], r["cohort"], r["k"], r["metric"])
ra, rb = {key(r): r for r in a}, {key(r): r for r in b}
assert ra.keys() == rb.keys() and ra, f"{sys.argv[1]} and {sys.argv[2]} hold other metrics"
for k in ra:
    assert ra[k]["pairs"] == rb[k]["pairs"], k
    assert abs(ra[k]["value"] - rb[k]["value"]) <= 1e-9, (k, ra[k]["value"], rb[k]["value"])
EOF
}
for name in eval2_auto eval4_auto eval4_1x4; do
  compare_json "$WORK/eval1_auto.json" "$WORK/$name.json" || fail "JSON of eval1_auto and $name differ"
done
if [ ${#train_json[@]} -gt 0 ]; then
  compare_json "$WORK/train.json" "$WORK/eval2_auto.json" || fail "evaluate's JSON differs from train's"
  echo "ok: JSON equal to train's"
fi

# An independent reference: precision, recall and hit rate recomputed from the file and the CSVs.
"$PYTHON" "$E2E_DIR/brute_force_metrics.py" "$WORK/model.h5" "$WORK/split/train.csv" \
  "$WORK/split/test.csv" "$WORK/eval1_auto.json" 5,10,20
# ... which notices another model (fewer factors, same split: the split depends on the seed only).
run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/other.h5" --factors 3 --iterations 3 > /dev/null
if "$PYTHON" "$E2E_DIR/brute_force_metrics.py" "$WORK/other.h5" "$WORK/split/train.csv" \
  "$WORK/split/test.csv" "$WORK/eval1_auto.json" 5,10,20 >/dev/null 2>&1; then
  fail "the brute-force check did not notice another model"
fi

# expect_failure NAME EXPECTED_TEXT sceneals-evaluate-args...: exit 1, the text once on stderr.
expect_failure() {
  local name=$1 text=$2; shift 2
  expect_one_error "$name" "$text" evaluate "$@"
  if grep -q " cohort " "$WORK/$name.out"; then fail "$name: metrics were printed"; fi
}

{ cat "$WORK/split/test.csv"; echo "stranger-17,$(sed -n 2p "$WORK/split/test.csv" | cut -d, -f2-)"; } > "$WORK/extra_user.csv"
expect_failure unknown_user \
  "$WORK/model.h5 and the split disagree: user 'stranger-17' is in $WORK/extra_user.csv but not in the model" \
  --model "$WORK/model.h5" --train "$WORK/split/train.csv" --test "$WORK/extra_user.csv"
user=$(sed -n 2p "$WORK/split/test.csv" | cut -d, -f1)
grep -v "^$user," "$WORK/split/train.csv" > "$WORK/fewer_train.csv"
grep -v "^$user," "$WORK/split/test.csv" > "$WORK/fewer_test.csv"
expect_failure missing_user "user '$user' is in the model but in neither $WORK/fewer_train.csv nor $WORK/fewer_test.csv" \
  --model "$WORK/model.h5" --train "$WORK/fewer_train.csv" --test "$WORK/fewer_test.csv"
{ cat "$WORK/split/test.csv"; sed -n 2p "$WORK/split/train.csv" | sed 's/$/,0/'; } > "$WORK/overlap.csv"
expect_failure overlap "is in both $WORK/split/train.csv and $WORK/overlap.csv" \
  --model "$WORK/model.h5" --train "$WORK/split/train.csv" --test "$WORK/overlap.csv"
expect_failure missing_model "cannot open model '$WORK/nope.h5': No such file or directory" \
  --model "$WORK/nope.h5" "${split[@]}"
expect_failure not_hdf5 "$WORK/data.csv: not an HDF5 file" --model "$WORK/data.csv" "${split[@]}"
expect_failure bad_k "--k: '0' is not a positive integer" --model "$WORK/model.h5" "${split[@]}" --k 5,0
echo "evaluate OK"
