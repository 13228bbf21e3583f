# Shared by train.sbatch, evaluate.sbatch and sweep.sbatch (sourced, not run): finds the binary,
# prepares the environment of a Slurm job and launches the MPI ranks. Slurm runs a *copy* of the
# batch script from its spool directory, so the scripts find this file through SCENEALS_HOME
# (the SceneALS checkout, by default the directory the job was submitted from).
#
# Settings read here (environment; all optional):
#   SCENEALS_BIN       the sceneals executable [$SCENEALS_HOME/build/app/sceneals]
#   SCENEALS_CONFIG    INI file of sceneals options (`name = value`), passed as --config; values
#                      given on the command line (by the scripts or SCENEALS_ARGS) win over it
#   SCENEALS_ARGS      extra sceneals options, split on spaces, e.g. "--factors 32 --mu 0.5"
#   SCENEALS_LAUNCHER  srun (default; `srun --mpi=pmix`) or mpirun (Open MPI reads the allocation)
#   SCENEALS_MODULES   environment modules to `module load` first, e.g. "openmpi hdf5-openmpi"

job_fail() {
  echo "sceneals job: $*" >&2
  exit 1
}

# job_option NAME VARIABLE DEFAULT: appends `--NAME <value of VARIABLE>` to JOB_ARGS, or
# `--NAME DEFAULT` when VARIABLE is empty and neither SCENEALS_ARGS nor the config file sets NAME
# (the command line would win over the file: a script's default must not shadow the user's
# config). An empty DEFAULT makes the option required.
job_option() {
  local name=$1 variable=$2 default=$3
  if [ -n "${!variable:-}" ]; then
    JOB_ARGS+=("--$name" "${!variable}")
  elif job_option_given "$name"; then
    return 0
  elif [ -n "$default" ]; then
    JOB_ARGS+=("--$name" "$default")
  else
    job_fail "set $variable (or --$name in SCENEALS_ARGS or the config file)"
  fi
}

# job_option_given NAME: true when SCENEALS_ARGS or the config file sets option NAME.
job_option_given() {
  local name=$1
  [[ " ${SCENEALS_ARGS:-} " == *" --$name "* || " ${SCENEALS_ARGS:-} " == *" --$name="* ]] ||
    { [ -n "${SCENEALS_CONFIG:-}" ] &&
      grep -Eq "^[[:space:]]*${name}[[:space:]]*=" "$SCENEALS_CONFIG"; }
}

