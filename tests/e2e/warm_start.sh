# train --init-from MODEL: a warm start from a previous embedding file.
# 1. From a model of the same log, one iteration reaches a lower objective than one from scratch,
#    and no higher than the model's own last iteration (training just goes on).
# 2. On a grown and changed log (users and items removed, renamed (new ids) and added to a scene
#    they had no data in, a scene renamed, lines shuffled), 0 iterations at 1 rank and at 4 ranks
#    (grid 2x2; the model was written by 2) write exactly the rows check_warm_start.py expects
#    from the files alone, with the report's counts (also when read 29 rows at a time); a
#    2-iteration warm run agrees at 1, 2 and 4
#    ranks within 1e-4 relative (only the order of MPI's sums differs); a checkpoint of a warm
#    run wins over --init-from when it resumes.
# 3. A format 1 file (tests/e2e/data/model_v1.h5, see format_versions.sh) starts a run alike.
# 4. The pooled kind starts from a colearn model's z_u: lower objective after one iteration.
# 5. Refused with exit 1, a message naming the file and no output: another k, a truncated file,
#    a file that is not HDF5, a missing file, non-finite factors, an id stored twice, a
#    popularity model; --init-from with --tune or --model-kind popularity.
# 6. Items the model served from their features start from those rows, and an item it never saw,
#    with features, from the model's feature map.
# 7. --tune's popularity blend, the scene map, the independent kind's bias, the pooled kind's z_u.
source "$(dirname "$0")/common.sh"
run_ranks 2 generate --output "$WORK/data.csv" --users 600 --items 250 --interactions 15000 --scenes 3 --seed 4 > /dev/null
base=(--factors 8 --mu 0.5)
run_ranks 2 train --input "$WORK/data.csv" "${base[@]}" --iterations 15 --output "$WORK/model.h5" > "$WORK/model.log"

objective() {  # objective LOG ITERATION: the objective the job printed after that iteration
  awk -v it="$2" '$1 == it && NF == 7 {print $2}' "$1"
}
# 1. The same log: the model's state plus one more iteration.
run_ranks 2 train --input "$WORK/data.csv" "${base[@]}" --iterations 1 --output "$WORK/scratch1.h5" > "$WORK/scratch1.log"
run_ranks 2 train --input "$WORK/data.csv" "${base[@]}" --iterations 1 --output "$WORK/warm1.h5" --init-from "$WORK/model.h5" > "$WORK/warm1.log"
grep -q "warm start from $WORK/model.h5 (format 2, colearn, " "$WORK/warm1.log" || { cat "$WORK/warm1.log"; fail "no warm start report"; }
"$PYTHON" - "$(objective "$WORK/scratch1.log" 1)" "$(objective "$WORK/warm1.log" 1)" "$(objective "$WORK/model.log" 15)" <<'PY' || fail "the warm start did not converge faster"
import sys
scratch, warm, model = map(float, sys.argv[1:4])
print(f"objective after 1 iteration: scratch {scratch:.6g}, warm {warm:.6g} (model after 15: {model:.6g})")
assert warm < scratch and warm <= model * (1 + 1e-6), (scratch, warm, model)
PY

# 2. A changed log.
"$PYTHON" - "$WORK/data.csv" "$WORK/model.h5" "$WORK/changed.csv" <<'PY'
import random, sys, h5py
sys.path.insert(0, __import__("os").environ["SCENEALS_SOURCE_DIR"] + "/eval")
import sceneals_model
source, model, out = sys.argv[1:4]
lines = open(source).read().splitlines()
header, rows = lines[0], [line.split(",") for line in lines[1:]]
users = sorted({r[0] for r in rows})
items = sorted({r[1] for r in rows})
removed, renamed = set(users[:25]), set(users[25:50])
new_items = set(items[:10])
with h5py.File(model) as f:
    ids = [u.decode() for u in f["users/id"][()]]
    shopping = sceneals_model.user_active(f, "shopping")
    never_shopping = [u for u, a in zip(ids, shopping) if not a and u not in removed | renamed]
changed = []
for user, item, scene, value, ts in rows:
    if user in removed:
        continue
    if user in renamed:
        user = "new-" + user
    if item in new_items:
        item = "new-" + item
    if scene == "video":
        scene = "music"
    changed.append([user, item, scene, value, ts])
