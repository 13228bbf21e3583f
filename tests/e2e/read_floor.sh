# tests/bench/read_floor (the least reading and routing can cost, for the read target of docs/performance.md)
# does the work it times, at 1, 2 and 4 ranks:
# - its last pass finds every line, every distinct user once (users routed to one owner each)
#   and the values' sum that Python finds in the file;
# - every pass from the second counts every line, every pass from the third hashes the same ids
#   (one checksum), and the passes that route hold every record on the rank owning its user;
# also for CRLF line ends with a blank line, a last line without its '\n', fewer lines than
# ranks, and a line longer than the 4 MiB read buffer.
source "$(dirname "$0")/common.sh"
: "${READ_FLOOR:?path of the read_floor binary}"

run_ranks 1 generate --output "$WORK/data.csv" --users 4000 --items 900 --interactions 50000 --scenes 3 >/dev/null
sed 's/$/\r/' "$WORK/data.csv" > "$WORK/crlf.csv"
printf '\r\n' >> "$WORK/crlf.csv"
printf 'user,item,scene,value\nu1,i1,a,2.5\nu2,i1,b,1' > "$WORK/short.csv"
"$PYTHON" -c 'import sys; open(sys.argv[1], "w").write("user,item,scene,value\nu1,i1,a,1\n" + "u" * 5000000 + ",i2,a,2\nu3,i1,b,4\n")' "$WORK/long.csv"
for file in data crlf short long; do
  expected=$("$PYTHON" - "$WORK/$file.csv" <<'PYEOF'
import csv, sys
csv.field_size_limit(1 << 30)
rows = [r for r in csv.reader(open(sys.argv[1], newline=""))][1:]
rows = [r for r in rows if r]
print(f"lines {len(rows)}, distinct users {len({r[0] for r in rows})}, sum of values {sum(float(r[3]) for r in rows):.6f}")
PYEOF
)
  for ranks in 1 2 4; do
    "$MPIEXEC" -n "$ranks" --oversubscribe --bind-to none "$READ_FLOOR" "$WORK/$file.csv" 1 > "$WORK/out"
    "$PYTHON" - "$WORK/out" "$expected" "$file at $ranks ranks" <<'PYEOF' || fail "$file at $ranks ranks (output above)"
import re, sys
text, expected, name = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
def check(ok, what):
    if not ok:
        print(text, file=sys.stderr)
        sys.exit(f"{name}: {what}")
got = re.search(r"^lines .*$", text, re.M)
check(got and got.group(0) == expected, f"'{got and got.group(0)}', expected '{expected}'")
lines = int(expected.split(",")[0].split()[1])
value_sum = float(expected.rsplit(" ", 1)[1])
check(len(re.findall(r"^[1-6]\. .* [0-9.]+ +[0-9.]+$", text, re.M)) == 6, "a pass's time is missing")
found = {int(m[0]): m for m in re.findall(
    r"^found by pass (\d): lines (\d+), id checksum (\w+), routed (\d+), misplaced (\d+), routed sum of values ([0-9.]+)", text, re.M)}
check(sorted(found) == [1, 2, 3, 4, 5, 6], "a pass's findings are missing")
check(all(int(found[p][1]) == lines for p in range(2, 7)), "a pass missed lines")
check(len({found[p][2] for p in range(3, 7)}) == 1 and int(found[3][2], 16) != 0, "passes hashed different ids")
for p in (5, 6):
    check(int(found[p][3]) == lines and int(found[p][4]) == 0, f"pass {p} routed {found[p][3]} records, {found[p][4]} misplaced")
    check(abs(float(found[p][5]) - value_sum) < 1e-6 * max(1, value_sum), f"pass {p} routed values sum to {found[p][5]}")
PYEOF
  done
  echo "ok: $file at 1, 2, 4 ranks: $expected"
done
