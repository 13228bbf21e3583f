# Faults mid-run: a rank killed with SIGKILL, a full disk under the embedding file and under the
# checkpoints, an output directory on a read-only file system. Each must end the job with a
# non-zero exit and a clear message, never a hang, and leave no file under the final name and
# the previous file (model or checkpoint) intact. The disk cases mount small tmpfs file systems
# and need root with CAP_SYS_ADMIN; without it they are skipped (said so), the kill case is not.
source "$(dirname "$0")/common.sh"
mounts=()
cleanup() { for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

run_ranks 2 generate --output "$WORK/data.csv" --users 20000 --items 4000 --interactions 600000 --scenes 2 --seed 3 > /dev/null
run_ranks 2 generate --output "$WORK/small.csv" --users 300 --items 100 --interactions 5000 --scenes 2 --seed 4 > /dev/null

# --- SIGKILL of one rank mid-iteration ----------------------------------------------------------
"$MPIEXEC" -n 2 --oversubscribe --bind-to none "$SCENEALS" train --input "$WORK/data.csv" \
  --output "$WORK/killed.h5" --factors 32 --iterations 200 --checkpoint-every 1 \
  --checkpoint-dir "$WORK/killed.ck" > "$WORK/killed.out" 2> "$WORK/killed.err" &
launcher=$!
for _ in $(seq 1 600); do  # up to 60 s for two checkpoints (iterations 1 and 2) to exist
  [ "$(ls "$WORK/killed.ck" 2>/dev/null | grep -c '\.h5$')" -ge 2 ] && break
  sleep 0.1
done
[ "$(ls "$WORK/killed.ck" | grep -c '\.h5$')" -ge 2 ] || fail "kill: no checkpoints after 60 s"
victim=$(pgrep -f -- "--output $WORK/killed.h5" | grep -v "^$launcher\$" | while read -r p; do
  [ "$(cat /proc/"$p"/comm 2>/dev/null)" = sceneals ] && echo "$p"; done | tail -n 1)
[ -n "$victim" ] || fail "kill: no rank process found"
kill -KILL "$victim"
killed_at=$SECONDS
rc=0
for _ in $(seq 1 300); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$launcher" 2>/dev/null; then
  pkill -KILL -f -- "--output $WORK/killed.h5" || true
  fail "kill: the job still runs 30 s after one rank was killed"
fi
wait "$launcher" || rc=$?
[ "$rc" -ne 0 ] || fail "kill: exit code 0 after a rank was killed"
[ ! -e "$WORK/killed.h5" ] || fail "kill: an embedding file appeared under the final name"
echo "ok: kill: job ended $((SECONDS - killed_at)) s after SIGKILL of rank pid $victim, exit $rc"
# The newest checkpoint is complete: resuming from it finishes the job (a shorter run).
run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/killed.h5" --factors 32 \
  --iterations 4 --checkpoint-dir "$WORK/killed.ck" --resume > "$WORK/resumed.out"
grep -q "resum" "$WORK/resumed.out" || { cat "$WORK/resumed.out"; fail "kill: the resume did not start from a checkpoint"; }
[ -f "$WORK/killed.h5" ] || fail "kill: resuming wrote no embedding file"
echo "ok: kill: resumed from the newest checkpoint"

# --- Disk faults: small tmpfs mounts --------------------------------------------------------------
mount_tmpfs() {  # mount_tmpfs DIR SIZE [ro]
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2${3:+,$3}" tmpfs "$1" 2>/dev/null || return 1
  mounts+=("$1")
}
if ! mount_tmpfs "$WORK/full" 400k; then
  echo "SKIP: disk-fault cases need root with CAP_SYS_ADMIN to mount a tmpfs"
  exit 0
fi

# expect_write_failure NAME TEXT sceneals-train-args...: exit 1, TEXT in the one error line.
expect_write_failure() {
  local name=$1 text=$2 rc=0; shift 2
  timeout 120 "$MPIEXEC" -n 2 --oversubscribe --bind-to none "$SCENEALS" train "$@" \
    > "$WORK/$name.out" 2> "$WORK/$name.err" || rc=$?
  [ "$rc" -eq 1 ] || { cat "$WORK/$name.err"; fail "$name: exit code $rc, expected 1"; }
  grep -qF -- "$text" "$WORK/$name.err" || { cat "$WORK/$name.err"; fail "$name: message lacks '$text'"; }
  echo "ok: $name -> $(grep 'sceneals: error' "$WORK/$name.err")"
}

# A full disk while writing the embedding file: the previous model stays as it was. The writer
# checks for room before it creates a file, so these cases stop there; a disk that fills in the
# middle of the write (another writer) takes the agreed path of a failed transfer, which these
# cases no longer reach.
run_ranks 2 train --input "$WORK/small.csv" --output "$WORK/full/model.h5" --factors 4 --iterations 2 > /dev/null
cp "$WORK/full/model.h5" "$WORK/previous.h5"
expect_write_failure full_output "the file system is full" --input "$WORK/data.csv" \
  --output "$WORK/full/model.h5" --factors 16 --iterations 1
cmp "$WORK/full/model.h5" "$WORK/previous.h5" || fail "full_output: the previous model changed"
[ "$(ls "$WORK/full")" = model.h5 ] || fail "full_output: files left behind: $(ls "$WORK/full")"

# A full disk while writing a checkpoint: the one before stays usable. The file system holds
# one and a half checkpoints (their size measured first), so the second write runs out of space.
run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/probe.h5" --factors 8 --iterations 2 \
  --checkpoint-every 1 --checkpoint-dir "$WORK/probe.ck" > /dev/null
checkpoint_bytes=$(stat -c %s "$WORK"/probe.ck/*.h5 | head -n 1)
mount_tmpfs "$WORK/ck" "$(( checkpoint_bytes * 3 / 2 / 1024 ))k"
expect_write_failure full_checkpoint "the file system is full" --input "$WORK/data.csv" \
  --output "$WORK/ck_model.h5" --factors 8 --iterations 10 --checkpoint-every 1 --checkpoint-dir "$WORK/ck"
[ ! -e "$WORK/ck_model.h5" ] || fail "full_checkpoint: an embedding file was written"
saved=$(ls "$WORK/ck" | grep -c '\.h5$' || true)
[ "$saved" -ge 1 ] || fail "full_checkpoint: no complete checkpoint before the disk filled ($(ls "$WORK/ck"))"
ls "$WORK/ck" | grep -q tmp && fail "full_checkpoint: a temporary file was left: $(ls "$WORK/ck")"
cp -r "$WORK/ck" "$WORK/ck_copy"
run_ranks 2 train --input "$WORK/data.csv" --output "$WORK/ck_model.h5" --factors 8 \
  --iterations 3 --checkpoint-dir "$WORK/ck_copy" --resume > "$WORK/ck_resumed.out"
grep -q "resum" "$WORK/ck_resumed.out" || fail "full_checkpoint: resume did not use the checkpoint"
echo "ok: full_checkpoint: $saved checkpoint(s) kept and resumable"

# An output directory on a read-only file system: refused before reading or training.
mount_tmpfs "$WORK/ro" 1m ro
expect_write_failure read_only "cannot write output '$WORK/ro/model.h5': Read-only file system" \
  --input "$WORK/small.csv" --output "$WORK/ro/model.h5"
grep -q "iter" "$WORK/read_only.out" && fail "read_only: training ran before the output was checked"
echo "faults OK"