# Users the model has but never trained in shopping get data there.
for n, user in enumerate(never_shopping[:20]):
    for j in range(8):
        changed.append([user, items[(37 * n + 11 * j) % len(items)], "shopping", "1", str(1704200000 + j)])
random.Random(3).shuffle(changed)
open(out, "w").write(header + "\n" + "".join(",".join(r) + "\n" for r in changed))
print(f"changed log: {len(changed)} lines, {len(never_shopping[:20])} users new to shopping")
PY
changed=(--input "$WORK/changed.csv" "${base[@]}")
run_ranks 1 train "${changed[@]}" --iterations 0 --output "$WORK/seeded0.h5" > /dev/null
run_ranks 1 train "${changed[@]}" --iterations 0 --output "$WORK/warm0-1.h5" --init-from "$WORK/model.h5" > "$WORK/warm0-1.log"
grep -q "scenes: 2 from the model (reading, shopping), 1 new (music), 1 in the model only (video)" "$WORK/warm0-1.log" || { cat "$WORK/warm0-1.log"; fail "scenes not reported"; }
"$PYTHON" "$E2E_DIR/check_warm_start.py" "$WORK/model.h5" "$WORK/warm0-1.h5" "$WORK/seeded0.h5" --log "$WORK/warm0-1.log"
grep -qE "user rows: [0-9,]+ the model's, [1-9][0-9,]* served" "$WORK/warm0-1.log" || fail "no user started from the row the model serves"
run_ranks 4 train "${changed[@]}" --iterations 0 --grid 2x2 --output "$WORK/warm0-4.h5" --init-from "$WORK/model.h5" > "$WORK/warm0-4.log"
"$PYTHON" "$E2E_DIR/check_warm_start.py" "$WORK/model.h5" "$WORK/warm0-4.h5" "$WORK/seeded0.h5" --log "$WORK/warm0-4.log"
# Read 29 rows at a time (--exchange-buffer-mb bounds what a warm start reads at once too): the same rows.
run_ranks 2 train "${changed[@]}" --iterations 0 --exchange-buffer-mb 0.001 --output "$WORK/warm0-b.h5" --init-from "$WORK/model.h5" > "$WORK/warm0-b.log"
"$PYTHON" "$E2E_DIR/check_warm_start.py" "$WORK/model.h5" "$WORK/warm0-b.h5" "$WORK/seeded0.h5" --log "$WORK/warm0-b.log"
for ranks in 1 2 4; do
  run_ranks "$ranks" train "${changed[@]}" --iterations 2 --output "$WORK/warm2-$ranks.h5" --init-from "$WORK/model.h5" > /dev/null
done
"$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/warm2-1.h5" "$WORK/warm2-2.h5" --tolerance 1e-4
"$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/warm2-1.h5" "$WORK/warm2-4.h5" --tolerance 1e-4

# A warm run's checkpoint (after iteration 2 of 3) is newer than the model: a run resumed from
# it (as refresh.sbatch's requeued jobs are) does not read the model and ends as the run did.
run_ranks 2 train "${changed[@]}" --iterations 3 --output "$WORK/warm3.h5" --init-from "$WORK/model.h5" \
  --checkpoint-every 2 --checkpoint-dir "$WORK/ck-warm" > /dev/null
ls "$WORK/ck-warm/checkpoint-000002-0.h5" > /dev/null || fail "no checkpoint after iteration 2"
run_ranks 2 train "${changed[@]}" --iterations 3 --output "$WORK/ck-resumed.h5" --init-from "$WORK/model.h5" \
  --checkpoint-dir "$WORK/ck-warm" --resume > "$WORK/ck-resumed.log"
grep -q "after iteration 2 (+0 phases); the checkpoint replaces --init-from" "$WORK/ck-resumed.log" || { cat "$WORK/ck-resumed.log"; fail "the checkpoint did not win over --init-from"; }
grep -q "warm start from" "$WORK/ck-resumed.log" && fail "a resumed run read the model too"
"$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/warm3.h5" "$WORK/ck-resumed.h5" --tolerance 1e-4

