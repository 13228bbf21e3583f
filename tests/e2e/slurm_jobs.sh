# The job scripts under a real Slurm on this machine: starts its own munged, slurmctld and slurmd
# (private socket, ports, state and spool in a scratch directory, so it can run beside other
# tests and other clusters), submits train.sbatch and evaluate.sbatch with `sbatch --wait`, then
# a 4-task array of sweep.sbatch, and checks the embedding files, the metrics JSON and the
# gathered ranking. Every daemon it started is stopped by PID, whatever happens.
# Skipped (exit 77) where Slurm is not installed or the test is not root (slurmd must be).
source "$(dirname "$0")/common.sh"
: "${SCENEALS_SOURCE_DIR:?the source tree}"
JOBS="$SCENEALS_SOURCE_DIR/job_scripts"

for tool in sbatch srun squeue scancel sinfo slurmctld slurmd munged setpriv; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (apt-get install slurm-wlm munge)"
    exit 77
  fi
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: starting slurmd needs root"; exit 77; }
[ -r /etc/munge/munge.key ] || fail "/etc/munge/munge.key is missing (reinstall munge)"

S="$WORK/slurm" M="$WORK/munge" J="$WORK/job"
mkdir -p "$S/state" "$S/spool" "$J" "$M"
chmod 755 "$WORK"  # munged checks that the path to its socket is searchable by everyone
chown munge:munge "$M"
daemon_pids=()  # slurmd, slurmctld, munged: stopped in this order

