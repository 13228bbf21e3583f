# Serving with other tools (Debian's python3-faiss, h5py, numpy): the Faiss example of docs/serving.md
# (eval/serve_with_faiss.py: an inner-product index over a scene's item rows) gives the top 10 of
# `sceneals recommend` for 100 users (tied items may swap); `sceneals export --format npy` writes
# .npy files numpy loads equal to the embedding file, and `--format ann-benchmarks` a file in
# ann-benchmarks' layout whose neighbours are numpy's brute force, the same at 1 and 3 ranks.
source "$(dirname "$0")/common.sh"
"$PYTHON" -c "import faiss" 2>/dev/null || { echo "SKIP: python3-faiss is not installed"; exit 77; }

run_ranks 1 generate --output "$WORK/data.csv" --users 500 --items 300 --interactions 10000 --scenes 3 >/dev/null
run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/model.h5" --factors 8 --iterations 4 >/dev/null
model="$WORK/model.h5"
scene=$("$PYTHON" -c "import h5py, sys; print(sorted(h5py.File(sys.argv[1])['scenes'])[1])" "$model")
"$PYTHON" - "$model" "$WORK/users100.txt" <<'EOF'
import random, sys, h5py
ids = [u.decode() for u in h5py.File(sys.argv[1])["users/id"][()]]
open(sys.argv[2], "w").write("\n".join(random.Random(3).sample(ids, 100)) + "\n")
EOF

# Faiss against recommend (at 2 ranks).
run_ranks 2 recommend --model "$model" --scene "$scene" --users "$WORK/users100.txt" --k 10 > "$WORK/sceneals.csv"
"$PYTHON" "$SCENEALS_SOURCE_DIR/eval/serve_with_faiss.py" "$model" "$scene" "$WORK/users100.txt" 10 > "$WORK/faiss.csv"
[ "$(wc -l < "$WORK/faiss.csv")" -eq 1001 ] || fail "the Faiss example did not list 10 items for 100 users"
"$PYTHON" "$E2E_DIR/compare_recommendations.py" "$model" "$scene" "$WORK/sceneals.csv" "$WORK/faiss.csv"

# .npy export of every scene, and of one.
run_ranks 2 export --model "$model" --format npy --output "$WORK/npy" > "$WORK/npy.log"
"$PYTHON" "$E2E_DIR/check_export.py" "$model" npy "$WORK/npy"
run_ranks 1 export --model "$model" --output "$WORK/npy_one" --scene "$scene" > /dev/null
"$PYTHON" "$E2E_DIR/check_export.py" "$model" npy "$WORK/npy_one" "$scene"

# ann-benchmarks: 300 queries (more than one ranking block, so ranks share them), and all users.
for n in 1 3; do
  run_ranks "$n" export --model "$model" --format ann-benchmarks --scene "$scene" --queries 300 \
    --output "$WORK/ann$n.hdf5" > /dev/null
done
"$PYTHON" "$E2E_DIR/check_export.py" "$model" ann-benchmarks "$WORK/ann1.hdf5" "$scene" 300
"$PYTHON" - "$WORK/ann1.hdf5" "$WORK/ann3.hdf5" <<'EOF'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
assert sorted(a) == sorted(b) and all(np.array_equal(a[k][()], b[k][()]) for k in a), "datasets differ"
assert dict(a.attrs) == dict(b.attrs), "attributes differ"
print("ok: the ann-benchmarks file is the same at 1 and 3 ranks")
EOF
run_ranks 2 export --model "$model" --format ann-benchmarks --scene "$scene" --output "$WORK/ann_all.hdf5" > /dev/null
"$PYTHON" "$E2E_DIR/check_export.py" "$model" ann-benchmarks "$WORK/ann_all.hdf5" "$scene" 500
ls "$WORK" "$WORK/npy" | grep -q '\.tmp-' && fail "a temporary file was left behind"

# Bad input: exit code 1, one message, no output.
expect_failure() {  # NAME TEXT OUTPUT sceneals-export-args...
  local name=$1 text=$2 output=$3; shift 3
  expect_one_error "$name" "$text" export --output "$output" "$@"
  if [ -e "$output" ]; then fail "$name: $output was written"; fi
}
expect_failure unknown_scene "$model: no scene 'nowhere'" "$WORK/x.hdf5" --model "$model" \
  --format ann-benchmarks --scene nowhere
expect_failure ann_needs_scene "--format ann-benchmarks needs --scene NAME" "$WORK/y.hdf5" --model "$model" \
  --format ann-benchmarks
expect_failure not_sceneals "$WORK/data.csv: not an HDF5 file" "$WORK/z" --model "$WORK/data.csv"
touch "$WORK/a_file"
expect_failure output_is_file "cannot create directory '$WORK/a_file/sub'" "$WORK/a_file/sub" --model "$model"
echo "serving interoperability OK"