# 3. Format 1.
fixture="$SCENEALS_SOURCE_DIR/tests/e2e/data/model_v1.h5"
run_ranks 1 generate --output "$WORK/v1data.csv" --users 300 --items 120 --interactions 6000 --scenes 3 --seed 5 > /dev/null
run_ranks 2 train --input "$WORK/v1data.csv" --factors 4 --iterations 0 --output "$WORK/v1seeded0.h5" > /dev/null
run_ranks 2 train --input "$WORK/v1data.csv" --factors 4 --iterations 0 --output "$WORK/v1warm0.h5" --init-from "$fixture" > "$WORK/v1warm0.log"
grep -q "(format 1, colearn, " "$WORK/v1warm0.log" || { cat "$WORK/v1warm0.log"; fail "format 1 not reported"; }
"$PYTHON" "$E2E_DIR/check_warm_start.py" "$fixture" "$WORK/v1warm0.h5" "$WORK/v1seeded0.h5" --log "$WORK/v1warm0.log"

# 4. Pooled from a colearn model.
run_ranks 2 train --input "$WORK/data.csv" "${base[@]}" --model-kind pooled --iterations 1 --output "$WORK/pooled1.h5" > "$WORK/pooled1.log"
run_ranks 2 train --input "$WORK/data.csv" "${base[@]}" --model-kind pooled --iterations 1 --output "$WORK/pooled-warm1.h5" --init-from "$WORK/model.h5" > "$WORK/pooled-warm1.log"
"$PYTHON" -c "import sys; s, w = map(float, sys.argv[1:]); assert w < s, (s, w); print('pooled objective after 1 iteration: scratch', s, 'warm', w)" \
  "$(objective "$WORK/pooled1.log" 1)" "$(objective "$WORK/pooled-warm1.log" 1)" || fail "the pooled warm start did not converge faster"

# 6. Item features. The model is trained without any line of ten items (it serves them from
#    their features: item_from_features) and without the features of "fresh" (a copy of i7's
#    under a new id). On the log with those lines and a few of "fresh", the ten start from the
#    rows the model served them and "fresh" from the model's feature map applied to its features.
run_ranks 2 generate --output "$WORK/flog.csv" --users 400 --items 120 --interactions 9000 \
  --scenes 2 --seed 6 --item-features "$WORK/f.csv" --feature-dimensions 5 > /dev/null
held='^[^,]*,i(1|2|3|4|5|6|8|9|10|11),'
grep -Ev "$held" "$WORK/flog.csv" > "$WORK/fold.csv"
{ cat "$WORK/flog.csv"; awk -F, 'NR > 1 && NR <= 40 {print $1 ",fresh," $3 ",1," $5}' "$WORK/flog.csv"; } > "$WORK/fnew.csv"
{ cat "$WORK/f.csv"; grep '^i7,' "$WORK/f.csv" | sed 's/^i7,/fresh,/'; } > "$WORK/fnew-features.csv"
ftrain=(--factors 6 --mu 0.5 --item-features)
run_ranks 2 train --input "$WORK/fold.csv" "${ftrain[@]}" "$WORK/f.csv" --iterations 5 --output "$WORK/fmodel.h5" > /dev/null
run_ranks 2 train --input "$WORK/fnew.csv" "${ftrain[@]}" "$WORK/fnew-features.csv" --iterations 0 \
  --output "$WORK/fwarm0.h5" --init-from "$WORK/fmodel.h5" > "$WORK/fwarm0.log"
"$PYTHON" - "$WORK/fmodel.h5" "$WORK/fwarm0.h5" "$WORK/fnew-features.csv" "$WORK/fwarm0.log" <<'PY' || fail "items did not start from the model's features"
import re, sys, h5py, numpy as np
model, warm, features, log = sys.argv[1:5]
held = {f"i{n}" for n in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11)}
f_of = {line.split(",")[0]: np.array(line.strip().split(",")[1:], dtype=np.float64)
        for line in open(features).readlines()[1:]}
