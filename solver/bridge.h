// The per-scene linear bridge of docs/design.md: x_us ~ B_s' [z'_us, 1], a ridge regression fitted
// on the users active in scene s and in at least one other scene, where z'_us is the user's
// leave-one-out average over its other scenes. Serving a user cold in s: x_us := B_s' [z_u, 1]
// (io/bridged_row.h, which training and every file reader share).
// Only the sufficient statistics travel between ranks: sum a a' ((k+1)^2 numbers) and
// sum a x' ((k+1) k numbers) with a = [z', 1], packed for one MPI_Allreduce.
#pragma once

#include <Eigen/Dense>
#include <cstdint>

#include "solver/factor_types.h"
#include "solver/ridge_statistics.h"

namespace sceneals::solver {

/// The bridge's statistics: x_us (k values) regressed on [z'_us, 1].
class BridgeStatistics : public RidgeStatistics {
 public:
  explicit BridgeStatistics(int k) : RidgeStatistics(k, k) {}
};

}  // namespace sceneals::solver
