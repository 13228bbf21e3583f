#!/usr/bin/env bash
# Runs sceneals with mpirun on this machine (no Slurm): one rank per core by default.
#
#   job_scripts/run_local.sh [-n RANKS] [--oversubscribe] [--] COMMAND [sceneals options]
#   job_scripts/run_local.sh -n 2 -- train --input demo/interactions.csv --output demo/model.h5 --evaluate
#
# -n RANKS         MPI ranks [the number of cores, nproc]
# --oversubscribe  allow more ranks than cores (slower; for trying grids on a small machine).
#                  Without it, Open MPI refuses RANKS above the core count.
# Environment: SCENEALS_BIN the executable [build/app/sceneals of this checkout]; MPIRUN_ARGS
# extra mpirun options (e.g. "--bind-to none" or "--hostfile hosts" for several machines).
# As root, Open MPI's consent variables are set (it refuses root otherwise). Exit code: sceneals'.
# Ctrl-C or SIGTERM stops the job resumably: every rank finishes its half-step, the job writes a
# checkpoint and the script exits 3, as a signalled Slurm job does. (A plain mpirun sent SIGTERM
# or Ctrl-C passes SIGTERM on, so the ranks checkpoint too, but it then exits 1 itself; sent
# SIGUSR1, which it forwards to the ranks, it exits with their code 3. This script sends that.)
set -euo pipefail

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
  exit 1
}

ranks=$(nproc)
oversubscribe=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) [ $# -ge 2 ] || usage; ranks=$2; shift 2 ;;
    --oversubscribe) oversubscribe=(--oversubscribe); shift ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) echo "run_local.sh: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || usage
if ! [[ "$ranks" =~ ^[1-9][0-9]*$ ]]; then
  echo "run_local.sh: -n needs a positive number, not '$ranks'" >&2
  exit 1
fi

bin=${SCENEALS_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/app/sceneals}
if [ ! -x "$bin" ]; then
  echo "run_local.sh: no executable at $bin (build it, or set SCENEALS_BIN)" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# shellcheck disable=SC2086  # MPIRUN_ARGS is a space-separated option list
# In a session of its own, so that Ctrl-C (SIGINT to the terminal's foreground process group)
# reaches this script only: mpirun, sent SIGINT itself, would exit 1 whatever the ranks do.
setsid mpirun -n "$ranks" "${oversubscribe[@]}" ${MPIRUN_ARGS:-} "$bin" "$@" &
mpirun_pid=$!
trap 'kill -USR1 "$mpirun_pid" 2>/dev/null || true' INT TERM
while :; do  # a trapped signal interrupts wait: wait again until mpirun has ended
  rc=0
  wait "$mpirun_pid" || rc=$?
  kill -0 "$mpirun_pid" 2>/dev/null || break
done
exit "$rc"
