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

# expect_one_error NAME EXPECTED_TEXT sceneals-args...: runs sceneals on 2 ranks (one rank may see
# the error, both must agree) and checks exit code 1 and one 'sceneals: error' line containing
# the text. Its output stays in $WORK/NAME.out for the caller's own checks (nothing written).
expect_one_error() {
  local name=$1 text=$2 rc=0; shift 2
  timeout 120 "$MPIEXEC" -n 2 --oversubscribe --bind-to none "$SCENEALS" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  [ "$rc" -eq 1 ] || { cat "$WORK/$name.err"; fail "$name: exit code $rc, expected 1"; }
  grep -qF -- "$text" "$WORK/$name.err" || { cat "$WORK/$name.err"; fail "$name: message lacks '$text'"; }
  [ "$(grep -c 'sceneals: error' "$WORK/$name.err")" -eq 1 ] || { cat "$WORK/$name.err"; fail "$name: the error should be printed once"; }
  echo "ok: $name -> $(grep 'sceneals: error' "$WORK/$name.err")"
}
