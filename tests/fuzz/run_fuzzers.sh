#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (SCENEALS_FUZZ=ON: every target of ours
# instrumented for coverage, AddressSanitizer and UndefinedBehaviorSanitizer) and runs each for a
# bounded time, starting from its checked-in corpus tests/fuzz/corpus/<target>/. The corpus is
# copied, so a run never changes it unless FUZZ_MERGE=1 asks. Prints the executions run per
# target. Exits 1 when a target crashed, failed one of its checks, leaked, hung or ran out of
# memory, naming the input saved for it; replay that with BUILD/tests/fuzz/<target>_fuzzer FILE.
#
# Environment: FUZZ_SECONDS      time per target (default 60)
#              FUZZ_TARGETS      which targets (default: line_parser embedding_reader)
#              FUZZ_BUILD_DIR    the clang build (default build-fuzz; crash inputs and logs go to
#                                its fuzz-artifacts/<target>/)
#              FUZZ_MERGE=1      add the inputs that reached new code to tests/fuzz/corpus/<target>
#                                (review them before committing: the corpus is kept small)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
read -r -a targets <<<"${FUZZ_TARGETS:-line_parser embedding_reader}"

CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSCENEALS_FUZZ=ON \
  >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/%/_fuzzer}"

# The longest input and the time after which one counts as a hang, per target. A model file is
# parsed by HDF5 through MPI-IO, so its inputs are larger and slower than lines of text.
declare -A target_options=(
  [line_parser]="-max_len=8192 -timeout=10"
  [embedding_reader]="-max_len=65536 -timeout=30"
)
# For every target: no single allocation over 1 GiB, no more than 2 GiB resident.
common_options=(-max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024
                -print_final_stats=1)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The targets' own scratch files too (a crashed one cannot remove them).
mkdir "$work/tmp"
export TMPDIR=$work/tmp
failed=0
for target in "${targets[@]}"; do
  fuzzer=$build/tests/fuzz/${target}_fuzzer
  corpus=tests/fuzz/corpus/$target
  artifacts=$build/fuzz-artifacts/$target
  log=$artifacts/fuzz.log
  rm -rf "$artifacts"
  mkdir -p "$work/$target" "$artifacts"
  cp "$corpus"/* "$work/$target/"
  rc=0
  # shellcheck disable=SC2086  # the per-target options are words
  timeout $((seconds + 300)) "$fuzzer" ${target_options[$target]} "${common_options[@]}" \
    -artifact_prefix="$artifacts/" "$work/$target" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz $target: ${runs:-no} executions in ${seconds} s; corpus $(ls "$corpus" | wc -l) inputs," \
       "$(ls "$work/$target" | wc -l) after the run"
  if [ "$rc" -ne 0 ]; then
    failed=1
    tail -n 80 "$log"
    saved=$(sed -n 's/.*Test unit written to //p' "$log")
    echo "fuzz $target FAILED (exit code $rc); input saved as: ${saved:-none}; log: $log"
  elif [ "${FUZZ_MERGE:-0}" = 1 ]; then
    "$fuzzer" ${target_options[$target]} -merge=1 "$corpus" "$work/$target" >>"$log" 2>&1
    echo "fuzz $target: merged into $corpus, now $(ls "$corpus" | wc -l) inputs"
  fi
done
exit "$failed"
