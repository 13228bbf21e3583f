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
# A pooled model serves one user vector in every scene, to the bit, also to users without data in
# a scene, whose rows readers rebuild from z (with count weights z is a weighted mean of that
# vector, which float division need not give back exactly: the file stores the vector itself).
run_ranks 2 train "${common[@]}" --model-kind pooled --average-weight count --output "$WORK/pooled_count.h5" > /dev/null
run_ranks 2 export --model "$WORK/pooled_count.h5" --format npy --output "$WORK/pooled_npy" > /dev/null
"$PYTHON" - "$WORK/pooled_npy" <<'PY'
import glob, sys, numpy as np
rows = [np.load(p) for p in sorted(glob.glob(sys.argv[1] + "/*.user_factors.npy")) if "shared" not in p]
assert len(rows) >= 2 and all(np.array_equal(rows[0], r) for r in rows[1:]), "pooled rows differ between scenes"
print(f"pooled rows equal in all {len(rows)} scenes")
PY
# The pooled kind needs one scene group.
rc=0; run_ranks 2 train "${common[@]}" --model-kind pooled --grid 2x1 --output "$WORK/x.h5" 2> "$WORK/x.err" > /dev/null || rc=$?
[ "$rc" -eq 1 ] && grep -q "needs one scene group" "$WORK/x.err" || fail "pooled with --grid 2x1: rc $rc"
echo "model kinds OK"
