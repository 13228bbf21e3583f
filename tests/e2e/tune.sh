# --tune end to end: the same choice at 1, 2 and 4 ranks, searched in one group or side by side; the validation table and the choice in
# the file's /tuning group and the metrics JSON; per scene the choice scores at least popularity
# on validation (popularity is one of its options); the blend is in the file, so `evaluate`
# on the written split reproduces the test table; bad settings exit 1 with one message.
source "$(dirname "$0")/common.sh"
run_ranks 2 generate --output "$WORK/data.csv" --users 1500 --items 600 --interactions 40000 \
  --scenes 3 --seed 11
common=(--input "$WORK/data.csv" --factors 8 --iterations 6 --seed 3)

for n in 1 2 4; do
  # --tune last: Open MPI's mpirun reads the word after any --tune as a parameter file of its
  # own (and warns that it cannot find it); the job is not affected (docs/usage.md).
  run_ranks "$n" train "${common[@]}" --output "$WORK/t$n.h5" --evaluate \
    --metrics-json "$WORK/t$n.json" --write-split "$WORK/split$n" --tune > "$WORK/t$n.log"
  grep -q '^tuning on the validation split' "$WORK/t$n.log" || fail "no tuning table at $n ranks"
  # The choice: its line and the per-scene table up to the first iteration line (not the item
  # step's plan, which depends on the grid).
  sed -n '/^chosen:/,/^ *iter /p' "$WORK/t$n.log" | grep -v -e '^ *iter ' -e '^item step:' -e '^user step:' > "$WORK/choice$n.txt"
  [ -s "$WORK/choice$n.txt" ] || { cat "$WORK/t$n.log"; fail "no choice printed at $n ranks"; }
done
# At 4 ranks the automatic search runs 2 groups of 2 ranks side by side, each on its own copy
# of the data; 4 groups of one rank each must choose the same too.
grep -q "2 groups of ranks side by side" "$WORK/t4.log" || fail "4 ranks did not search in 2 groups"
run_ranks 4 train "${common[@]}" --output "$WORK/g4.h5" --tune-groups 4 --tune > "$WORK/g4.log"
grep -q "4 groups of ranks side by side" "$WORK/g4.log" || fail "--tune-groups 4 was not used"
sed -n '/^chosen:/,/^ *iter /p' "$WORK/g4.log" | grep -v -e '^ *iter ' -e '^item step:' -e '^user step:' > "$WORK/choice_g4.txt"
cat "$WORK/choice1.txt"
for n in 2 4 _g4; do
  diff "$WORK/choice1.txt" "$WORK/choice$n.txt" || fail "the choice of run $n differs from 1 rank's"
done

"$PYTHON" - "$WORK/t2.h5" "$WORK/t2.json" <<'PY'
import json, sys
import h5py
path, json_path = sys.argv[1], sys.argv[2]
with h5py.File(path, "r") as f:
    assert "tuning" in f, "no /tuning group"
    t = f["tuning"]
    assert set(t.keys()) == {"scene", "cohort", "k", "metric", "value", "pairs", "setting"}, set(t.keys())
    rows = [dict(scene=s.decode(), cohort=c.decode(), k=int(k), metric=m.decode(), value=float(v),
                 pairs=int(p), setting=g.decode())
            for s, c, k, m, v, p, g in zip(t["scene"][()], t["cohort"][()], t["k"][()],
                                            t["metric"][()], t["value"][()], t["pairs"][()],
                                            t["setting"][()])]
    scenes = [name for name in f["scenes"]]
    for name in ("ridge_by_scene", "popularity_blend"):
        text = f.attrs[name]
        text = text.decode() if isinstance(text, bytes) else text
        assert sorted(part.split("=")[0] for part in text.split(",")) == sorted(scenes), (name, text)
assert all(r["k"] == 20 for r in rows)
candidates = [r for r in rows if r["metric"] == "validation_recall"]
assert len(candidates) >= 2 * 20, len(candidates)  # every candidate of rung 0, both cohorts
assert all("rung" in r["setting"] for r in candidates)
chosen = {(r["scene"], r["cohort"]): r for r in rows if r["metric"] == "chosen_recall"}
popular = {(r["scene"], r["cohort"]): r for r in rows if r["metric"] == "popularity_recall"}
assert set(chosen) == set(popular) and ("overall", "warm") in chosen, sorted(chosen)
for scene in scenes:
    def score(table):
        cells = [table[(scene, c)] for c in ("warm", "cold") if table[(scene, c)]["pairs"] > 0]
        return sum(c["value"] for c in cells) / len(cells)
    assert score(chosen) >= score(popular) - 1e-12, (scene, score(chosen), score(popular))
