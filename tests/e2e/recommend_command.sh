# `sceneals recommend`: a file of users gives the same bytes at 1, 2 and 4 ranks (CSV to stdout,
# JSON lines to a file); its lists, sources (trained / bridged), masks and explanations agree
# with a brute-force numpy reference read from the file; --user gives the same list as --users;
# fold-in (--items) agrees with a numpy solve of the user step, with and without the bridged
# prior; bad input gives exit code 1 and one message.
source "$(dirname "$0")/common.sh"

run_ranks 1 generate --output "$WORK/data.csv" --users 300 --items 120 --interactions 6000 --scenes 2 >/dev/null
run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/model.h5" --write-split "$WORK/split" \
  --factors 6 --iterations 4 --mu 0.5 >/dev/null
model="$WORK/model.h5" train="$WORK/split/train.csv"
scenes=$("$PYTHON" -c "import h5py, sys; print(' '.join(h5py.File(sys.argv[1])['scenes']))" "$model")
scene=${scenes%% *}
# Every user of the model in a shuffled order, then a few again (a user may be asked twice), more
# than one ranking block so that ranks share the work.
"$PYTHON" - "$model" "$WORK/users.txt" <<'EOF'
import random, sys, h5py
ids = [u.decode() for u in h5py.File(sys.argv[1])["users/id"][()]]
random.Random(7).shuffle(ids)
open(sys.argv[2], "w").write("\n".join(ids + ids[:9]) + "\n")
EOF

# The same output at any number of ranks.
for n in 1 2 4; do
  run_ranks "$n" recommend --model "$model" --scene "$scene" --users "$WORK/users.txt" \
    --exclude-seen --train "$train" --explain > "$WORK/explained$n.csv"
  run_ranks "$n" recommend --model "$model" --scene "$scene" --users "$WORK/users.txt" --k 7 \
    --format jsonl --output "$WORK/plain$n.jsonl" > /dev/null
done
for n in 2 4; do
  cmp "$WORK/explained1.csv" "$WORK/explained$n.csv" || fail "recommend --explain at $n ranks differs from 1 rank"
  cmp "$WORK/plain1.jsonl" "$WORK/plain$n.jsonl" || fail "recommend --format jsonl at $n ranks differs from 1 rank"
done
ls "$WORK" | grep -q '\.tmp-' && fail "a temporary output file was left behind"
echo "ok: identical output at 1, 2 and 4 ranks ($(($(wc -l < "$WORK/explained1.csv") - 1)) lines)"

