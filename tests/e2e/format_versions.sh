# Embedding files of format 1 (every user's row in every scene) and format 2 (active users' rows
# only; readers compute the others) serve the same thing.
# 1. A format 1 file made here from this build's format 2 file (the rows every scene serves,
#    as `export` computes them, stored whole, with user_active) gives byte-identical `export`,
#    `evaluate` and `recommend` output: the two read paths serve the same rows.
# 2. tests/e2e/data/model_v1.h5, written by SceneALS bb2f862 (the last to write format 1):
#      sceneals generate --output data.csv --users 300 --items 120 --interactions 6000 --scenes 3 --seed 5
#      SOURCE_DATE_EPOCH=0 sceneals train --input data.csv --output model_v1.h5 --factors 4 --iterations 3
#    is read as it is (`export` gives its stored datasets exactly), and its evaluation matches
#    this build's model of the same data within 0.002 (another build may round differently).
# 3. A scene left without training data (no stored user) is readable.
# 4. Chunked datasets (--chunk-kb) serve the same bytes as contiguous ones.
source "$(dirname "$0")/common.sh"
fixture="$SCENEALS_SOURCE_DIR/tests/e2e/data/model_v1.h5"
run_ranks 1 generate --output "$WORK/data.csv" --users 300 --items 120 --interactions 6000 --scenes 3 --seed 5 > /dev/null
SOURCE_DATE_EPOCH=0 run_ranks 1 train --input "$WORK/data.csv" --output "$WORK/v2.h5" --factors 4 \
  --iterations 3 --write-split "$WORK/split" > "$WORK/train.log"
run_ranks 2 export --model "$WORK/v2.h5" --format npy --output "$WORK/served" > /dev/null
"$PYTHON" - "$WORK/v2.h5" "$WORK/served" "$WORK/v1.h5" <<'PY'
import shutil, sys, h5py, numpy as np
v2, served, v1 = sys.argv[1:4]
shutil.copy(v2, v1)
with h5py.File(v1, "r+") as f:
    assert f.attrs["format_version"] == 2
    for scene in f["scenes"]:
        group = f["scenes"][scene]
        stored = len(group["user_index"])
        rows = np.load(f"{served}/{scene}.user_factors.npy")
        active = np.load(f"{served}/{scene}.user_active.npy")
        assert 0 < stored < len(rows) and int(active.sum()) == stored, (scene, stored, len(rows))
        del group["user_index"], group["user_factors"]
        group.create_dataset("user_factors", data=rows.astype("<f4"))
        group.create_dataset("user_active", data=active.astype("u1"))
    f.attrs["format_version"] = np.int64(1)
    del f.attrs["cold_user_rows"]
print("format 1 file made from the format 2 file")
PY
"$PYTHON" -c "import h5py, sys; open(sys.argv[2], 'w').write('\n'.join(u.decode() for u in h5py.File(sys.argv[1])['users/id'][()]) + '\n')" \
  "$WORK/v2.h5" "$WORK/users.txt"
serve_all() {  # serve_all MODEL NAME: export, evaluate and recommend into $WORK/NAME.*
  run_ranks 2 export --model "$1" --format npy --output "$WORK/$2.npy" > /dev/null
  run_ranks 2 evaluate --model "$1" --train "$WORK/split/train.csv" --test "$WORK/split/test.csv" |
    grep -E '^(overall|reading|shopping|video) ' > "$WORK/$2.eval"
  [ -s "$WORK/$2.eval" ] || fail "evaluate printed no table for $1"
  for scene in reading shopping video; do
    run_ranks 2 recommend --model "$1" --scene "$scene" --users "$WORK/users.txt" --k 10 > "$WORK/$2.$scene.csv"
  done
}
serve_all "$WORK/v1.h5" v1
serve_all "$WORK/v2.h5" v2
for file in $(ls "$WORK/v1.npy"); do
  cmp "$WORK/v1.npy/$file" "$WORK/v2.npy/$file" || fail "export: $file differs between formats 1 and 2"
done
[ "$(ls "$WORK/v1.npy" | grep -cE '^(reading|shopping|video)[.]user_factors[.]npy$')" -eq 3 ] || fail "export: expected 3 scenes' user rows"
cmp "$WORK/v1.eval" "$WORK/v2.eval" || fail "evaluate: the tables of formats 1 and 2 differ"
for scene in reading shopping video; do
  cmp "$WORK/v1.$scene.csv" "$WORK/v2.$scene.csv" || fail "recommend $scene: formats 1 and 2 differ"
  grep -q ",bridged" "$WORK/v2.$scene.csv" || fail "recommend $scene: no bridged user among all users"
