# The four model kinds on one split: every file is complete, the pooled model is the same at 1
# and 2 ranks, and two identities that hold by construction: the independent kind serves users
# cold in a scene the scene's most popular items, so its cold-pair metrics equal the popularity
# kind's exactly; and a colearn model's cold pairs are served through the bridge.
source "$(dirname "$0")/common.sh"
run_ranks 2 generate --output "$WORK/data.csv" --users 500 --items 200 --interactions 12000 --scenes 3 --seed 5
common=(--input "$WORK/data.csv" --factors 8 --iterations 4 --evaluate --k 10)
for kind in colearn independent pooled popularity; do
  run_ranks 2 train "${common[@]}" --model-kind "$kind" --output "$WORK/$kind.h5" > "$WORK/$kind.log"
  "$PYTHON" "$E2E_DIR/check_embedding_file.py" --expect-run-attributes "$WORK/$kind.h5" > /dev/null
  grep -qE "^overall +cold +10 " "$WORK/$kind.log" || fail "$kind: no overall cold row"
done
# The cold row without its diversity column: diversity compares the items' factors, and the
# popularity kind's items have none (its rows are [0, count]).
cold_row() { grep -E "^overall +cold +10 " "$WORK/$1.log" | awk '{ $10 = ""; print }'; }
[ "$(cold_row independent)" = "$(cold_row popularity)" ] ||
  fail "independent and popularity should rank cold pairs identically: $(cold_row independent) vs $(cold_row popularity)"
[ "$(cold_row colearn)" != "$(cold_row popularity)" ] || fail "colearn's cold pairs should not be ranked by popularity alone"
"$PYTHON" - "$WORK/colearn.h5" "$WORK/popularity.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as colearn, h5py.File(sys.argv[2]) as popularity:
    assert colearn.attrs["model_kind"] in (b"colearn", "colearn"), colearn.attrs["model_kind"]
    for scene in colearn["scenes"]:
        assert "bridge" in colearn["scenes"][scene], f"colearn scene {scene} has no bridge"
        assert "bridge" not in popularity["scenes"][scene]
        users = popularity[f"scenes/{scene}/user_factors"][()]  # its active users' rows
        assert np.all(users[:, :-1] == 0) and np.all(users[:, -1] == 1), "popularity users are [0, 1]"
    # Users without a row of their own get [0, 1] too (independent, popularity), the bridged z
    # with colearn.
    assert popularity.attrs["cold_user_rows"] in (b"unit", "unit")
    assert colearn.attrs["cold_user_rows"] in (b"bridge", "bridge")
print("model files OK")
PY
run_ranks 1 train "${common[@]}" --model-kind pooled --output "$WORK/pooled1.h5" > /dev/null
"$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/pooled1.h5" "$WORK/pooled.h5" --tolerance 1e-4
# The pooled kind needs one scene group.
rc=0; run_ranks 2 train "${common[@]}" --model-kind pooled --grid 2x1 --output "$WORK/x.h5" 2> "$WORK/x.err" > /dev/null || rc=$?
[ "$rc" -eq 1 ] && grep -q "needs one scene group" "$WORK/x.err" || fail "pooled with --grid 2x1: rc $rc"
echo "model kinds OK"
