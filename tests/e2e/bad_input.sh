# Bad input gives exit code 1, a message naming the file (and the line where there is one), and
# no output file — never a crash, a hang or a half-written file. Each case runs on 2 ranks so the
# error is seen by one rank and agreed by both.
source "$(dirname "$0")/common.sh"

# expect_failure NAME EXPECTED_TEXT sceneals-args...: exit 1, text on stderr, no model file.
expect_failure() {
  local name=$1 text=$2; shift 2
  expect_one_error "$name" "$text" "$@" --output "$WORK/$name.h5"
  if ls "$WORK" | grep -q "^$name.h5"; then fail "$name: an output file was left behind"; fi
}

good="$WORK/good.csv"
{ echo "user,item,scene,value"; for i in $(seq 1 400); do echo "u$((i % 37)),i$((i % 23)),s$((i % 2)),1"; done; } > "$good"

# A large file with one malformed line in the middle: line 5001 of 10001 (header is line 1).
big="$WORK/big.csv"
{ echo "user,item,scene,value"; for i in $(seq 2 10001); do
    if [ "$i" -eq 5001 ]; then echo "u7,i3"; else echo "u$((i % 97)),i$((i % 51)),s$((i % 3)),2"; fi
  done; } > "$big"

expect_failure missing_file "$WORK/nope.csv: cannot open" train --input "$WORK/nope.csv"
printf 'user,item\nu1,i1\n' > "$WORK/nocol.csv"
expect_failure missing_column "$WORK/nocol.csv:1: missing required column 'scene'" train --input "$WORK/nocol.csv"
expect_failure malformed_line "$big:5001: expected 4 fields, found 2" train --input "$big"
{ head -n 200 "$good"; echo "u1,i1,s1,abc"; tail -n 100 "$good"; } > "$WORK/nonnum.csv"
expect_failure non_numeric "$WORK/nonnum.csv:201: value 'abc' is not a number" train --input "$WORK/nonnum.csv"
{ head -n 300 "$good"; echo "u1,i1,s1,-3"; } > "$WORK/negative.csv"
expect_failure negative "$WORK/negative.csv:301: value -3 must be > 0" train --input "$WORK/negative.csv"
{ head -n 2 "$good"; echo "u1,i1,s1,nan"; tail -n 50 "$good"; } > "$WORK/nan.csv"
expect_failure nan_value "$WORK/nan.csv:3: value nan is not finite" train --input "$WORK/nan.csv"
: > "$WORK/empty.csv"
expect_failure empty_file "$WORK/empty.csv: the file is empty" train --input "$WORK/empty.csv"
echo "user,item,scene" > "$WORK/header_only.csv"
expect_failure header_only "$WORK/header_only.csv: no interactions found" train --input "$WORK/header_only.csv"

# Unwritable output: refused before any training.
rc=0
timeout 120 "$MPIEXEC" -n 2 --oversubscribe --bind-to none "$SCENEALS" train --input "$good" \
  --output "$WORK/no/such/dir/model.h5" >"$WORK/unwritable.out" 2>"$WORK/unwritable.err" || rc=$?
[ "$rc" -eq 1 ] || fail "unwritable: exit code $rc"
grep -qF "cannot write output '$WORK/no/such/dir/model.h5'" "$WORK/unwritable.err" || { cat "$WORK/unwritable.err"; fail "unwritable: message"; }
grep -q "iter" "$WORK/unwritable.out" && fail "unwritable: training ran before the output was checked"
echo "ok: unwritable output"

# A bad option value names the option.
expect_failure bad_option "--factors must be in [1, 4096], got 0" train --input "$good" --factors 0

# --skip-bad-lines trains anyway and reports the count and the first bad line.
run_ranks 2 train --input "$big" --output "$WORK/skipped.h5" --factors 4 --iterations 1 --skip-bad-lines > "$WORK/skip.out"
grep -qF "skipped 1 bad lines; first: $big:5001: expected 4 fields, found 2" "$WORK/skip.out" || { cat "$WORK/skip.out"; fail "skip-bad-lines report"; }
[ -f "$WORK/skipped.h5" ] || fail "skip-bad-lines: no model written"

# Values that float32 cannot hold are input errors; so are duplicates whose sum overflows.
{ echo "user,item,scene,value"; echo "u1,i1,s1,1"; echo "u2,i1,s1,1e300"; } > "$WORK/huge.csv"
expect_failure huge_value "$WORK/huge.csv:3: value 1e300 is too large" train --input "$WORK/huge.csv"
{ echo "user,item,scene,value"; echo "u1,i1,s1,3e38"; echo "u2,i1,s1,1"; echo "u1,i1,s1,3e38"; } > "$WORK/overflow.csv"
expect_failure duplicate_overflow "duplicate rows of (user 'u1', item 'i1', scene 's1') sum to more than float32 can hold" train --input "$WORK/overflow.csv"
# Confidences that overflow make training diverge: stopped on every rank with exit 1, no file.
expect_failure diverged "training diverged: non-finite factors in scene 's" train --input "$good" --alpha 1e38 --factors 4 --iterations 2
# Large but legitimate values (dwell times) train: float32 systems that cannot be factored are
# solved again in double precision.
awk -F, 'NR > 1 && NR % 7 == 0 { $4 = 1e6 } { print }' OFS=, "$good" > "$WORK/dwell.csv"
run_ranks 2 train --input "$WORK/dwell.csv" --output "$WORK/dwell.h5" --factors 8 --iterations 3 > "$WORK/dwell.out"
"$PYTHON" "$E2E_DIR/check_embedding_file.py" "$WORK/dwell.h5" > /dev/null
echo "numeric range cases OK"
echo "bad input OK"