done
v1_bytes=$(stat -c %s "$WORK/v1.h5") v2_bytes=$(stat -c %s "$WORK/v2.h5")

# The same model with chunked datasets (--chunk-kb 1: several chunks per matrix, overhanging
# edge chunks) serves the same bytes; its datasets are chunked.
SOURCE_DATE_EPOCH=0 run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/v2c.h5" --factors 4 \
  --iterations 3 --grid 1x2 --chunk-kb 1 > /dev/null
SOURCE_DATE_EPOCH=0 run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/v2s.h5" --factors 4 \
  --iterations 3 --grid 1x2 > /dev/null
"$PYTHON" - "$WORK/v2c.h5" "$WORK/v2s.h5" <<'PY'
import sys, h5py
chunked, contiguous = (h5py.File(path) for path in sys.argv[1:3])
for scene in chunked["scenes"]:
    for name in ("user_factors", "item_factors", "user_index"):
        d = chunked["scenes"][scene][name]
        assert d.chunks is not None and d.chunks[0] < d.shape[0], (scene, name, d.chunks, d.shape)
        assert contiguous["scenes"][scene][name].chunks is None, (scene, name)
PY
serve_all "$WORK/v2c.h5" chunked
serve_all "$WORK/v2s.h5" contiguous
for file in $(ls "$WORK/contiguous.npy"); do
  cmp "$WORK/contiguous.npy/$file" "$WORK/chunked.npy/$file" || fail "export: $file differs with --chunk-kb"
done
cmp "$WORK/contiguous.eval" "$WORK/chunked.eval" || fail "evaluate: chunked and contiguous differ"
for scene in reading shopping video; do
  cmp "$WORK/contiguous.$scene.csv" "$WORK/chunked.$scene.csv" || fail "recommend $scene: chunked and contiguous differ"
done

# The format 1 file of an older SceneALS.
serve_all "$fixture" old
"$PYTHON" - "$fixture" "$WORK/old.npy" "$WORK/old.eval" "$WORK/v2.eval" <<'PY'
import sys, h5py, numpy as np
model, npy, old_eval, new_eval = sys.argv[1:5]
with h5py.File(model) as f:
    assert f.attrs["format_version"] == 1
    for scene in f["scenes"]:
        for part in ("user_factors", "user_active"):
            assert np.array_equal(np.load(f"{npy}/{scene}.{part}.npy"), f["scenes"][scene][part][()]), (scene, part)
def table(path):
    return {tuple(line.split()[:3]): [float(v) for v in line.split()[3:]] for line in open(path)}
old, new = table(old_eval), table(new_eval)
assert old.keys() == new.keys() and old, (sorted(old), sorted(new))
worst = max(abs(a - b) for key in old for a, b in zip(old[key], new[key]))
assert worst <= 0.002, f"the old model's metrics differ from this build's by {worst}"
print(f"bb2f862's format 1 model read as stored; its metrics within {worst:.4f} of this build's")
PY

# A scene left without training data stores no user ([0, k+1] and an empty index).
{ cat "$WORK/data.csv"; printf 'u1,j1,lonely,1,1700000000\nu1,j2,lonely,1,1700000001\n'; } > "$WORK/lonely.csv"
run_ranks 2 train --input "$WORK/lonely.csv" --output "$WORK/lonely.h5" --factors 4 --iterations 2 \
  --cold-fraction 1 --seed 5 --write-split "$WORK/lonely_split" > "$WORK/lonely.log"
grep -q "scene lonely: no training interactions" "$WORK/lonely.log" || fail "the lonely scene was trained"
run_ranks 2 export --model "$WORK/lonely.h5" --format npy --output "$WORK/lonely_npy" > /dev/null
[ -s "$WORK/lonely_npy/lonely.user_factors.npy" ] || fail "export wrote no rows of the lonely scene"
run_ranks 2 evaluate --model "$WORK/lonely.h5" --train "$WORK/lonely_split/train.csv" \
  --test "$WORK/lonely_split/test.csv" > /dev/null

[ "$v2_bytes" -lt "$v1_bytes" ] || fail "format 2 ($v2_bytes bytes) is not smaller than format 1 ($v1_bytes)"
echo "format versions OK: the same model in format 1 $v1_bytes bytes, format 2 $v2_bytes bytes, the same rows served"
