# tests/bench/read_floor (the least reading and routing can cost, for the README's read target)
# does the work it times: at 1, 2 and 4 ranks its last pass finds every line, every distinct user
# once (users routed to one owner each) and the values' sum that Python finds in the file, also
# for a file whose last line lacks its '\n' and one with fewer lines than ranks, and for a line
# longer than the 4 MiB read buffer.
source "$(dirname "$0")/common.sh"
: "${READ_FLOOR:?path of the read_floor binary}"

run_ranks 1 generate --output "$WORK/data.csv" --users 4000 --items 900 --interactions 50000 --scenes 3 >/dev/null
printf 'user,item,scene,value\nu1,i1,a,2.5\nu2,i1,b,1' > "$WORK/short.csv"
"$PYTHON" -c 'import sys; open(sys.argv[1], "w").write("user,item,scene,value\nu1,i1,a,1\n" + "u" * 5000000 + ",i2,a,2\nu3,i1,b,4\n")' "$WORK/long.csv"
for file in data short long; do
  expected=$("$PYTHON" - "$WORK/$file.csv" <<'PYEOF'
import csv, sys
csv.field_size_limit(1 << 30)
rows = list(csv.reader(open(sys.argv[1])))[1:]
print(f"lines {len(rows)}, distinct users {len({r[0] for r in rows})}, sum of values {sum(float(r[3]) for r in rows):.6f}")
PYEOF
)
  for ranks in 1 2 4; do
    "$MPIEXEC" -n "$ranks" --oversubscribe --bind-to none "$READ_FLOOR" "$WORK/$file.csv" 1 > "$WORK/out"
    got=$(grep '^lines ' "$WORK/out")
    [ "$got" = "$expected" ] || { cat "$WORK/out"; fail "$file at $ranks ranks: '$got', expected '$expected'"; }
    [ "$(grep -cE '^[1-6]\. .* [0-9.]+ +[0-9.]+$' "$WORK/out")" -eq 6 ] || { cat "$WORK/out"; fail "$file: a pass is missing"; }
  done
  echo "ok: $file at 1, 2, 4 ranks: $expected"
done