with open(json_path) as handle:
    records = json.load(handle)
tuned = [r for r in records if "setting" in r]
assert len(tuned) == len(rows), (len(tuned), len(rows))
assert any(r["metric"] == "recall" and "setting" not in r for r in records)
print("tuning records:", len(rows), "rows; chosen", chosen[("overall", "warm")]["setting"])
PY

# The blend is part of the file: evaluating it on the split it was trained on gives the table.
run_ranks 2 evaluate --model "$WORK/t2.h5" --train "$WORK/split2/train.csv" \
  --test "$WORK/split2/test.csv" > "$WORK/evaluate.log"
sed -n '/^scene  *cohort /,/^overall  *cold  *20 /p' "$WORK/t2.log" > "$WORK/table_train.txt"
sed -n '/^scene  *cohort /,/^overall  *cold  *20 /p' "$WORK/evaluate.log" > "$WORK/table_evaluate.txt"
[ -s "$WORK/table_train.txt" ] || fail "no test table in the training log"
diff "$WORK/table_train.txt" "$WORK/table_evaluate.txt" || fail "evaluate does not reproduce the tuned model's table"

# Checkpoints: pooled candidates leave the space (pooled training has none), the job completes.
run_ranks 2 train "${common[@]}" --output "$WORK/ck.h5" --tune --checkpoint-every 2 > "$WORK/ck.log"
grep -q "tuning without pooled candidates" "$WORK/ck.log" || fail "no notice about pooled candidates"
grep -q "^chosen: colearn" "$WORK/ck.log" || fail "a checkpointed tuning chose something else than colearn"

# Per-scene mu values: a space of one such candidate with the map is chosen as given, and the
# file's mu attribute has the per-scene values and the map's ridge.
run_ranks 2 train "${common[@]}" --output "$WORK/ps.h5" \
  --tune-space "kind=colearn mu=0.5/reading=4 map=3 lambda=0.1 alpha=1" --tune > "$WORK/ps.log"
grep -q "^chosen: colearn mu=0.5/reading=4 map=3 lambda=0.1 alpha=1" "$WORK/ps.log" || { cat "$WORK/ps.log"; fail "the per-scene mu candidate was not chosen as given"; }
"$PYTHON" - "$WORK/ps.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    text = lambda a: a.decode() if isinstance(a, bytes) else a
    mu = dict(p.split("=") for p in text(f.attrs["mu"]).split(","))
    assert {s: float(v) for s, v in mu.items()} == {"reading": 4.0, "shopping": 0.5, "video": 0.5}, mu
    assert float(f.attrs["scene_map_ridge"]) == 3.0, f.attrs["scene_map_ridge"]
    assert all("scene_map" in f["scenes"][s] for s in f["scenes"])
PY

# Bad settings.
expect_one_error unknown_scene "mu names scene 'poetry', which is not in the input" train \
  "${common[@]}" --output "$WORK/x.h5" --tune --tune-space mu=1/poetry=2
expect_one_error empty_space "the search space is empty" train "${common[@]}" \
  --output "$WORK/x.h5" --tune --tune-space kind=pooled --grid 2x1
expect_one_error small_budget "too few to train one candidate" train "${common[@]}" \
  --output "$WORK/x.h5" --tune --tune-budget 0.1
expect_one_error kind_given "leave out --model-kind" train "${common[@]}" \
  --output "$WORK/x.h5" --tune --model-kind pooled
expect_one_error space_alone "need --tune" train "${common[@]}" --output "$WORK/x.h5" \
  --tune-space mu=1
expect_one_error groups_alone "need --tune" train "${common[@]}" --output "$WORK/x.h5" \
  --tune-groups 2
expect_one_error bad_space "unknown name 'nu'" train "${common[@]}" --output "$WORK/x.h5" \
  --tune --tune-space nu=1
expect_one_error on_validation "leave out --evaluate-on validation" train "${common[@]}" \
  --output "$WORK/x.h5" --tune --evaluate --evaluate-on validation
[ -e "$WORK/x.h5" ] && fail "a refused run wrote a model"
echo "tune OK"