from_features = 0
with h5py.File(model) as m, h5py.File(warm) as w:
    m_items = {x.decode(): r for r, x in enumerate(m["items/id"][()])}
    w_items = [x.decode() for x in w["items/id"][()]]
    assert "fresh" not in m_items
    for scene in w["scenes"]:
        W, M = w["scenes"][scene], m["scenes"][scene]
        active, rows = W["item_active"][()], W["item_factors"][()]
        trained = active.astype(bool) & ~W["item_from_features"][()].astype(bool)
        for r in np.flatnonzero(trained):
            item = w_items[r]
            if item in held:
                mr = m_items[item]
                assert M["item_from_features"][mr] == 1, (scene, item)
                assert np.array_equal(rows[r], M["item_factors"][mr]), (scene, item, rows[r])
                from_features += 1
            elif item == "fresh":
                expected = np.append(f_of["fresh"], 1.0) @ M["feature_map"][()].astype(np.float64)
                assert np.allclose(rows[r], expected, rtol=1e-5, atol=1e-6), (scene, rows[r], expected)
                from_features += 1
reported = int(re.search(r"item rows: [\d,]+ the model's, ([\d,]+) from its feature maps", open(log).read()).group(1).replace(",", ""))
assert reported == from_features and from_features >= 4, (reported, from_features)
print(f"{from_features} item rows started from the model's features, as reported")
PY

# 7. Kinds and settings, 0 iterations on the model's own log.
same=(--input "$WORK/data.csv" "${base[@]}" --iterations 0)
# A model whose item biases --tune blended with popularity (made here by hand, as --tune writes
# it): reading served by popularity ([0, count]) starts seeded, shopping's biases start at 0.
cp "$WORK/model.h5" "$WORK/blend.h5"
"$PYTHON" - "$WORK/blend.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    f.attrs["popularity_blend"] = np.bytes_("reading=popularity,shopping=0.1,video=0")
    rows = f["scenes/reading/item_factors"][()]
    rows[:, :-1] = 0
    rows[:, -1] = np.arange(len(rows)) % 7
    f["scenes/reading/item_factors"][...] = rows
    rows = f["scenes/shopping/item_factors"][()]
    rows[:, -1] += 0.5
    f["scenes/shopping/item_factors"][...] = rows
PY
run_ranks 2 train "${same[@]}" --output "$WORK/same-seeded0.h5" > /dev/null
run_ranks 2 train "${same[@]}" --output "$WORK/blend0.h5" --init-from "$WORK/blend.h5" > "$WORK/blend0.log"
grep -q "item biases of 2 scenes blended with popularity by --tune start at 0" "$WORK/blend0.log" || { cat "$WORK/blend0.log"; fail "the blend was not reported"; }
"$PYTHON" "$E2E_DIR/check_warm_start.py" "$WORK/blend.h5" "$WORK/blend0.h5" "$WORK/same-seeded0.h5" --log "$WORK/blend0.log"
# The scene map: each scene's a_s, c_s are the model's.
run_ranks 2 train --input "$WORK/data.csv" "${base[@]}" --scene-map-ridge 2 --iterations 5 --output "$WORK/map.h5" > /dev/null
run_ranks 2 train "${same[@]}" --scene-map-ridge 2 --output "$WORK/map0.h5" --init-from "$WORK/map.h5" > "$WORK/map0.log"
grep -q "scene maps of 3 scenes" "$WORK/map0.log" || fail "the scene maps were not reported"
# The independent kind: the model's y, and its own bias column (0, served as its popularity
# fallback), not the model's.
run_ranks 2 train --input "$WORK/data.csv" "${base[@]}" --model-kind independent --iterations 5 --output "$WORK/indep.h5" > /dev/null
run_ranks 2 train "${same[@]}" --model-kind independent --output "$WORK/indep-seeded0.h5" > /dev/null
run_ranks 2 train "${same[@]}" --model-kind independent --output "$WORK/indep0.h5" --init-from "$WORK/indep.h5" > /dev/null
# ... and it trains no bias: a model's bias column (its popularity fallback) is not a start. One
# iteration from a model whose biases are changed ends exactly as from the model itself.
cp "$WORK/indep.h5" "$WORK/indep-bias.h5"
"$PYTHON" -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); d = f['scenes/video/item_factors']; r = d[()]; r[:, -1] += 0.3; d[...] = r" "$WORK/indep-bias.h5"
for m in indep indep-bias; do
  run_ranks 2 train --input "$WORK/data.csv" "${base[@]}" --model-kind independent --iterations 1 --output "$WORK/$m-1.h5" --init-from "$WORK/$m.h5" > /dev/null
