// Item content features (--item-features, docs/item-features.md): one vector per item from the
// user's own encoder, as a CSV with a header `item,<name>,...` or an HDF5 file with /items/id
// and /items/features [n, d]. Every rank reads a share of the file (CSV: a byte range of whole
// lines; HDF5: a range of rows); bad rows stop the job with file:line and the reason, agreed
// across ranks, like the interaction log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mpi/communicator.h"

namespace sceneals::io {

/// The widest feature vector accepted: far above any text or image encoder's (384 - 4096), low
/// enough that a file with a transposed matrix is refused rather than held d x d per scene.
inline constexpr int kMaxFeatureDimensions = 4096;

/// This rank's share of the file.
struct ItemFeatureRead {
  std::vector<std::string> names;   ///< the d feature names (every rank)
  std::vector<std::string> ids;     ///< this rank's items
  std::vector<std::int64_t> lines;  ///< where each is in the file: CSV line, or HDF5 row + 1
  std::vector<float> values;        ///< ids.size() x d, row-major
  std::int64_t total = 0;           ///< items over all ranks
  int dimensions() const { return static_cast<int>(names.size()); }
};

/// Collective over `comm`. Reads `path`, an HDF5 file when it starts with HDF5's signature, else
/// a CSV (or tab-separated) text file. AgreedError (exit code 1) naming the file and line (row)
/// on the earliest bad one: a header whose first column is not `item` or that names no feature
/// or more than kMaxFeatureDimensions, a row with another number of columns, an empty or
/// over-long id, a value that is not a number or not finite, or a file without rows. Duplicate
/// ids are found once the rows meet (io/item_feature_table.h).
ItemFeatureRead read_item_features(const mpi::Communicator& comm, const std::string& path);

}  // namespace sceneals::io
