// The HDF5 layout of --item-features: /items/id [n] strings (fixed or variable length, as h5py
// writes them) and /items/features [n, d] of any floating-point type, read as float32.
#pragma once

#include <string>

#include "io/item_features.h"
#include "mpi/communicator.h"

namespace sceneals::io {

/// Collective over `comm`: each rank opens the file read-only and reads its range of rows.
/// AgreedError (exit code 1) naming the file (and the row, counted from 1, for a bad value or
/// id) when a dataset is missing, has another type or shape, or d is above
/// kMaxFeatureDimensions.
ItemFeatureRead read_hdf5_features(const mpi::Communicator& comm, const std::string& path);

}  // namespace sceneals::io
