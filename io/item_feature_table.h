// The item features every rank holds once the catalogue is built: the rows of all items that
// have features (a few floats per item, like a scene's item factors, which every rank of a
// group holds too), their raw values, and the per-column standardisation the model works in
// (the feature map is fitted on standardised features and stored back in raw units).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/computed_rows.h"
#include "io/item_features.h"
#include "mpi/communicator.h"

namespace sceneals::io {

/// The most feature bytes (float32) a run takes: every rank holds them all, gathered in one MPI
/// call whose counts are ints (1.5 GiB holds 98,000 items of 4,096 features, 1M items of 384).
inline constexpr std::int64_t kMaxFeatureBytes = std::int64_t{3} << 29;

class ItemFeatureTable {
 public:
  ItemFeatureTable() = default;
  /// Collective over `world`: every rank's rows (`rows_of_ids[i]` the global item row of
  /// read.ids[i]) gathered and sorted by row. AgreedError (exit code 1) naming `path` and both
  /// lines when an item is given twice, or when the features take more than kMaxFeatureBytes.
  ItemFeatureTable(const mpi::Communicator& world, ItemFeatureRead&& read,
                   const std::vector<std::int64_t>& rows_of_ids, const std::string& path);

  bool empty() const { return rows_.empty(); }
  int dimensions() const { return static_cast<int>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  /// Sorted global rows of the items with features, and their ids.
  const std::vector<std::int64_t>& rows() const { return rows_; }
  const std::vector<std::string>& ids() const { return ids_; }
  /// Position of a global item row in rows(), or -1 when the item has no features.
  std::int64_t position(std::int64_t item_row) const;
  /// rows() x d: the values as given, and standardised ((value - mean) / scale per column; a
  /// constant column is 0).
  const FactorMatrix& raw() const { return raw_; }
  const FactorMatrix& standardised() const { return standardised_; }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& scale() const { return scale_; }  ///< 0 for a constant column

 private:
  std::vector<std::string> names_;
  std::vector<std::int64_t> rows_;
  std::vector<std::string> ids_;
  FactorMatrix raw_, standardised_;
  std::vector<double> mean_, scale_;
};

}  // namespace sceneals::io
