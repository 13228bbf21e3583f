# Checkpoints, preemption and resume: a run asked to stop by SIGUSR1 (what Slurm sends before
# preemption) finishes its half-step, writes a checkpoint and exits with code 3, leaving no model
# file; resuming on another number of ranks ends with the same embeddings as an uninterrupted
# run. Tolerance: 1e-4 relative (only the order of MPI's sums differs between rank counts).
# Unreadable checkpoints are skipped; an empty directory starts from the beginning.
source "$(dirname "$0")/common.sh"
run_ranks 2 generate --output "$WORK/data.csv" --users 500 --items 200 --interactions 12000 --scenes 3 --seed 9
base=(--input "$WORK/data.csv" --factors 8 --mu 0.5)
common=("${base[@]}" --iterations 300)
run_ranks 2 train "${common[@]}" --output "$WORK/full.h5" > "$WORK/full.log"

# Stop a run mid-way with SIGUSR1 to mpirun (it forwards the signal to every rank).
rc_file="$WORK/rc"
( rc=0; run_ranks 2 train "${common[@]}" --output "$WORK/part.h5" --checkpoint-every 50 \
    --checkpoint-dir "$WORK/ck" > "$WORK/part.log" 2>&1 || rc=$?; echo "$rc" > "$rc_file" ) &
runner=$!
for _ in $(seq 1 600); do grep -qE "^ +20 " "$WORK/part.log" 2>/dev/null && break; sleep 0.05; done
pkill -USR1 -f -- "--output $WORK/part.h5" || fail "the run to interrupt was not found"
wait "$runner"
[ "$(cat "$rc_file")" = 3 ] || { tail -5 "$WORK/part.log"; fail "expected exit code 3 after SIGUSR1, got $(cat "$rc_file")"; }
[ -f "$WORK/part.h5" ] && fail "an interrupted run left a model file"
grep -q "stopped on a signal" "$WORK/part.log" || fail "no stop message"
ls "$WORK/ck"/checkpoint-*.h5 > /dev/null || fail "no checkpoint written"
"$PYTHON" "$E2E_DIR/check_embedding_file.py" "$(ls -d "$WORK"/ck/checkpoint-*.h5 | tail -n 1)" > /dev/null

# Resume on 1 rank and on 4 ranks (4 from a copy, so both start from the same checkpoint).
cp -r "$WORK/ck" "$WORK/ck4"
run_ranks 1 train "${common[@]}" --output "$WORK/resumed1.h5" --checkpoint-dir "$WORK/ck" --resume > "$WORK/r1.log"
grep -q "resumed from" "$WORK/r1.log" || fail "the 1-rank run did not resume"
"$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/full.h5" "$WORK/resumed1.h5" --tolerance 1e-4
run_ranks 4 train "${common[@]}" --output "$WORK/resumed4.h5" --checkpoint-dir "$WORK/ck4" --resume > "$WORK/r4.log"
"$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/full.h5" "$WORK/resumed4.h5" --tolerance 1e-4

# A damaged newest checkpoint is skipped with a message; the older one is used.
mkdir -p "$WORK/ck2"
cp "$(ls -d "$WORK"/ck4/checkpoint-*.h5 | tail -n 1)" "$WORK/ck2/checkpoint-000100-0.h5"
head -c 1000 "$WORK/ck2/checkpoint-000100-0.h5" > "$WORK/ck2/checkpoint-000200-0.h5"
run_ranks 2 train "${base[@]}" --iterations 120 --output "$WORK/r2.h5" --checkpoint-dir "$WORK/ck2" --resume > "$WORK/r2.log" 2> "$WORK/r2.err"
grep -q "skipping checkpoint .*checkpoint-000200-0.h5" "$WORK/r2.err" || { cat "$WORK/r2.err"; fail "the damaged checkpoint was not reported"; }
grep -q "resumed from" "$WORK/r2.log" || fail "did not resume from the older checkpoint"

# With the per-scene map, z is not a function of x: the checkpoint stores the maps and z, and a
# run resumed from the checkpoint after iteration 8 (at another rank count) ends as the
# uninterrupted run.
mapped=("${base[@]}" --iterations 10 --scene-map-ridge 2)
run_ranks 2 train "${mapped[@]}" --output "$WORK/map-full.h5" --checkpoint-every 4 --checkpoint-dir "$WORK/ck-map" > "$WORK/map-full.log"
ls "$WORK/ck-map/checkpoint-000008-0.h5" > /dev/null || fail "no checkpoint after iteration 8"
"$PYTHON" - "$WORK/ck-map/checkpoint-000008-0.h5" <<'PY' || fail "the checkpoint has no scene maps"
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    assert all("scene_map" in f["scenes"][s] for s in f["scenes"]), list(f["scenes"])
PY
run_ranks 1 train "${mapped[@]}" --output "$WORK/map-resumed.h5" --checkpoint-dir "$WORK/ck-map" --resume > "$WORK/map-r.log"
grep -q "resumed from" "$WORK/map-r.log" || fail "the run with the scene map did not resume"
"$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/map-full.h5" "$WORK/map-resumed.h5" --tolerance 1e-4

# A checkpoint without maps cannot resume a run with the map: it is skipped with a message, and
# the run starts from the beginning, untouched by it (the same factors as a fresh run).
mkdir -p "$WORK/ck-nomap"
cp "$WORK/ck2/checkpoint-000100-0.h5" "$WORK/ck-nomap/"
run_ranks 2 train "${base[@]}" --iterations 3 --scene-map-ridge 2 --output "$WORK/nomap.h5" --checkpoint-dir "$WORK/ck-nomap" --resume > "$WORK/nomap.log" 2> "$WORK/nomap.err"
grep -q "skipping checkpoint .*scene_map" "$WORK/nomap.err" || { cat "$WORK/nomap.err"; fail "a checkpoint without maps was not refused"; }
grep -q "starting from the beginning" "$WORK/nomap.log" || fail "no fresh start after the refused checkpoint"
run_ranks 2 train "${base[@]}" --iterations 3 --scene-map-ridge 2 --output "$WORK/nomap-fresh.h5" > "$WORK/nomap-fresh.log"
"$PYTHON" "$E2E_DIR/compare_embeddings.py" "$WORK/nomap-fresh.h5" "$WORK/nomap.h5" --tolerance 1e-5

# Nothing to resume from: start from the beginning.
run_ranks 2 train "${base[@]}" --iterations 2 --output "$WORK/fresh.h5" --checkpoint-dir "$WORK/none" --resume > "$WORK/fresh.log"
grep -q "no checkpoint in $WORK/none: starting from the beginning" "$WORK/fresh.log" || fail "no 'starting from the beginning' line"
echo "checkpoint and resume OK"