# Against the brute-force reference, masked and explained; unmasked top 7 from the JSON lines.
"$PYTHON" "$E2E_DIR/check_recommendations.py" "$model" "$scene" "$WORK/explained1.csv" "$train" 10 --exclude-seen
"$PYTHON" - "$WORK/plain1.jsonl" "$WORK/plain1.csv" <<'EOF'
import csv, json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
with open(sys.argv[2], "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["user", "rank", "item", "score", "source"])
    for r in rows:
        out.writerow([r["user"], r["rank"], r["item"], repr(r["score"]), r["source"]])
EOF
"$PYTHON" "$E2E_DIR/check_recommendations.py" "$model" "$scene" "$WORK/plain1.csv" "$train" 7
grep -q ',bridged,' "$WORK/explained1.csv" || fail "no user cold in '$scene' was served by the bridge"

# --user: the lines --users gives for that user.
user=$(head -1 "$WORK/users.txt")
run_ranks 2 recommend --model "$model" --scene "$scene" --user "$user" --exclude-seen \
  --train "$train" --explain > "$WORK/one.csv"
diff <(tail -n +2 "$WORK/one.csv") <(awk -F, -v u="$user" '$1 == u && n++ < 10' "$WORK/explained1.csv") \
  || fail "--user $user differs from its lines of --users"
echo "ok: --user gives its --users lines"

# Fold-in: a user's training items, as a new user (no prior) and as the user itself (its
# bridged vector as the prior, w = mu = 0.5); the given items are masked.
items=$(awk -F, -v u="$user" -v s="$scene" '$1 == u && $3 == s { print $2 }' "$train" | paste -sd, -)
[ -n "$items" ] || items=$(awk -F, -v s="$scene" 'NR > 1 && $3 == s && n++ < 4 { print $2 }' "$train" | paste -sd, -)
run_ranks 1 recommend --model "$model" --scene "$scene" --items "$items,${items%%,*}" > "$WORK/new.csv"
"$PYTHON" "$E2E_DIR/fold_in_reference.py" "$model" "$scene" "$items,${items%%,*}" "$WORK/new.csv" 10
run_ranks 2 recommend --model "$model" --scene "$scene" --items "$items" --user "$user" > "$WORK/known.csv"
"$PYTHON" "$E2E_DIR/fold_in_reference.py" "$model" "$scene" "$items" "$WORK/known.csv" 10 "$user"
cold=$(awk -F, '$5 == "bridged" { print $1; exit }' "$WORK/explained1.csv")
run_ranks 2 recommend --model "$model" --scene "$scene" --items "$items" --user "$cold" > "$WORK/cold.csv"
"$PYTHON" "$E2E_DIR/fold_in_reference.py" "$model" "$scene" "$items" "$WORK/cold.csv" 10 "$cold"
run_ranks 1 recommend --model "$model" --scene "$scene" --items "$items" --exclude-seen --explain \
  --format jsonl > "$WORK/folded.jsonl"
"$PYTHON" - "$WORK/folded.jsonl" "$items" <<'EOF'
import json, sys
given = set(sys.argv[2].split(","))
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert r["source"] == "folded-in" and r["item"] not in given, r
    e = r["explanation"]
    parts = sum(i["contribution"] for i in e["items"]) + sum(
        e[k] for k in ("other_items", "item_bias", "unobserved_items", "prior", "transferred", "refit"))
    assert abs(parts - r["score"]) <= 1e-5 * (1 + abs(r["score"])), (r, parts)
    assert abs(e["refit"]) <= 1e-4 * (1 + abs(r["score"])), r  # the explained vector is the folded-in one
    assert {i["item"] for i in e["items"]} <= given, r
print("ok: folded-in explanations add up, name given items, and the given items are masked")
EOF

# Bad input: exit code 1 and one message, from 2 ranks.
expect_failure() {  # NAME TEXT sceneals-recommend-args...
  local name=$1 text=$2; shift 2
  expect_one_error "$name" "$text" recommend "$@"
  if [ -s "$WORK/$name.out" ]; then fail "$name: recommendations were printed"; fi
}
expect_failure unknown_scene "$model: no scene 'nowhere' (its scenes: ${scenes// /, })" \
  --model "$model" --scene nowhere --user "$user"
expect_failure unknown_user "user 'stranger' is not in the model $model" \
  --model "$model" --scene "$scene" --user stranger
{ head -300 "$WORK/users.txt"; echo stranger; } > "$WORK/with_stranger.txt"
expect_failure unknown_user_in_file "$WORK/with_stranger.txt:301: user 'stranger' is not in the model" \
  --model "$model" --scene "$scene" --users "$WORK/with_stranger.txt"
expect_failure unknown_item "--items: item 'no-such-item' is not in the model $model" \
  --model "$model" --scene "$scene" --items "${items%%,*},no-such-item"
expect_failure not_sceneals "$WORK/other.h5: not a SceneALS embedding file" \
  --model "$("$PYTHON" -c "import h5py, sys; h5py.File(sys.argv[1], 'w')['x'] = [1]; print(sys.argv[1])" "$WORK/other.h5")" \
  --scene "$scene" --user "$user"
expect_failure missing_model "cannot open model '$WORK/nope.h5'" --model "$WORK/nope.h5" --scene "$scene" --user "$user"
expect_failure explain_needs_train "--explain of a user of the model needs --train FILE" \
  --model "$model" --scene "$scene" --user "$user" --explain
expect_failure exclude_needs_train "--exclude-seen needs --train FILE" \
  --model "$model" --scene "$scene" --users "$WORK/users.txt" --exclude-seen
expect_failure two_sources "--users cannot be combined with --user or --items" \
  --model "$model" --scene "$scene" --users "$WORK/users.txt" --user "$user"
expect_failure bad_format "--format must be one of csv, jsonl, got 'xml'" \
  --model "$model" --scene "$scene" --user "$user" --format xml
echo "recommend OK"
