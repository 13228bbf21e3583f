# Shared by the e2e scripts: a scratch directory removed on exit, mpirun flags, and checks.
set -euo pipefail
: "${SCENEALS:?path of the sceneals binary}" "${MPIEXEC:=mpirun}"
PYTHON=/usr/bin/python3  # Debian's h5py lives here, not in whatever python3 is first on PATH
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

run_ranks() {  # run_ranks N sceneals-args...
  local n=$1; shift
  "$MPIEXEC" -n "$n" --oversubscribe --bind-to none "$SCENEALS" "$@"
}

fail() { echo "FAIL: $*" >&2; exit 1; }
