#!/usr/bin/env bash
# First run on a fresh Debian 12 machine: install the packages, build SceneALS, generate the
# default synthetic data set (with item features) and train on it with 2 MPI ranks, a tenth of the
# items held out as new ones. Prints where the embedding file
# went. Re-running skips nothing but is quick (apt and the build are incremental).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake openmpi-bin libopenmpi-dev libeigen3-dev libhdf5-openmpi-dev
          hdf5-tools libboost-program-options-dev libgtest-dev googletest python3-h5py python3-numpy
          python3-faiss)
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target sceneals

if [ "$(id -u)" -eq 0 ]; then  # Open MPI refuses to run as root without this consent
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
mkdir -p demo
mpirun -n 2 --oversubscribe build/app/sceneals generate --output demo/interactions.csv \
  --item-features demo/item-features.csv
mpirun -n 2 --oversubscribe build/app/sceneals train --input demo/interactions.csv \
  --item-features demo/item-features.csv --cold-item-fraction 0.1 \
  --output demo/model.h5 --write-split demo/split --evaluate
