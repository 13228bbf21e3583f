// The data types the ALS kernels share: factor tables and one side's sparse observations.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace sceneals::solver {

/// A factor table, one row per user or item, k + 1 columns: a user row is [x_us, 1] (the last
/// coordinate is fixed to 1), an item row is [y_is, b_is] (the last coordinate is the learned
/// per-scene item bias). Row-major so that one row is contiguous.
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;

/// CSR view of one side's observations (not owning). Row r has entries offsets[r] ..
/// offsets[r + 1] - 1; `index` names a row of the OTHER side's factor table and `value` is the raw
/// interaction value r > 0. `offsets` has rows + 1 entries.
struct SparseRows {
  const std::int64_t* offsets = nullptr;
  const std::int32_t* index = nullptr;
  const float* value = nullptr;
  std::int64_t rows = 0;
};

}  // namespace sceneals::solver
