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
  elif [[ " ${SCENEALS_ARGS:-} " == *" --$name "* || " ${SCENEALS_ARGS:-} " == *" --$name="* ]]; then
    return 0
  elif [ -n "${SCENEALS_CONFIG:-}" ] &&
       grep -Eq "^[[:space:]]*${name}[[:space:]]*=" "$SCENEALS_CONFIG"; then
    return 0
  elif [ -n "$default" ]; then
    JOB_ARGS+=("--$name" "$default")
  else
    job_fail "set $variable (or --$name in SCENEALS_ARGS or the config file)"
  fi
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
# SCENEALS_CONFIG and SCENEALS_ARGS appended; returns its exit code (0, 1 bad input, 2 internal).
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
      fi ;;
    *) job_fail "SCENEALS_LAUNCHER must be srun or mpirun, not '$SCENEALS_LAUNCHER'" ;;
  esac
  echo "sceneals job ${SLURM_JOB_ID:-(no Slurm)} on ${SLURM_JOB_NODELIST:-$(hostname)}," \
    "${SLURM_NTASKS:-?} ranks x ${SLURM_CPUS_PER_TASK:-1} CPUs, $(date -u +%FT%TZ)"
  echo "+ ${launch[*]} $SCENEALS_BIN ${args[*]}"
  local rc=0
  "${launch[@]}" "$SCENEALS_BIN" "${args[@]}" || rc=$?
  echo "sceneals job: exit code $rc at $(date -u +%FT%TZ)"
  return "$rc"
}
