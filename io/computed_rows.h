// Factor rows computed on demand, a block at a time: a model's served rows are derived from its
// trained ones (every user of a shard in every scene of its group), and neither the writer nor
// the evaluation needs them all at once.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <functional>

namespace sceneals::io {

using FactorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Writes rows [first, first + count) of a block (counted from the block's first row) into
/// `out`, count x columns floats, row-major.
using RowSource = std::function<void(std::int64_t first, std::int64_t count, float* out)>;

/// A block of `rows` rows given by `fill`.
struct ComputedRows {
  std::int64_t rows = 0;
  RowSource fill;  ///< empty: the rows are held dense elsewhere
};

/// The rows of `dense` as a source; `dense` must outlive it.
inline RowSource rows_of(const FactorMatrix& dense) {
  return [&dense](std::int64_t first, std::int64_t count, float* out) {
    std::copy_n(dense.data() + first * dense.cols(), count * dense.cols(), out);
  };
}

}  // namespace sceneals::io
