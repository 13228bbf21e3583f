# job_scripts/refresh.sbatch run as a plain script (SCENEALS_LAUNCHER=mpirun; slurm_jobs.sh
# submits it to Slurm): the first run trains from scratch, each later one starts from the newest
# model with a warm start of SCENEALS_WARM_ITERATIONS iterations on the grown log; latest.h5
# follows the newest model and only the newest SCENEALS_KEEP stay; one refresh of a directory runs
# at a time, and a success clears what stopped runs left. A damaged newest model fails
# the run (exit 1) and leaves the directory as it was; bad settings are refused.
source "$(dirname "$0")/common.sh"
cd "$WORK"
export SCENEALS_BIN="$SCENEALS" SCENEALS_HOME="$SCENEALS_SOURCE_DIR" SCENEALS_LAUNCHER=mpirun
export SCENEALS_MODEL_DIR=models SCENEALS_INPUT=log.csv SCENEALS_KEEP=2 SCENEALS_ARGS="--factors 8"
run_ranks 2 generate --output all.csv --users 400 --items 150 --interactions 9000 --scenes 2 --seed 13 > /dev/null
# The log grows: each day appends the next lines.
grow() { head -n "$1" all.csv > log.csv; }
refresh() {  # refresh NAME: runs the job, log in NAME.log; returns its exit code
  local rc=0
  timeout 300 bash "$SCENEALS_SOURCE_DIR/job_scripts/refresh.sbatch" > "$1.log" 2>&1 || rc=$?
  return "$rc"
}
models() { find models -maxdepth 1 -name 'model-*Z.h5' -printf '%f\n' | sort; }

grow 6000
refresh day1 || { cat day1.log; fail "the first refresh failed"; }
grep -q "no model in models yet: training from scratch" day1.log || fail "day 1 did not start from scratch"
first=$(models)
[ "$(readlink models/latest.h5)" = "$first" ] || fail "latest.h5 does not point to $first"
[ -f "models/${first%.h5}.metrics.json" ] || fail "no metrics beside $first"
# (No pause: a refresh within the same second as the last waits for a new name.)

grow 7500
refresh day2 || { cat day2.log; fail "the second refresh failed"; }
grep -q "warm start from models/$first" day2.log || { cat day2.log; fail "day 2 did not start from day 1's model"; }
grep -q -- "--iterations 3" day2.log || fail "day 2 did not run the warm iterations"
"$PYTHON" -c "import h5py, sys; assert h5py.File(sys.argv[1]).attrs['iterations'] == 3" "models/$(readlink models/latest.h5)" ||
  fail "the warm model did not train 3 iterations"
[ "$(models | wc -l)" = 2 ] || fail "day 2 did not add a model: $(models)"

# While a refresh holds the directory's lock, another one refuses to start.
exec 8>> models/.refresh.lock
flock -n 8 || fail "could not take the lock for the test"
rc=0; refresh locked || rc=$?
[ "$rc" -eq 1 ] && grep -q "another refresh of models is running" locked.log || { cat locked.log; fail "a second refresh was not refused"; }
exec 8>&-

# A damaged newest model: the run fails loudly, nothing is removed or relinked.
grow 9000
second=$(models | tail -n 1)
cp "models/$second" saved.h5
head -c 2000 saved.h5 > "models/$second"
rc=0; refresh damaged || rc=$?
[ "$rc" -eq 1 ] || { cat damaged.log; fail "a damaged model gave exit code $rc, expected 1"; }
grep -q "sceneals: error: models/$second: the file is truncated" damaged.log || { cat damaged.log; fail "unclear message"; }
[ "$(models | tr '\n' ' ')" = "$first $second " ] || fail "the failed run changed the models: $(models)"
[ "$(readlink models/latest.h5)" = "$second" ] || fail "the failed run moved latest.h5"
cp saved.h5 "models/$second"
# What stopped runs leave behind goes with the next success.
mkdir -p models/.refresh-99.checkpoints
touch models/model-20000101T000000Z.h5.tmp-123

refresh day3 || { cat day3.log; fail "the third refresh failed"; }
grep -q "warm start from models/$second" day3.log || fail "day 3 did not start from day 2's model"
third=$(models | tail -n 1)
[ "$(models | tr '\n' ' ')" = "$second $third " ] || fail "SCENEALS_KEEP=2 kept $(models)"
[ ! -e "models/${first%.h5}.metrics.json" ] || fail "the removed model's metrics stayed"
[ "$(readlink models/latest.h5)" = "$third" ] || fail "latest.h5 does not point to $third"
ls -d models/.refresh-*.checkpoints 2> /dev/null && fail "checkpoints left behind"
[ ! -e models/model-20000101T000000Z.h5.tmp-123 ] || fail "a killed writer's temporary file stayed"

rc=0; SCENEALS_KEEP=0 refresh keep0 || rc=$?
[ "$rc" -eq 1 ] && grep -q "SCENEALS_KEEP must be a whole number >= 1" keep0.log || fail "SCENEALS_KEEP=0 was not refused"
rc=0; SCENEALS_MODEL_DIR='' refresh nodir || rc=$?
[ "$rc" -eq 1 ] && grep -q "set SCENEALS_MODEL_DIR" nodir.log || fail "a missing SCENEALS_MODEL_DIR was not refused"
echo "refresh job OK"
