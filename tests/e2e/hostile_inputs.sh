# The table of hostile inputs (hostile_inputs.py): each row's exit code and exact message.
source "$(dirname "$0")/common.sh"
"$PYTHON" "$E2E_DIR/hostile_inputs.py" "$SCENEALS" "$MPIEXEC" "$WORK"
