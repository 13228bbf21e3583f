# Embedding files of format 1 (every user's row in every scene) and format 2 (active users' rows
# only; readers compute the others) serve the same thing. tests/e2e/data/model_v1.h5 was written
# by SceneALS bb2f862, the last to write format 1:
#   sceneals generate --output data.csv --users 300 --items 120 --interactions 6000 --scenes 3 --seed 5
#   SOURCE_DATE_EPOCH=0 sceneals train --input data.csv --output model_v1.h5 --factors 4 --iterations 3
# This build trains the same model on the same data at 1 rank (nothing it computes on one rank
# changed since), writes format 2, and every reader must give the same bits from both: the
# exported dense rows (bridged ones included), recommendations, and the evaluation table.
source "$(dirname "$0")/common.sh"
v1="$SCENEALS_SOURCE_DIR/tests/e2e/data/model_v1.h5"
run_ranks 1 generate --output "$WORK/data.csv" --users 300 --items 120 --interactions 6000 --scenes 3 --seed 5 > /dev/null
SOURCE_DATE_EPOCH=0 run_ranks 1 train --input "$WORK/data.csv" --output "$WORK/model_v2.h5" --factors 4 \
  --iterations 3 --write-split "$WORK/split" > "$WORK/train.log"
"$PYTHON" - "$v1" "$WORK/model_v2.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1]) as v1, h5py.File(sys.argv[2]) as v2:
    assert v1.attrs["format_version"] == 1 and v2.attrs["format_version"] == 2
    for scene in v1["scenes"]:
        assert "user_active" in v1["scenes"][scene] and "user_index" in v2["scenes"][scene]
        stored, everyone = len(v2["scenes"][scene]["user_index"]), v1["scenes"][scene]["user_factors"].shape[0]
        assert 0 < stored < everyone, (scene, stored, everyone)
print("formats OK")
PY
"$PYTHON" -c "import h5py, sys; open(sys.argv[2], 'w').write('\n'.join(u.decode() for u in h5py.File(sys.argv[1])['users/id'][()]) + '\n')" \
  "$WORK/model_v2.h5" "$WORK/users.txt"
for v in 1 2; do
  model=$([ "$v" = 1 ] && echo "$v1" || echo "$WORK/model_v2.h5")
  run_ranks 2 export --model "$model" --format npy --output "$WORK/npy$v" > /dev/null
  run_ranks 2 evaluate --model "$model" --train "$WORK/split/train.csv" --test "$WORK/split/test.csv" |
    grep -E '^(overall|reading|shopping|video) ' > "$WORK/eval$v.txt"
  for scene in reading shopping video; do
    run_ranks 2 recommend --model "$model" --scene "$scene" --users "$WORK/users.txt" --k 10 \
      > "$WORK/rec$v.$scene.csv"
  done
done
for file in $(ls "$WORK/npy1"); do
  cmp "$WORK/npy1/$file" "$WORK/npy2/$file" || fail "export: $file differs between formats 1 and 2"
done
[ "$(ls "$WORK/npy1" | grep -cE "^(reading|shopping|video)[.]user_factors[.]npy$")" -eq 3 ] || fail "export: expected 3 scenes' user rows"
cmp "$WORK/eval1.txt" "$WORK/eval2.txt" || fail "evaluate: the tables of formats 1 and 2 differ"
[ -s "$WORK/eval1.txt" ] || fail "evaluate printed no table"
for scene in reading shopping video; do
  cmp "$WORK/rec1.$scene.csv" "$WORK/rec2.$scene.csv" || fail "recommend $scene: formats 1 and 2 differ"
  grep -q ",bridged" "$WORK/rec2.$scene.csv" || fail "recommend $scene: no bridged user among all users"
done
# A scene left without training data stores no user ([0, k+1] and an empty index): every reader
# still reads the model.
{ cat "$WORK/data.csv"; printf 'u1,j1,lonely,1,1700000000\nu1,j2,lonely,1,1700000001\n'; } > "$WORK/lonely.csv"
run_ranks 2 train --input "$WORK/lonely.csv" --output "$WORK/lonely.h5" --factors 4 --iterations 2 \
  --cold-fraction 1 --seed 5 --write-split "$WORK/lonely_split" > "$WORK/lonely.log"
grep -q "scene lonely: no training interactions" "$WORK/lonely.log" || fail "the lonely scene was trained"
run_ranks 2 export --model "$WORK/lonely.h5" --format npy --output "$WORK/lonely_npy" > /dev/null
[ -s "$WORK/lonely_npy/lonely.user_factors.npy" ] || fail "export wrote no rows of the lonely scene"
run_ranks 2 evaluate --model "$WORK/lonely.h5" --train "$WORK/lonely_split/train.csv" \
  --test "$WORK/lonely_split/test.csv" > /dev/null
# The file is smaller: only active users' rows.
v1_bytes=$(stat -c %s "$v1") v2_bytes=$(stat -c %s "$WORK/model_v2.h5")
[ "$v2_bytes" -lt "$v1_bytes" ] || fail "format 2 ($v2_bytes bytes) is not smaller than format 1 ($v1_bytes)"
echo "format versions OK: format 1 $v1_bytes bytes, format 2 $v2_bytes bytes, the same rows served"
