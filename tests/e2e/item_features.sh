# train --item-features end to end (docs/item-features.md): the features join the catalogue
# (an item only the features file knows is served too), items without training data are served
# as W_s' [f, 1] in every scene, the cold-item cohort and diversity/novelty agree with a
# brute-force reference, the model is the same at 1, 2 and 4 ranks, CSV and HDF5 features give
# the same model, recommend serves the items (source features) and embeds --new-items, and bad
# features files stop with file:line.
source "$(dirname "$0")/common.sh"
run_ranks 2 generate --output "$WORK/log.csv" --users 500 --items 240 --interactions 12000 \
  --scenes 2 --seed 5 --item-features "$WORK/f.csv" --feature-dimensions 6 --feature-noise 0.3 > /dev/null
# An item only the features file knows (a copy of i3's features under a new id).
grep '^i3,' "$WORK/f.csv" | sed 's/^i3,/brand-new,/' >> "$WORK/f.csv"
common=(--input "$WORK/log.csv" --item-features "$WORK/f.csv" --cold-item-fraction 0.2
        --factors 6 --iterations 6 --lambda 0.05 --mu 0.5 --evaluate --k 5,10)
prior=(--feature-weight 2)
run_ranks 1 train "${common[@]}" "${prior[@]}" --output "$WORK/m1.h5" --grid 1x1 --write-split "$WORK/split" \
  --metrics-json "$WORK/m1.json" > "$WORK/m1.log"
run_ranks 2 train "${common[@]}" "${prior[@]}" --output "$WORK/m2.h5" --grid 1x2 --metrics-json "$WORK/m2.json" > /dev/null
run_ranks 4 train "${common[@]}" "${prior[@]}" --output "$WORK/m4.h5" --grid 2x2 --metrics-json "$WORK/m4.json" > /dev/null
grep -q "cold-item test" "$WORK/m1.log" || fail "the split line does not count the cold-item test rows"
grep -qE "^overall +cold-item" "$WORK/m1.log" || fail "no cold-item row in the metrics table"
"$PYTHON" "$E2E_DIR/check_embedding_file.py" "$WORK/m1.h5"
"$PYTHON" "$E2E_DIR/check_feature_items.py" "$WORK/m1.h5" "$WORK/f.csv" "$WORK/split/train.csv" \
  --expect-served brand-new
for n in 2 4; do
  "$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/m1.h5" "$WORK/m$n.h5" --tolerance 1e-4
done
# The prior's weights and targets follow the items batch by batch when the item step exchanges
# user rows in many rounds (solver/row_exchange.h): the same bits as the default 1x2 run.
run_ranks 2 train "${common[@]}" "${prior[@]}" --output "$WORK/x2.h5" --grid 1x2 \
  --exchange-buffer-mb 0.002 > "$WORK/x2.log"
grep -qE "exchanged \(at most ([4-9]|[1-9][0-9]+) rounds" "$WORK/x2.log" ||
  fail "no exchange in many rounds: $(grep 'item step' "$WORK/x2.log")"
"$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/m2.h5" "$WORK/x2.h5" --tolerance 0
"$PYTHON" "$E2E_DIR/brute_force_metrics.py" "$WORK/m1.h5" "$WORK/split/train.csv" \
  "$WORK/split/test.csv" "$WORK/m1.json" 5,10 --features "$WORK/f.csv"
for n in 2 4; do
  "$PYTHON" - "$WORK/m1.json" "$WORK/m$n.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda r: (r["scene"], r["cohort"], r["k"], r["metric"])
a, b = {key(r): r for r in a}, {key(r): r for r in b}
assert a.keys() == b.keys(), "other metric records"
assert any(k[1] == "cold-item" and k[3] == "novelty" for k in a), "no cold-item novelty record"
bad = [k for k in a if a[k]["pairs"] != b[k]["pairs"] or abs(a[k]["value"] - b[k]["value"]) > 1e-3]
assert not bad, f"metrics differ between rank counts: {bad[:3]}"
PY
done
# sceneals evaluate scores the model on its split like train's evaluation (brand-new, only in
# the features file, is a row of the model without being in the split), but for diversity,
# which it takes from the factors (it has no features file).
run_ranks 2 evaluate --model "$WORK/m1.h5" --train "$WORK/split/train.csv" \
  --test "$WORK/split/test.csv" --k 5,10 --metrics-json "$WORK/e1.json" > /dev/null