stop_daemons() {
  local rc=$? pid jobs
  trap - EXIT INT TERM
  set +e
  if [ "$rc" -ne 0 ]; then
    echo "--- slurm_jobs failed (exit $rc); daemon logs:"
    tail -n 20 "$S"/*.log "$M"/munged.log 2>/dev/null
    squeue 2>/dev/null
  fi
  # Jobs outlive slurmd (slurmstepd is on its own): cancel them while the daemons still run.
  if [ "${#daemon_pids[@]}" -ge 2 ]; then
    mapfile -t jobs < <(squeue -h -o %A 2>/dev/null)
    [ "${#jobs[@]}" -eq 0 ] || scancel --full --quiet "${jobs[@]}"
    for _ in $(seq 1 40); do [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break; sleep 0.25; done
  fi
  for pid in "${daemon_pids[@]}"; do
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
  exit "$rc"
}
trap stop_daemons EXIT
trap 'exit 143' INT TERM

# Two free ports (a race with other programs is possible but unlikely), and a random first job
# id, so that this cluster shares nothing with another one on the machine.
read -r ctld_port slurmd_port < <("$PYTHON" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
cat >"$S/slurm.conf" <<EOF
ClusterName=sceneals$$
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
FirstJobId=$((RANDOM * 100 + 1000))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$M/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
SlurmdParameters=config_overrides
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=4 RealMemory=8000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
export SLURM_CONF="$S/slurm.conf"

setpriv --reuid=munge --regid=munge --clear-groups /usr/sbin/munged --foreground \
  --socket="$M/munge.socket" --pid-file="$M/munged.pid" --log-file="$M/munged.log" \
  --seed-file="$M/munged.seed" >/dev/null 2>&1 &
daemon_pids=("$!")
for _ in $(seq 1 40); do [ -S "$M/munge.socket" ] && break; sleep 0.25; done
[ -S "$M/munge.socket" ] || fail "munged did not create its socket"
slurmctld -D -i >"$S/slurmctld.out" 2>&1 &
daemon_pids=("$!" "${daemon_pids[@]}")
slurmd -D -N localhost >"$S/slurmd.out" 2>&1 &
daemon_pids=("$!" "${daemon_pids[@]}")
for _ in $(seq 1 60); do
  [ "$(sinfo -h -n localhost -o %T 2>/dev/null)" = idle ] && break
  sleep 0.5
done
[ "$(sinfo -h -n localhost -o %T 2>/dev/null)" = idle ] || fail "the Slurm node did not become idle"
echo "Slurm up (ports $ctld_port, $slurmd_port)"

submit() {  # submit SECONDS sbatch-args...: sbatch --wait under a time-out; prints the job id
  local limit=$1 rc=0; shift
  timeout "$limit" sbatch --wait --parsable "$@" >"$J/submitted" || rc=$?
  [ "$rc" -ne 124 ] || fail "sbatch $* did not finish in $limit s"
  [ "$rc" -eq 0 ] || { cat "$J"/*.out >&2; fail "sbatch $* exited with $rc"; }
  cut -d';' -f1 "$J/submitted"
}

cd "$J" || exit
export SCENEALS_BIN="$SCENEALS" SCENEALS_HOME="$SCENEALS_SOURCE_DIR"
bash "$JOBS/run_local.sh" -n 2 --oversubscribe -- generate --output data.csv \
  --users 400 --items 150 --interactions 8000 --scenes 2 --seed 11 >/dev/null

# Training with evaluation; settings from a config file and the environment together.
printf 'factors = 8\niterations = 3\n' >train.ini
id=$(SCENEALS_INPUT=data.csv SCENEALS_CONFIG=train.ini SCENEALS_SPLIT=split \
     SCENEALS_ARGS="--seed 5" submit 120 --ntasks=2 "$JOBS/train.sbatch")
out=sceneals-train-$id.out model=sceneals-train-$id.h5 metrics=sceneals-train-$id.metrics.json
[ -f "$out" ] || fail "no log $out (--output=%x-%j.out)"
grep -q "srun --mpi=pmix" "$out" || fail "$out: ranks were not started with srun --mpi=pmix"
"$PYTHON" "$E2E_DIR/check_embedding_file.py" --expect-run-attributes --expect-bridge "$model"
"$PYTHON" - "$model" <<'EOF' || fail "the configuration did not reach the run"
import sys, h5py
a = h5py.File(sys.argv[1]).attrs
assert (a["factors"], a["iterations"], a["seed"], a["ranks"]) == (8, 3, 5, 2), dict(a)
EOF

# The metrics JSON: every metric for both cohorts at K = 5, 10, 20, each value in [0, 1].
"$PYTHON" - "$metrics" <<'EOF' || fail "bad metrics JSON $metrics"
import json, sys
records = json.load(open(sys.argv[1]))
keys = {(r["scene"], r["cohort"], r["k"], r["metric"]) for r in records}
assert len(keys) == len(records), "duplicate records"
for cohort in ("warm", "cold"):
    for k in (5, 10, 20):
        for m in ("precision", "recall", "f1", "ndcg", "map", "hit_rate", "coverage"):
            assert ("overall", cohort, k, m) in keys, ("missing", cohort, k, m)
for r in records:
    assert 0 <= r["value"] <= 1 and r["pairs"] > 0, r
EOF

# evaluate.sbatch on the split train.sbatch wrote scores the same file the same way.
id=$(SCENEALS_MODEL="$model" SCENEALS_SPLIT=split SCENEALS_CONFIG='' SCENEALS_ARGS='' \
     submit 120 --ntasks=2 "$JOBS/evaluate.sbatch")
"$PYTHON" - "$metrics" "sceneals-evaluate-$id.metrics.json" <<'EOF' ||
  fail "evaluate.sbatch disagrees with train's evaluation"
import json, sys
a, b = ({(r["scene"], r["cohort"], r["k"], r["metric"]): (r["value"], r["pairs"])
         for r in json.load(open(p))} for p in sys.argv[1:])
assert a.keys() == b.keys(), a.keys() ^ b.keys()
for key in a:
    assert a[key][1] == b[key][1] and abs(a[key][0] - b[key][0]) < 1e-9, (key, a[key], b[key])
EOF

# A task index without a row in the table fails with a message (no Slurm needed for that).
printf '%s\t%s\t%s\t%s\n' factors lambda mu alpha 4 0.1 0 10 8 0.1 0.5 10 8 1 0 40 4 1 1 40 >params.tsv
SLURM_ARRAY_TASK_ID=4 SWEEP_PARAMS=params.tsv bash "$JOBS/sweep.sbatch" 2>err.txt &&
  fail "sweep.sbatch ran a task without a row"
grep -q "no row for array task 4 (4 rows: --array=0-3)" err.txt ||
  { cat err.txt; fail "unclear message"; }

# The sweep: 4 array tasks, each its own model and metrics on the validation split, gathered.
id=$(SWEEP_PARAMS=params.tsv SWEEP_DIR=sweep SCENEALS_INPUT=data.csv SCENEALS_CONFIG='' \
     SCENEALS_ARGS="--iterations 3" submit 150 --array=0-3 --ntasks=2 "$JOBS/sweep.sbatch")
for t in 0 1 2 3; do
  [ -f "sceneals-sweep-${id}_$t.out" ] || fail "no log sceneals-sweep-${id}_$t.out (%x-%A_%a.out)"
  grep -q "evaluation on the validation split" "sceneals-sweep-${id}_$t.out" ||
    fail "task $t did not evaluate on validation"
  "$PYTHON" "$E2E_DIR/check_embedding_file.py" "sweep/task-$t/model.h5" >/dev/null
done
"$PYTHON" "$JOBS/gather_sweep.py" sweep | tee gathered.txt
# The ranking, recomputed here: rows of the table, best overall cold recall@20 first (ties by
# warm), each row's parameters those of its table row and of its model file.
"$PYTHON" - params.tsv sweep <<'EOF' || fail "the gathered table is wrong"
import json, sys, h5py
table = [line.split() for line in open(sys.argv[1])]
names, rows = table[0], table[1:]
def figure(records, cohort):
    return next(r["value"] for r in records if (r["scene"], r["cohort"], r["k"], r["metric"])
                == ("overall", cohort, 20, "recall"))
score = {}
for t, row in enumerate(rows):
    records = json.load(open(f"{sys.argv[2]}/task-{t}/metrics.json"))
    score[t] = (figure(records, "cold"), figure(records, "warm"))
    attrs = h5py.File(f"{sys.argv[2]}/task-{t}/model.h5").attrs
    got = (attrs["factors"], attrs["lambda"], attrs["alpha"])  # lambda went through a float32
    want = (int(row[0]), float(row[1]), float(row[3]))
    assert got[0] == want[0], (t, row, got)
    assert all(abs(g - w) < 1e-6 * w for g, w in zip(got[1:], want[1:])), (t, row, got)
    mu = [float(pair.split("=")[1]) for pair in attrs["mu"].decode().split(",")]  # per scene
    assert mu == [float(row[2])] * len(mu), (t, row, attrs["mu"])
expected = sorted(score, key=lambda t: (-score[t][0], -score[t][1], t))
lines = [l for l in open(f"{sys.argv[2]}/ranking.md") if l.startswith("| ") and l[2].isdigit()]
assert len(lines) == 4, lines
for rank, (line, t) in enumerate(zip(lines, expected), 1):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    assert cells[:2 + len(names)] == [str(rank), str(t), *rows[t]], (cells, t)
    assert abs(float(cells[2 + len(names)]) - score[t][0]) < 5e-5, (cells, score[t])
EOF
echo "slurm jobs OK"
