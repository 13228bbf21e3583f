# `train --benchmark`: every phase has its line, the iteration's FLOPs are the phases' sum, and
# the bytes each phase sends per rank are those of the scaling model of docs/performance.md: averaging
# 2 (G - 1) / G x 4 w M / S with M the users active in scenes of two or more groups, counted
# here from the written model's user_index and the printed scene groups (grid 2x1, mu > 0),
# item step (S - 1) / S x 4 w sum_s (U_s + I_s)
# (grid 1x2; measured is the busiest rank, so within 15% of the model's mean).
source "$(dirname "$0")/common.sh"

run_ranks 1 generate --output "$WORK/data.csv" --users 3000 --items 800 --interactions 60000 --scenes 3 >/dev/null
for grid in 2x1 1x2; do
  run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/$grid.h5" --benchmark --factors 32 \
    --iterations 3 --grid "$grid" --mu 0.5 > "$WORK/$grid.out"
  "$PYTHON" - "$WORK/$grid.out" "$WORK/$grid.h5" "$grid" <<'PYEOF'
import re, sys, h5py, numpy
out, model, grid = sys.argv[1], sys.argv[2], sys.argv[3]
groups, shards = map(int, grid.split("x"))
text = open(out).read()
table = text[text.index("\nphase ") + 1:]
rows = {}
for line in table.splitlines()[1:]:
    m = re.match(r"^(read|route|user step|averaging| of it transfer|item step|iteration)\s+(.*)$", line)
    if m:
        rows[m.group(1)] = m.group(2).split()
missing = {"read", "route", "user step", "averaging", " of it transfer", "item step", "iteration"} - set(rows)
assert not missing, f"{grid}: no line for {missing}"
mb = {name: float(v[4]) for name, v in rows.items() if name != "read"}
gflop = {name: float(rows[name][1]) for name in ("user step", "averaging", "item step", "iteration")}
parts = gflop["user step"] + gflop["averaging"] + gflop["item step"]
assert abs(gflop["iteration"] - parts) <= 0.011, f"{grid}: iteration GFLOP {gflop['iteration']} != {parts}"
assert float(rows[" of it transfer"][0]) <= float(rows["averaging"][0]) + 1e-3, f"{grid}: transfer above its phase"
f = h5py.File(model, "r")
k = int(f.attrs["factors"]); w = k + 1
group_of = {m.group(1): int(m.group(2)) for m in re.finditer(r"^  scene (\S+)\s+\d+ interactions\s+group (\d+)", text, re.M)}
assert set(group_of) == set(f["scenes"]), f"{grid}: scene groups not printed: {group_of}"
groups_holding = numpy.zeros(f["users/id"].shape[0], dtype=int)
for g in set(group_of.values()):
    in_group = numpy.zeros_like(groups_holding, dtype=bool)
    for s in f["scenes"]:
        if group_of[s] == g:
            in_group[f["scenes"][s]["user_index"][()]] = True
    groups_holding += in_group
multi_group = int((groups_holding >= 2).sum())
active = sum(len(f["scenes"][s]["user_index"]) + int(f["scenes"][s]["item_active"][()].sum())
             for s in f["scenes"])
averaging = 2 * (groups - 1) / groups * 4 * w * multi_group / shards / 1e6
item_step = (shards - 1) / shards * 4 * w * active / 1e6
assert abs(mb["averaging"] - averaging) <= 0.01 + 0.01 * averaging, f"{grid}: averaging {mb['averaging']} MB, model {averaging:.3f}"
assert abs(mb["item step"] - item_step) <= 0.01 + 0.15 * item_step, f"{grid}: item step {mb['item step']} MB, model {item_step:.3f}"
printed = float(re.search(r"^bytes of the averaging by the model.*: ([0-9.]+) MB per rank$", text, re.M).group(1))
assert abs(printed - averaging) <= 0.005 + 0.01 * averaging, f"{grid}: printed model {printed} MB, counted {averaging:.3f}"
assert groups == 1 or multi_group > 0, f"{grid}: no user in two groups, the averaging check is void"
print(f"ok: {grid}: {multi_group} users in two or more groups; averaging {mb['averaging']} MB (model {averaging:.3f}), item step {mb['item step']} MB (model {item_step:.3f})")
PYEOF
done
# Huge pages: where the job asks for them (the kernel gives them on request only, glibc has the
# tunable, not a sanitizer build: the report says "requested"), its large blocks sit in huge
# pages, and with SCENEALS_HUGE_PAGES=0 none do (nothing else in the process asks for them).
huge_mb() { grep -oE 'huge pages after training: [0-9.]+' "$1" | grep -oE '[0-9.]+$'; }
if grep -q 'huge pages after training: .*(requested: GLIBC_TUNABLES=.*glibc.malloc.hugetlb=1' "$WORK/2x1.out"; then
  SCENEALS_HUGE_PAGES=0 run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/off.h5" \
    --benchmark --factors 32 --iterations 3 > "$WORK/off.out"
  grep -q '(not requested: SCENEALS_HUGE_PAGES=0)' "$WORK/off.out" || fail "huge pages: the opt-out is not reported"
  on=$(huge_mb "$WORK/2x1.out") off=$(huge_mb "$WORK/off.out")
  awk -v on="$on" -v off="$off" 'BEGIN { exit !(on > 0 && off == 0) }' ||
    fail "huge pages: $on MB by default, $off MB with SCENEALS_HUGE_PAGES=0 (expected > 0 and 0)"
  echo "ok: huge pages: $on MB per rank after training by default, $off MB with SCENEALS_HUGE_PAGES=0"
else
  echo "huge pages: not checked here: $(grep -oE 'huge pages after training: .*' "$WORK/2x1.out")"
fi
echo "benchmark report OK"
