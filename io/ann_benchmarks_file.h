// One scene as an ann-benchmarks data set (the HDF5 layout of erikbern/ann-benchmarks): `train`
// (the points indexed: the scene's items), `test` (the queries: users), `neighbors` (int32, the
// true nearest train rows of each query, best first), `distances` (float32), and the root
// attributes type = "dense", distance, dimension and point_type = "float". Extra datasets
// `train_ids` and `test_ids` name the rows (ann-benchmarks ignores them).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "io/embedding_reader.h"

namespace sceneals::io {

struct AnnBenchmarksData {
  FactorMatrix train;  ///< n x d
  FactorMatrix test;   ///< m x d
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>
      neighbors;           ///< m x c
  FactorMatrix distances;  ///< m x c
  std::vector<std::string> train_ids, test_ids;
  std::string distance;     ///< "angular", "euclidean", ...
  std::string description;  ///< written as the attribute `sceneals_description`
};

/// Writes `path` (one rank, serial HDF5) under a temporary name renamed when complete. String
/// attributes are variable-length UTF-8, as h5py writes them (so ann-benchmarks reads str).
/// InputError "cannot write 'PATH': ..." when the file cannot be written.
void write_ann_benchmarks_file(const std::string& path, const AnnBenchmarksData& data);

}  // namespace sceneals::io
