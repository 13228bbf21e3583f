# Preemption under a real Slurm on this machine (slurm_cluster.sh starts the daemons and stops
# them by PID, whatever happens): train.sbatch is signalled mid-training the way
# `--signal=B:USR1@120` does it (SIGUSR1 to the batch shell only), passes the signal on to its
# ranks, which checkpoint and exit 3, requeues itself, and once released resumes from that
# checkpoint and finishes. The model must equal an uninterrupted run of the same settings within
# 1e-4 (tests/e2e/compare_embeddings.py), and the resumed run must continue right after the
# checkpoint's iteration and end on the uninterrupted run's objective. The data is big enough
# and the training short enough (100 iterations, about 15 s) that the embeddings have not
# converged yet: a resume from the wrong state would not match. Skipped (exit 77) where Slurm is
# not installed or the test is not root.
source "$(dirname "$0")/common.sh"
source "$E2E_DIR/slurm_cluster.sh"

cd "$J" || exit
export SCENEALS_BIN="$SCENEALS" SCENEALS_HOME="$SCENEALS_SOURCE_DIR"
run_ranks 2 generate --output data.csv --users 8000 --items 2000 --interactions 200000 \
  --scenes 3 --seed 9 >/dev/null
iterations=100
settings="--factors 64 --mu 0.5 --iterations $iterations --seed 5"

job_field() {  # job_field ID FIELD: a field of `scontrol show job`, e.g. JobState
  scontrol show job -o "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
show_log() { cat "$log" >&2 2>/dev/null || true; }
wait_for() {  # wait_for SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; fails early
  local limit=$1 what=$2 state; shift 2   # when the job ends (FAILED, or COMPLETED too soon)
  for _ in $(seq 1 $((limit * 4))); do
    "$@" && return 0
    state=$(job_field "$id" JobState)
    case "$state" in
      RUNNING | PENDING | REQUEUED | CONFIGURING | COMPLETING) ;;
      *) "$@" && return 0  # it may have got there since the first look
         show_log; fail "job $id is $state while waiting for $what" ;;
    esac
    sleep 0.25
  done
  show_log
  fail "no $what within $limit s (job $id: $(job_field "$id" JobState))"
}
iteration_seen() { grep -qE '^ +20 +[0-9.e+-]+ ' "$log" 2>/dev/null; }  # past a checkpoint
requeued_and_held() {
  [ "$(job_field "$id" Restarts)" = 1 ] && [ "$(job_field "$id" JobState)" = PENDING ]
}
completed() { [ "$(job_field "$id" JobState)" = COMPLETED ]; }

start=$SECONDS
id=$(SCENEALS_INPUT=data.csv SCENEALS_CONFIG='' SCENEALS_ARGS="$settings" \
     SCENEALS_CHECKPOINT_EVERY=15 sbatch --parsable --ntasks=2 "$JOBS/train.sbatch")
id=${id%%;*}
log=sceneals-train-$id.out
wait_for 60 "iteration 20 in $log" iteration_seen
scancel --signal=USR1 --batch "$id"  # what --signal=B:USR1@120 does before the time limit
wait_for 60 "requeue" requeued_and_held
# A requeued job is held back for a while (BeginTime) before it may start again: release it, but
# not within the second of the requeue. slurmd revoked the job's credential at that second and
# refuses (job FAILED, "Job credential revoked") one issued no later than the revocation.
sleep 2
scontrol update JobId="$id" StartTime=now
wait_for 90 "the job to complete" completed
code=$(job_field "$id" ExitCode)
[ "$code" = 0:0 ] || { show_log; fail "the job ended with exit code $code"; }
echo "job $id: signalled, requeued, resumed and done in $((SECONDS - start)) s"

# The log (appended to by both starts) tells the story in order.
"$PYTHON" - "$log" "$iterations" <<'EOF' || { show_log; fail "no preemption and resume in $log"; }
import re, sys
text = open(sys.argv[1]).read()
iterations = int(sys.argv[2])
def at(pattern, after=0):
    m = re.compile(pattern, re.M).search(text, after)
    assert m, f"no line matching {pattern!r} after offset {after}"
    return m
first = at(r"restart 0,")
sig = at(r"^sceneals job: SIGUSR1 .* passed on to the ranks", first.end())
stop = at(r"^stopped on a signal", sig.end())
# The signal's checkpoint: the last one before the stop (every 15 iterations there are others).
ck = list(re.compile(r"^checkpoint after iteration (\d+) \(\+(\d+) phases\)", re.M)
          .finditer(text, sig.end(), stop.start()))[-1]
at(r"^sceneals job: exit code 3 ", stop.end())
req = at(r"^sceneals job: requeueing job \d+ \(restart 1\)", stop.end())
second = at(r"restart 1,", req.end())
res = at(r"^resumed from \S+ after iteration (\d+) \(\+(\d+) phases\)", second.end())
assert res.groups() == ck.groups(), (res.groups(), ck.groups())
stopped_at = int(ck.group(1))
assert 20 <= stopped_at < iterations, f"stopped after iteration {stopped_at}?"
resumed = [int(n) for n in re.findall(r"^ +(\d+) +[0-9.e+-]+ ", text[res.end():], re.M)]
assert resumed == list(range(stopped_at + 1, iterations + 1)), resumed[:5]
done = at(r"^embeddings written to ", res.end())
at(r"^sceneals job: exit code 0 ", done.end())
print(f"stopped after iteration {stopped_at} (+{ck.group(2)} phases), resumed there")
EOF
ls "sceneals-train-$id.checkpoints"/checkpoint-*.h5 >/dev/null || fail "no checkpoint directory"
[ -f "sceneals-train-$id.metrics.json" ] || fail "the resumed job did not write its metrics"

# The same settings without interruption (same rank count; the comparison allows any order of
# MPI's sums anyway).
# shellcheck disable=SC2086  # $settings is an option list
run_ranks 2 train --input data.csv $settings --evaluate --output full.h5 >full.log
"$PYTHON" "$E2E_DIR/compare_embeddings.py" full.h5 "sceneals-train-$id.h5" --tolerance 1e-4
last_objective() { grep -E "^ +$iterations +[0-9.e+-]+ " "$1" | tail -n 1 | awk '{print $2}'; }
"$PYTHON" -c 'import sys; a, b = map(float, sys.argv[1:]); assert abs(a - b) <= 1e-6 * a, (a, b)' \
  "$(last_objective full.log)" "$(last_objective "$log")" || fail "final objectives differ"
echo "slurm preemption OK ($((SECONDS - start)) s)"
