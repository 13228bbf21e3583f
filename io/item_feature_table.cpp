#include "io/item_feature_table.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mpi/error_agreement.h"

namespace sceneals::io {

ItemFeatureTable::ItemFeatureTable(const mpi::Communicator& world, ItemFeatureRead&& read,
                                   const std::vector<std::int64_t>& rows_of_ids,
                                   const std::string& path)
    : names_(std::move(read.names)) {
  const auto d = static_cast<std::size_t>(names_.size());
  // Every rank holds every vector, gathered in one MPI call whose byte counts are ints.
  const std::int64_t total_bytes =
      world.sum(static_cast<std::int64_t>(read.values.size() * sizeof(float)));
  if (total_bytes > kMaxFeatureBytes)
    throw AgreedError(ExitCode::kBadInput,
                      path + ": the features take " + std::to_string(total_bytes >> 20) +
                          " MiB as float32; at most " + std::to_string(kMaxFeatureBytes >> 20) +
                          " MiB are supported (every rank holds them all): fewer items or "
                          "dimensions (reduce the encoder's output, e.g. with PCA)");
  const std::vector<std::int64_t> rows = world.allgatherv(rows_of_ids);
  const std::vector<std::string> ids = world.allgatherv_strings(read.ids);
  const std::vector<std::int64_t> lines = world.allgatherv(read.lines);
  const std::vector<float> values = world.allgatherv(read.values);
  read = ItemFeatureRead();
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return rows[a] != rows[b] ? rows[a] < rows[b] : lines[a] < lines[b];
  });
  // Every rank holds the same rows: all find the same repeat, the one named by the earliest
  // second line.
  mpi::run_agreed(world, [&] {
    std::int64_t repeat_line = -1, first_line = -1;
    for (std::size_t i = 1; i < order.size(); ++i)
      if (rows[order[i]] == rows[order[i - 1]] &&
          (repeat_line < 0 || lines[order[i]] < repeat_line)) {
        repeat_line = lines[order[i]];
        first_line = lines[order[i - 1]];
      }
    if (repeat_line >= 0)
      throw InputError(path, repeat_line,
                       "the same item as line " + std::to_string(first_line) +
                           " (an item has one row of features)");
  });
  rows_.resize(order.size());
  ids_.resize(order.size());
  raw_.resize(static_cast<Eigen::Index>(order.size()), static_cast<Eigen::Index>(d));
  for (std::size_t i = 0; i < order.size(); ++i) {
    rows_[i] = rows[order[i]];
    ids_[i] = ids[order[i]];
    std::copy_n(values.data() + order[i] * d, d, raw_.row(static_cast<Eigen::Index>(i)).data());
  }
  // Standardisation, in double: a year column (about 2000, spread 15) next to 0/1 flags.
  mean_.assign(d, 0.0);
  scale_.assign(d, 0.0);
  const double n = static_cast<double>(rows_.size());
  for (std::size_t c = 0; c < d; ++c) {
    const auto column = raw_.col(static_cast<Eigen::Index>(c)).cast<double>();
    mean_[c] = column.sum() / n;
    const double variance = (column.array() - mean_[c]).square().sum() / n;
    scale_[c] = variance > 1e-12 * std::max(1.0, mean_[c] * mean_[c]) ? std::sqrt(variance) : 0.0;
  }
  standardised_.resize(raw_.rows(), raw_.cols());
  for (Eigen::Index i = 0; i < raw_.rows(); ++i)
    for (std::size_t c = 0; c < d; ++c) {
      const auto col = static_cast<Eigen::Index>(c);
      standardised_(i, col) =
          scale_[c] > 0 ? static_cast<float>((raw_(i, col) - mean_[c]) / scale_[c]) : 0.0f;
    }
}

std::int64_t ItemFeatureTable::position(std::int64_t item_row) const {
  const auto at = std::lower_bound(rows_.begin(), rows_.end(), item_row);
  return at != rows_.end() && *at == item_row ? at - rows_.begin() : -1;
}

}  // namespace sceneals::io
