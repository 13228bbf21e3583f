// The data term of the ALS objective for a block of rows, for the progress line and for tests.
#pragma once

#include <Eigen/Core>

#include "solver/als_params.h"
#include "solver/factor_types.h"

namespace sceneals::solver {

/// Implicit: sum over rows x (full k + 1 row) of sum over ALL rows o_j of `other` of
/// c_j (p_j - x.o_j)^2, computed as x'Gx + sum_obs [c (1 - s)^2 - s^2] (G = gram_of_other,
/// s = x.o_j) so its cost is the observation count. Explicit: sum_obs (r - s)^2.
/// Accumulated in double. Regularisation and the cross-scene penalty are the caller's.
double data_loss(const AlsParams& params, const Matrix& other, const Eigen::MatrixXf& gram_of_other,
                 const SparseRows& rows, const Matrix& targets);

}  // namespace sceneals::solver
