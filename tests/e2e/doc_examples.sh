#!/usr/bin/env bash
# Runs the shell examples of README.md and docs/*.md as a new user would, right after the
# quickstart, so that they cannot rot: every ```bash block whose opening line is preceded by the
# line `<!-- example -->` is run. A file's marked blocks run in order, as one `bash -euo pipefail`
# script, in a fresh directory that holds build/ (the build under test), links to the
# repository's job_scripts/, eval/, data/ and tests/, and the quickstart's demo/ (its generated
# interactions, model and split). Open MPI's root-consent variables are not set here: an example
# that needs them must say so, as the user reading it needs it.
#
# usage: doc_examples.sh [--build DIR] [FILE.md ...]   (default: README.md and docs/*.md)
# Under ctest the build is the one containing $SCENEALS.
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=""
if [ "${1:-}" = "--build" ]; then build_dir=$(cd "$2" && pwd); shift 2; fi
if [ -z "$build_dir" ]; then
  : "${SCENEALS:?give --build DIR or set SCENEALS to the sceneals binary}"
  build_dir=$(cd "$(dirname "$SCENEALS")/.." && pwd)
fi
[ -x "$build_dir/app/sceneals" ] || { echo "FAIL: no $build_dir/app/sceneals" >&2; exit 1; }
if [ $# -eq 0 ]; then
  set -- "$source_dir/README.md" "$source_dir"/docs/*.md
fi

# The variables the harness itself needs for the quickstart's data; the examples run without them.
consent=(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# demo/ as job_scripts/quickstart.sh makes it, once; each file's run gets a copy.
mkdir -p "$work/demo"
env "${consent[@]}" mpirun -n 2 --oversubscribe "$build_dir/app/sceneals" generate \
  --output "$work/demo/interactions.csv" --item-features "$work/demo/item-features.csv" \
  >"$work/demo.log"
env "${consent[@]}" mpirun -n 2 --oversubscribe "$build_dir/app/sceneals" train \
  --input "$work/demo/interactions.csv" --item-features "$work/demo/item-features.csv" \
  --cold-item-fraction 0.1 --output "$work/demo/model.h5" \
  --write-split "$work/demo/split" --evaluate >>"$work/demo.log"

# extract FILE: prints the file's marked blocks, each preceded by a comment naming its line.
extract() {
  awk -v file="$1" '
    marked == 2 && /^```/ { marked = 0; next }
    marked == 2 { print; next }
    marked == 1 && /^```bash[[:space:]]*$/ { marked = 2; printf "# %s:%d\n", file, NR; next }
    { marked = ($0 == "<!-- example -->") ? 1 : 0 }
    END { if (marked == 2) { printf "unterminated example block in %s\n", file > "/dev/stderr"; exit 1 } }
  ' "$1"
}

failed=0 ran=0
for markdown in "$@"; do
  name=$(basename "$markdown" .md)
  script="$work/$name.sh"
  extract "$markdown" >"$script"
  blocks=$(grep -c '^# .*\.md:[0-9][0-9]*$' "$script" || true)
  if [ "$blocks" -eq 0 ]; then
    echo "skip: $markdown has no marked examples"
    continue
  fi
  run_dir="$work/run-$name"
  mkdir -p "$run_dir"
  cp -r "$work/demo" "$run_dir/demo"
  ln -s "$build_dir" "$run_dir/build"
  for linked in job_scripts eval data tests; do ln -s "$source_dir/$linked" "$run_dir/$linked"; done
  rc=0
  (cd "$run_dir" && env -u OMPI_ALLOW_RUN_AS_ROOT -u OMPI_ALLOW_RUN_AS_ROOT_CONFIRM \
     -u OMPI_MCA_rmaps_base_oversubscribe timeout 300 bash -euo pipefail "$script") \
    >"$work/$name.out" 2>&1 || rc=$?
  ran=$((ran + 1))
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: the examples of $markdown exit with $rc; the script and the end of its output:" >&2
    cat -n "$script" >&2
    tail -40 "$work/$name.out" >&2
    failed=$((failed + 1))
  else
    echo "ok: $markdown ($blocks example blocks)"
  fi
done
[ "$ran" -gt 0 ] || { echo "FAIL: no marked examples found in $*" >&2; exit 1; }
[ "$failed" -eq 0 ] || exit 1
echo "every marked example ran ($ran files)"
