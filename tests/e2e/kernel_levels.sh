# The kernel levels of one binary (solver/kernel_dispatch.h), end to end:
# - the levels' code is kept apart from the baseline's in the binary (kernel_isolation.py);
# - train's first line names the level, the best one by default, the forced one with
#   SCENEALS_KERNELS;
# - every level this CPU runs, and ranks at different levels, train the same model as the
#   baseline level at 2 ranks: metrics (precision .. hit rate, every K and cohort) within 0.002
#   (a near-tie or two among the test pairs) and factors within 1e-4 relative (float32 sums in
#   other orders, over 5 iterations; measured 3e-6);
# - an unknown level is refused: exit 1, one message naming the variable, no file written.
source "$(dirname "$0")/common.sh"
unset SCENEALS_KERNELS  # the runner's own choice would make every "best" below a forced one

# A build for a given CPU (SCENEALS_MARCH, from ctest's environment) vectorises its baseline
# itself: nothing to keep apart.
if [ -n "${SCENEALS_MARCH:-}" ]; then
  echo "isolation check skipped: the baseline is built with -march=$SCENEALS_MARCH"
else
  rc=0
  "$PYTHON" "$E2E_DIR/kernel_isolation.py" "$SCENEALS" "$(dirname "$SCENEALS")/../solver" || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || fail "kernel isolation"
fi

run_ranks 1 generate --output "$WORK/data.csv" --users 1500 --items 400 --interactions 40000 \
  --scenes 2 >/dev/null
train() {  # train NAME [env...]: 2 ranks, the first line and the metrics kept in $WORK/NAME.out
  local name=$1; shift
  env "$@" "$MPIEXEC" -n 2 --oversubscribe --bind-to none "$SCENEALS" train \
    --input "$WORK/data.csv" --output "$WORK/$name.h5" --factors 24 --iterations 5 --mu 0.3 \
    --evaluate > "$WORK/$name.out"
}
train default
# A build for a given CPU (SCENEALS_MARCH) says so after its baseline level.
built_for='(, built with -march=[^ ]+)?'
head -1 "$WORK/default.out" | grep -qE "^kernels: (baseline|avx2|avx512)$built_for \(best of " \
  || fail "train's first line: $(head -1 "$WORK/default.out")"
best=$(head -1 "$WORK/default.out" | awk '{ print $2 }' | tr -d ,)
runnable=$(head -1 "$WORK/default.out" | sed -E 's/.*best of ([a-z0-9, ]+) on this CPU.*/\1/; s/,//g')
echo "ok: $(head -1 "$WORK/default.out")"
train baseline SCENEALS_KERNELS=baseline
head -1 "$WORK/baseline.out" | grep -qE "^kernels: baseline$built_for \(forced by SCENEALS_KERNELS" \
  || fail "forced baseline: $(head -1 "$WORK/baseline.out")"
# same_as_baseline NAME: the run NAME's metrics and factors against the forced baseline run's.
same_as_baseline() {
  "$PYTHON" - "$WORK/baseline" "$WORK/$1" <<'PYEOF'
import sys, h5py, numpy
base, other = sys.argv[1], sys.argv[2]
def metrics(path):
    rows = {}
    for line in open(path + ".out"):
        v = line.split()
        if len(v) >= 9 and v[0] == "overall" and v[2].isdigit():  # prec .. hit
            rows[(v[1], v[2])] = [float(x) for x in v[3:9]]
    return rows
a, b = metrics(base), metrics(other)
assert a and set(a) == set(b), (sorted(a), sorted(b))
worst = max(abs(x - y) for key in a for x, y in zip(a[key], b[key]))
assert worst <= 0.002, f"metrics differ by {worst} from the baseline level's"
fa, fb = h5py.File(base + ".h5", "r"), h5py.File(other + ".h5", "r")
gap = 0.0
for s in fa["scenes"]:
    for table in ("user_factors", "item_factors"):
        x, y = fa["scenes"][s][table][()], fb["scenes"][s][table][()]
        gap = max(gap, float(numpy.abs(x - y).max() / max(1.0, numpy.abs(x).max())))
assert gap <= 1e-4, f"factors differ by {gap} (relative) from the baseline level's"
print(f"ok: {other.rsplit('/', 1)[1]} = baseline: metrics within {worst:.4f}, factors within {gap:.2e}")
PYEOF
}
# Every level this build has and this CPU runs.
for level in $runnable; do
  [ "$level" = baseline ] && continue
  train "$level" SCENEALS_KERNELS=$level
  head -1 "$WORK/$level.out" | grep -q "^kernels: $level (forced" || fail "forced $level"
  same_as_baseline "$level"
done

# Ranks at different levels (as on nodes of different CPU generations): the first line says so,
# and the model is still the baseline's to rounding.
if [ "$best" != baseline ]; then
  mixed=(train --input "$WORK/data.csv" --output "$WORK/mixed.h5" --factors 24 --iterations 5
         --mu 0.3 --evaluate)
  "$MPIEXEC" --oversubscribe --bind-to none -n 1 -x SCENEALS_KERNELS=baseline "$SCENEALS" \
    "${mixed[@]}" : -n 1 -x SCENEALS_KERNELS="$best" "$SCENEALS" "${mixed[@]}" > "$WORK/mixed.out"
  head -1 "$WORK/mixed.out" | grep -q "; the ranks differ, from baseline to $best$" \
    || fail "mixed levels: $(head -1 "$WORK/mixed.out")"
  echo "ok: $(head -1 "$WORK/mixed.out")"
  same_as_baseline mixed
fi

rc=0
SCENEALS_KERNELS=avx1024 "$MPIEXEC" -n 2 --oversubscribe --bind-to none "$SCENEALS" train \
  --input "$WORK/data.csv" --output "$WORK/bad.h5" > "$WORK/bad.out" 2> "$WORK/bad.err" || rc=$?
[ "$rc" -eq 1 ] || fail "SCENEALS_KERNELS=avx1024: exit code $rc, expected 1"
[ "$(grep -c 'sceneals: error: SCENEALS_KERNELS=avx1024: unknown level' "$WORK/bad.err")" -eq 1 ] \
  || { cat "$WORK/bad.err"; fail "SCENEALS_KERNELS=avx1024: message"; }
[ ! -e "$WORK/bad.h5" ] || fail "SCENEALS_KERNELS=avx1024: a file was written"
echo "ok: SCENEALS_KERNELS=avx1024 refused: $(grep 'sceneals: error' "$WORK/bad.err")"