done
"$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/indep-1.h5" "$WORK/indep-bias-1.h5" --tolerance 0
# The pooled kind: every trained user starts from the model's z_u.
run_ranks 2 train "${same[@]}" --model-kind pooled --output "$WORK/pooled0.h5" --init-from "$WORK/model.h5" > /dev/null
"$PYTHON" - "$WORK" <<'PY' || fail "a kind or setting did not start from the model"
import sys, h5py, numpy as np
work = sys.argv[1]
def ids(f, side):
    return {x.decode(): r for r, x in enumerate(f[side]["id"][()])}
with h5py.File(f"{work}/map.h5") as m, h5py.File(f"{work}/map0.h5") as w:
    for scene in m["scenes"]:
        assert np.array_equal(m["scenes"][scene]["scene_map"][()], w["scenes"][scene]["scene_map"][()]), scene
with h5py.File(f"{work}/indep.h5") as m, h5py.File(f"{work}/indep0.h5") as w, \
        h5py.File(f"{work}/indep-seeded0.h5") as s:
    assert ids(m, "items") == ids(w, "items")
    for scene in m["scenes"]:
        M, W, S = (f["scenes"][scene]["item_factors"][()] for f in (m, w, s))
        active = m["scenes"][scene]["item_active"][()].astype(bool)
        assert np.array_equal(W[active, :-1], M[active, :-1]), scene
        assert np.array_equal(W[:, -1], S[:, -1]), scene   # the fallback of this run
with h5py.File(f"{work}/model.h5") as m, h5py.File(f"{work}/pooled0.h5") as w:
    m_user, w_user = ids(m, "users"), ids(w, "users")
    zm, zw = m["shared/user_factors"][()], w["shared/user_factors"][()]
    trained = [u for u, r in w_user.items() if np.any(zw[r] != 0)]
    assert len(trained) > 100
    for u in trained:
        assert np.array_equal(zw[w_user[u]], zm[m_user[u]]), u
print("scene maps, the independent kind's rows and the pooled kind's users start from the model")
PY

# 5. Refusals.
refused() {  # refused NAME TEXT MODEL [more train args]: exit 1 naming TEXT, no output file
  local name=$1 text=$2 model=$3; shift 3
  expect_one_error "$name" "$text" train --input "$WORK/data.csv" "${base[@]}" --iterations 1 \
    --output "$WORK/out-$name.h5" --init-from "$model" "$@"
  [ ! -e "$WORK/out-$name.h5" ] || fail "$name: an output file was written"
}
expect_one_error other-k "$WORK/model.h5: the model has k = 8 factors and this run --factors 16" \
  train --input "$WORK/data.csv" --factors 16 --output "$WORK/other-k.h5" --init-from "$WORK/model.h5"
[ ! -e "$WORK/other-k.h5" ] || fail "other-k: an output file was written"
head -c 3000 "$WORK/model.h5" > "$WORK/truncated.h5"
refused truncated "$WORK/truncated.h5" "$WORK/truncated.h5"
refused not-hdf5 "$WORK/data.csv: not an HDF5 file" "$WORK/data.csv"
refused missing "cannot open model '$WORK/none.h5'" "$WORK/none.h5"
cp "$WORK/model.h5" "$WORK/nan.h5"
"$PYTHON" -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); d = f['scenes/reading/item_factors']; r = d[3]; r[0] = float('nan'); d[3] = r" "$WORK/nan.h5"
refused non-finite "$WORK/nan.h5: /scenes/reading/item_factors holds values that are not finite" "$WORK/nan.h5"
cp "$WORK/model.h5" "$WORK/twice.h5"
"$PYTHON" -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); d = f['users/id']; d[1] = d[0]" "$WORK/twice.h5"
refused twice "$WORK/twice.h5: /users/id holds the user id" "$WORK/twice.h5"
run_ranks 2 train --input "$WORK/data.csv" "${base[@]}" --model-kind popularity --output "$WORK/popularity.h5" > /dev/null
refused popularity "a popularity model has no factors to start from" "$WORK/popularity.h5"
refused with-tune "--init-from with --tune" "$WORK/model.h5" --tune
refused popularity-kind "--init-from: --model-kind popularity" "$WORK/model.h5" --model-kind popularity
echo "warm start OK"