"$PYTHON" - "$WORK/m1.json" "$WORK/e1.json" <<'PY'
import json, sys
a, b = ({(r["scene"], r["cohort"], r["k"], r["metric"]): r for r in json.load(open(p))}
        for p in sys.argv[1:3])
assert a.keys() == b.keys(), a.keys() ^ b.keys()
for key in a:
    if key[3] == "diversity":
        continue
    assert a[key]["pairs"] == b[key]["pairs"] and abs(a[key]["value"] - b[key]["value"]) < 1e-9, key
PY
"$PYTHON" "$E2E_DIR/brute_force_metrics.py" "$WORK/m1.h5" "$WORK/split/train.csv" \
  "$WORK/split/test.csv" "$WORK/e1.json" 5,10
echo "ok: evaluate agrees with train's evaluation"
expect_one_error weight_alone "--feature-weight and --feature-ridge need --item-features" \
  train --input "$WORK/log.csv" --output "$WORK/alone.h5" --feature-weight 1

# The feature prior changes the model (so the rank comparison above covers its path).
run_ranks 2 train "${common[@]}" --output "$WORK/w0.h5" > /dev/null
if "$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/m2.h5" "$WORK/w0.h5" --tolerance 1e-4 >/dev/null 2>&1; then
  fail "--feature-weight 2 gave the same model as 0"
fi

# --tune searches the feature prior's weight when features are given, and chooses the same at
# 1 rank and in 2 groups of 2 ranks (each group reshards the log with the features' items).
space="kind=colearn mu=1 map=0 feature=0,10 lambda=0.1 alpha=10 ridge=100 beta=0"
run_ranks 1 train "${common[@]}" --output "$WORK/t1.h5" --tune-space "$space" --tune > "$WORK/t1.log"
run_ranks 4 train "${common[@]}" --output "$WORK/t4.h5" --tune-space "$space" --tune-groups 2 \
  --tune > "$WORK/t4.log"
grep -q "feature=10" "$WORK/t1.log" || fail "--tune did not try the feature weight 10"
for n in 1 4; do grep '^chosen:' "$WORK/t$n.log" > "$WORK/chosen$n.txt"; done
diff "$WORK/chosen1.txt" "$WORK/chosen4.txt" || fail "the tuned choice differs between 1 and 4 ranks"
"$PYTHON" - "$WORK/t1.h5" "$WORK/chosen1.txt" <<'PY'
import sys, h5py
weight = float(h5py.File(sys.argv[1], "r").attrs["feature_weight"])
chosen = open(sys.argv[2]).read()
assert (weight == 10) == ("feature=10" in chosen), (weight, chosen)
PY
# The choice is the last rung's best score, and the score is the mean of the three cohorts'.
"$PYTHON" - "$WORK/t1.log" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
start = next(i for i, l in enumerate(lines) if l.split()[:2] == ["rung", "iters"])
rows = []
for line in lines[start + 1:]:
    parts = line.split(None, 6)
    if len(parts) < 7 or not parts[0].isdigit():
        break
    rows.append((int(parts[0]), [float(v) for v in parts[2:6]], parts[6]))
last = max(r[0] for r in rows)
final = [r for r in rows if r[0] == last]
for _, (warm, cold, cold_item, score), _ in rows:
    present = [v for v in (warm, cold, cold_item) if v > 0]
    assert abs(score - sum(present) / len(present)) < 2e-4, (warm, cold, cold_item, score)
best = max(final, key=lambda r: r[1][3])
chosen = next(l for l in lines if l.startswith("chosen: "))[len("chosen: "):]
assert best[2] == chosen, (best, chosen)
PY
echo "ok: --tune chooses the feature weight: $(cat "$WORK/chosen1.txt")"

# HDF5 features (h5py's default variable-length strings) give the model the CSV gives.
"$PYTHON" - "$WORK/f.csv" "$WORK/f.h5" <<'PY'
import csv, sys, h5py, numpy as np
rows = list(csv.reader(open(sys.argv[1])))[1:]
with h5py.File(sys.argv[2], "w") as f:
    f["items/id"] = [r[0] for r in rows]
    f["items/features"] = np.array([[float(v) for v in r[1:]] for r in rows], dtype=np.float64)
PY
run_ranks 2 train "${common[@]/$WORK\/f.csv/$WORK/f.h5}" "${prior[@]}" --output "$WORK/h5.h5" \
  --grid 1x2 > /dev/null