job_setup() {
  if [ -n "${SCENEALS_MODULES:-}" ]; then
    command -v module >/dev/null 2>&1 ||
      job_fail "SCENEALS_MODULES is set but the 'module' command is unavailable"
    # shellcheck disable=SC2086  # a list of module names
    module load $SCENEALS_MODULES || job_fail "module load $SCENEALS_MODULES failed"
  fi
  SCENEALS_BIN=${SCENEALS_BIN:-$SCENEALS_HOME/build/app/sceneals}
  [ -x "$SCENEALS_BIN" ] ||
    job_fail "no executable at SCENEALS_BIN=$SCENEALS_BIN (build it, or set SCENEALS_BIN)"
  if [ -n "${SCENEALS_CONFIG:-}" ]; then
    [ -r "$SCENEALS_CONFIG" ] || job_fail "cannot read SCENEALS_CONFIG=$SCENEALS_CONFIG"
  fi
  # One thread per allocated CPU; Slurm 22.05's srun does not inherit --cpus-per-task by itself.
  if [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then
    export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK SRUN_CPUS_PER_TASK=$SLURM_CPUS_PER_TASK
  fi
  export HDF5_USE_FILE_LOCKING=${HDF5_USE_FILE_LOCKING:-FALSE}  # NFS and Lustre refuse the locks
}

# job_run: runs `sceneals ${JOB_ARGS[@]}` (the command first) on every rank of the allocation with
# SCENEALS_CONFIG and SCENEALS_ARGS appended; returns its exit code (0, 1 bad input, 2 internal,
# 3 stopped on a signal after writing a checkpoint).
#
# Preemption: the launcher runs in the background and the shell waits for it, because bash runs a
# trap only between commands (never while a foreground srun runs) and a signal interrupts `wait`.
# SIGUSR1 or SIGTERM to the batch shell (`#SBATCH --signal=B:USR1@120`, `scancel --signal=USR1
# --batch`; scancel and preemption send SIGTERM) is passed on to the launcher as SIGUSR1, which
# srun and mpirun both forward to every rank; sceneals treats SIGUSR1 and SIGTERM alike (finish
# the half-step, write a checkpoint, exit 3), and mpirun would kill its ranks on SIGTERM instead.
# With JOB_REQUEUE=1 (train.sbatch) a run that ends that way is put back in the queue with
# `scontrol requeue` (same job id, so the same checkpoint directory; the job must be
# requeueable: --requeue) and job_run returns 0: the requeued job resumes. So is a run killed by
# a forwarded SIGUSR1 before sceneals could catch it (while it was still reading its input): it
# starts again from its newest checkpoint, or from the beginning. Not after a SIGTERM: that is
# scancel (Slurm would requeue a cancelled job), a time limit without the early signal, or a
# preemption, which Slurm requeues by itself where the site's PreemptMode is REQUEUE; the exit
# code stays 3, and so it does where the requeue fails or there is no Slurm.
job_run() {
  local args=("${JOB_ARGS[@]}")
  [ -n "${SCENEALS_CONFIG:-}" ] && args+=(--config "$SCENEALS_CONFIG")
  # shellcheck disable=SC2206  # SCENEALS_ARGS is a space-separated option list by design
  [ -n "${SCENEALS_ARGS:-}" ] && args+=($SCENEALS_ARGS)
  local launch
  case "${SCENEALS_LAUNCHER:-srun}" in
    srun) launch=(srun --mpi=pmix) ;;
    mpirun)
      launch=(mpirun)
      if [ "$(id -u)" -eq 0 ]; then  # Open MPI refuses root without this consent
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
      fi
      # A forced kernel level (docs/usage.md) reaches the ranks on other nodes too.
      [ -z "${SCENEALS_KERNELS:-}" ] || launch+=(-x SCENEALS_KERNELS) ;;
    *) job_fail "SCENEALS_LAUNCHER must be srun or mpirun, not '$SCENEALS_LAUNCHER'" ;;
  esac
  echo "sceneals job ${SLURM_JOB_ID:-(no Slurm)} on ${SLURM_JOB_NODELIST:-$(hostname)}," \
    "${SLURM_NTASKS:-?} ranks x ${SLURM_CPUS_PER_TASK:-1} CPUs," \
    "restart ${SLURM_RESTART_COUNT:-0}, $(date -u +%FT%TZ)"
  echo "+ ${launch[*]} $SCENEALS_BIN ${args[*]}"
  JOB_LAUNCHER_PID='' JOB_SIGNALS=''
  trap 'job_forward USR1' USR1
  trap 'job_forward TERM' TERM
  "${launch[@]}" "$SCENEALS_BIN" "${args[@]}" &
  JOB_LAUNCHER_PID=$!
  # A signal that came before the launcher's pid was known is passed on now.
  [ -z "$JOB_SIGNALS" ] || kill -USR1 "$JOB_LAUNCHER_PID" 2>/dev/null || true
  local rc
  while :; do
    JOB_INTERRUPTED=0
    rc=0
    wait "$JOB_LAUNCHER_PID" || rc=$?
    # A trap interrupted the wait (rc 128 + signal) while the launcher still runs: wait again.
    # (Waiting for a launcher that has ended already returns its exit code once more.)
    [ "$JOB_INTERRUPTED" = 1 ] || break
  done
  JOB_LAUNCHER_PID=ended
  echo "sceneals job: exit code $rc at $(date -u +%FT%TZ)"
  if [ "${JOB_REQUEUE:-0}" = 1 ] &&
     { [ "$rc" -eq 3 ] || [[ "$JOB_SIGNALS" == *USR1* && "$rc" -gt 128 ]]; }; then
    if [[ "$JOB_SIGNALS" == *TERM* ]]; then
      echo "sceneals job: stopped by SIGTERM (scancel, preemption or the time limit): not" \
        "requeued; resubmit with the same checkpoint directory to resume"
    else
      job_requeue && rc=0
    fi
  fi
  return "$rc"
}

# job_forward SIGNAL: the trap of job_run; passes the signal on to the ranks as SIGUSR1. Ignored
# once the launcher has ended (`scontrol requeue` itself sends SIGTERM to the batch shell).
job_forward() {
  [ "${JOB_LAUNCHER_PID:-}" != ended ] || return 0
  JOB_INTERRUPTED=1 JOB_SIGNALS+=" $1"
  echo "sceneals job: SIG$1 at $(date -u +%FT%TZ), passed on to the ranks as SIGUSR1"
  [ -z "${JOB_LAUNCHER_PID:-}" ] || kill -USR1 "$JOB_LAUNCHER_PID" 2>/dev/null || true
}

# job_requeue: puts this job back in the queue (it starts again under the same job id once
# Slurm lets it: requeued jobs wait a while, about two minutes, before they are eligible).
job_requeue() {
  if [ -z "${SLURM_JOB_ID:-}" ]; then
    echo "sceneals job: not under Slurm, nothing to requeue; rerun the same command to resume"
    return 1
  fi
  echo "sceneals job: requeueing job $SLURM_JOB_ID (restart $((${SLURM_RESTART_COUNT:-0} + 1)))"
  scontrol requeue "$SLURM_JOB_ID" && return 0
  echo "sceneals job: scontrol requeue $SLURM_JOB_ID failed; resubmit with the same" \
    "checkpoint directory to resume" >&2
  return 1
}
