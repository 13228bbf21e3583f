# Stopping a job on one machine, as docs/usage.md says: SIGTERM to job_scripts/run_local.sh,
# Ctrl-C (SIGINT to its whole process group), and SIGUSR1 to a plain mpirun alone
# make every rank write a checkpoint and the command exit with code 3; resuming finishes the run.
source "$(dirname "$0")/common.sh"
run_ranks 2 generate --output "$WORK/data.csv" --users 400 --items 150 --interactions 8000 --scenes 2 --seed 5
# Far more iterations than the runs get to do before they are stopped (one takes about 1 ms).
base=(train --input "$WORK/data.csv" --factors 8 --checkpoint-every 10000000)
train=("${base[@]}" --iterations 1000000)

# stop_after_iteration LOG PID SIGNAL: waits for iteration 5 in LOG, then signals PID alone.
stop_after_iteration() {
  local log=$1 pid=$2 signal=$3
  for _ in $(seq 1 1200); do grep -qE "^ +5 " "$log" 2>/dev/null && break; sleep 0.05; done
  grep -qE "^ +5 " "$log" || { cat "$log"; fail "the run did not reach iteration 5"; }
  kill "-$signal" "$pid"
}

# run_local.sh, sent SIGTERM: it asks mpirun for SIGUSR1, which reaches every rank.
rc=0
SCENEALS_BIN="$SCENEALS" MPIRUN_ARGS="--bind-to none" \
  "$SCENEALS_SOURCE_DIR/job_scripts/run_local.sh" -n 2 --oversubscribe -- "${train[@]}" \
  --output "$WORK/local.h5" --checkpoint-dir "$WORK/ck-local" >"$WORK/local.log" 2>&1 &
runner=$!
stop_after_iteration "$WORK/local.log" "$runner" TERM
wait "$runner" || rc=$?
[ "$rc" -eq 3 ] || { tail -5 "$WORK/local.log"; fail "run_local.sh after SIGTERM: exit code $rc, expected 3"; }
grep -q "stopped on a signal" "$WORK/local.log" || fail "run_local.sh: no stop message"
ls "$WORK/ck-local"/checkpoint-*.h5 >/dev/null || fail "run_local.sh: no checkpoint written"
[ -e "$WORK/local.h5" ] && fail "a stopped run left a model file"
echo "ok: run_local.sh + SIGTERM -> checkpoint, exit 3"

# Ctrl-C in a terminal: SIGINT to the whole foreground process group (here the group that
# setsid gives the script), not to the script alone.
# A command started with & by a script ignores SIGINT, and bash cannot trap a signal ignored
# at its start; a terminal's foreground command does not. So the script is started as that
# one would be: SIGINT back to its default, and leading a process group (and session) of its own.
rc=0
SCENEALS_BIN="$SCENEALS" MPIRUN_ARGS="--bind-to none" "$PYTHON" -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execv(sys.argv[1], sys.argv[1:])' \
  "$SCENEALS_SOURCE_DIR/job_scripts/run_local.sh" -n 2 --oversubscribe -- "${train[@]}" \
  --output "$WORK/ctrlc.h5" --checkpoint-dir "$WORK/ck-ctrlc" >"$WORK/ctrlc.log" 2>&1 &
runner=$!  # the group's leader: setsid kept the pid, and so did exec
for _ in $(seq 1 1200); do grep -qE "^ +5 " "$WORK/ctrlc.log" 2>/dev/null && break; sleep 0.05; done
[ "$(ps -o pgid= "$runner" | tr -d ' ')" = "$runner" ] || fail "run_local.sh does not lead its process group"
kill -INT -- "-$runner"
wait "$runner" || rc=$?
[ "$rc" -eq 3 ] || { tail -5 "$WORK/ctrlc.log"; fail "run_local.sh after Ctrl-C: exit code $rc, expected 3"; }
ls "$WORK/ck-ctrlc"/checkpoint-*.h5 >/dev/null || fail "run_local.sh + Ctrl-C: no checkpoint written"
echo "ok: run_local.sh + Ctrl-C (SIGINT to its process group) -> checkpoint, exit 3"

# A plain mpirun, sent SIGUSR1: it forwards the signal and exits with the ranks' code.
rc=0
"$MPIEXEC" -n 2 --oversubscribe --bind-to none "$SCENEALS" "${train[@]}" \
  --output "$WORK/plain.h5" --checkpoint-dir "$WORK/ck-plain" >"$WORK/plain.log" 2>&1 &
runner=$!
stop_after_iteration "$WORK/plain.log" "$runner" USR1
wait "$runner" || rc=$?
[ "$rc" -eq 3 ] || { tail -5 "$WORK/plain.log"; fail "mpirun after SIGUSR1: exit code $rc, expected 3"; }
ls "$WORK/ck-plain"/checkpoint-*.h5 >/dev/null || fail "mpirun + SIGUSR1: no checkpoint written"
echo "ok: mpirun + SIGUSR1 -> checkpoint, exit 3"

# The stopped run resumes and finishes: three iterations after the one it stopped at.
stopped=$(sed -n 's/^checkpoint after iteration \([0-9]*\).*/\1/p' "$WORK/local.log" | tail -n 1)
[ -n "$stopped" ] || fail "run_local.sh: no checkpoint line in its log"
run_ranks 2 "${base[@]}" --iterations $((stopped + 3)) --output "$WORK/local.h5" \
  --checkpoint-dir "$WORK/ck-local" --resume >"$WORK/resume.log"
grep -q "resumed from" "$WORK/resume.log" || fail "the stopped run did not resume"
[ -f "$WORK/local.h5" ] || fail "the resumed run wrote no model"
echo "local stop and resume OK"
