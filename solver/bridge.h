// The per-scene linear bridge of docs/design.md: x_us ~ B_s' [z'_us, 1], a ridge regression fitted
// on the users active in scene s and in at least one other scene, where z'_us is the user's
// leave-one-out average over its other scenes. Serving a user cold in s: x_us := B_s' [z_u, 1].
// Only the sufficient statistics travel between ranks: sum a a' ((k+1)^2 numbers) and
// sum a x' ((k+1) k numbers) with a = [z', 1], packed for one MPI_Allreduce.
#pragma once

#include <Eigen/Dense>
#include <cstdint>

#include "solver/factor_types.h"

namespace sceneals::solver {

class BridgeStatistics {
 public:
  explicit BridgeStatistics(int k);
  /// Adds one user: `z_other` is z'_us (k values), `x` is x_us (k values).
  void add(const float* z_other, const float* x);
  /// The statistics as one flat array (ata, then atx, then the count), for an Allreduce.
  double* data() { return flat_.data(); }
  std::int64_t size() const { return flat_.size(); }
  std::int64_t count() const;

  /// B = (sum a a' + ridge I)^-1 sum a x', (k+1) x k. Every coordinate of B, the intercept row
  /// included, is shrunk by the same ridge: with no users, B = 0.
  Matrix solve(double ridge) const;

 private:
  int k_;
  Eigen::VectorXd flat_;
};

/// Applies a bridge: [B' [z, 1], 1] as a user row of k + 1 values.
void apply_bridge(const Matrix& bridge, const float* z, float* out_row);

}  // namespace sceneals::solver
