#!/usr/bin/env bash
# Builds SceneALS (Release, warnings as errors) in build/ and runs every test with ctest.
# MPI tests run under mpirun at 1, 2 and 4 ranks; as root they need Open MPI's consent variables.
# SCENEALS_BUILD_DIR (default build) and SCENEALS_CMAKE_ARGS (e.g. -DSCENEALS_MARCH=native) pick
# another build; CI runs the suite on both.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
build_dir="${SCENEALS_BUILD_DIR:-build}"
# shellcheck disable=SC2086  # the extra arguments are words on purpose
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${SCENEALS_CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
cd "$build_dir"
ctest --output-on-failure -j"$(nproc)" "$@"
