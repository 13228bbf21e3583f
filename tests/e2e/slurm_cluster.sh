# Sourced by the Slurm e2e tests, after common.sh: starts a real Slurm on this machine (its own
# munged, slurmctld and slurmd, with a private socket, ports, state and spool under $WORK, so it
# can run beside other tests and other clusters) and stops every daemon it started by PID when
# the test exits, whatever happens. Exits 77 (skip) where Slurm is not installed or the test is
# not root (slurmd must be). Leaves SLURM_CONF exported, the job directory $J, and `submit`.
: "${SCENEALS_SOURCE_DIR:?the source tree}"
JOBS="$SCENEALS_SOURCE_DIR/job_scripts"

for tool in sbatch srun squeue scancel scontrol sinfo slurmctld slurmd munged setpriv; do
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
    echo "--- $(basename "$0" .sh) failed (exit $rc); daemon logs:"
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