"$PYTHON" - "$WORK/m2.h5" "$WORK/h5.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as a, h5py.File(sys.argv[2], "r") as b:
    for name in ("items/id", "scenes/shopping/item_factors", "scenes/shopping/feature_map"):
        assert np.array_equal(a[name][()], b[name][()]), f"{name} differs between CSV and HDF5 features"
PY
echo "ok: HDF5 features give the CSV's model"

# recommend: items without training data are served with source features; --new-items embeds
# an item given by its features alone, scored like the same features inside the model.
user=$("$PYTHON" -c "import csv; print(next(csv.DictReader(open('$WORK/split/train.csv')))['user'])")
run_ranks 2 recommend --model "$WORK/m1.h5" --scene shopping --user "$user" --k 1000 > "$WORK/rec.csv"
grep -q ",brand-new,.*,features$" "$WORK/rec.csv" || fail "brand-new is not recommended with source features"
{ head -n 1 "$WORK/f.csv"; grep '^brand-new,' "$WORK/f.csv" | sed 's/^brand-new,/newer,/'; } > "$WORK/new.csv"
run_ranks 2 recommend --model "$WORK/m1.h5" --scene shopping --user "$user" --k 1000 \
  --new-items "$WORK/new.csv" > "$WORK/rec-new.csv"
"$PYTHON" - "$WORK/rec-new.csv" <<'PY'
import csv, sys
rows = {r["item"]: r for r in csv.DictReader(open(sys.argv[1]))}
assert rows["newer"]["source"] == "features", rows["newer"]
assert abs(float(rows["newer"]["score"]) - float(rows["brand-new"]["score"])) < 1e-5, \
    "a new item scores unlike the model's item with the same features"
PY
echo "ok: recommend serves items from features and --new-items"
{ head -n 1 "$WORK/f.csv"; grep '^i3,' "$WORK/f.csv"; } > "$WORK/known.csv"
expect_one_error known_new_item "$WORK/known.csv:2: item 'i3' is already in the model" \
  recommend --model "$WORK/m1.h5" --scene shopping --user "$user" --new-items "$WORK/known.csv"
printf 'item,a,b\nx,1,2\n' > "$WORK/other-names.csv"
expect_one_error other_feature_names "$WORK/other-names.csv:1: the feature columns differ" \
  recommend --model "$WORK/m1.h5" --scene shopping --user "$user" --new-items "$WORK/other-names.csv"

# Bad features files: exit 1, file:line and the reason, no model written.
bad() {  # bad NAME TEXT: $WORK/NAME.csv must be refused with TEXT
  expect_one_error "$1" "$2" train --input "$WORK/log.csv" --item-features "$WORK/$1.csv" \
    --output "$WORK/$1.h5" --iterations 1
  [ ! -e "$WORK/$1.h5" ] || fail "$1: a model was written"
}
head_line=$(head -n 1 "$WORK/f.csv")
{ echo "$head_line"; sed -n 2,150p "$WORK/f.csv"; echo "i900,1,2,x,4,5,6"; } > "$WORK/nonnumeric.csv"
bad nonnumeric "$WORK/nonnumeric.csv:151: feature value 'x' is not a number"
{ echo "$head_line"; sed -n 2,40p "$WORK/f.csv"; echo "i900,1,2,3"; } > "$WORK/columns.csv"
bad columns "$WORK/columns.csv:41: 4 columns, the header has 7"
{ echo "$head_line"; echo "i900,1,2,nan,4,5,6"; } > "$WORK/nan.csv"
bad nan "$WORK/nan.csv:2: feature value 'nan' is not a finite float32"
{ sed -n 1,200p "$WORK/f.csv"; sed -n 3p "$WORK/f.csv"; } > "$WORK/duplicate.csv"
bad duplicate "$WORK/duplicate.csv:201: the same item as line 3"
{ printf 'item'; for i in $(seq 0 4096); do printf ',f%d' "$i"; done; echo; } > "$WORK/wide.csv"
bad wide "$WORK/wide.csv:1: 4097 feature columns; at most 4096 are accepted"
printf 'id,f0\ni1,1\n' > "$WORK/header.csv"
bad header "$WORK/header.csv:1: the header must start with the column 'item'"
printf 'item,f0\n' > "$WORK/empty.csv"
bad empty "$WORK/empty.csv: no items after the header"
echo "item features OK"
