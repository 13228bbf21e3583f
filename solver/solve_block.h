// One half-step's solve over a block of rows (one scene's local users, or one item shard): the
// per-row normal equations and solve, with workspaces allocated once per block, not per row.
#pragma once

#include <Eigen/Core>

#include "solver/als_params.h"
#include "solver/factor_types.h"

namespace sceneals::solver {

/// Solves every row of `rows` for the first d coordinates of its row in `targets`.
///
/// d = k (users: the last coordinate, fixed to 1, stays as it is) or d = k + 1 (items: the whole
/// row). Cholesky or params.cg_steps warm-started CG steps from the current row, by
/// params.solver. A row without observations is still solved: implicit, it only has the weak
/// zeros, the regulariser and the prior; explicit, it becomes the prior z (0 when w = 0).
///
/// @param[in] params          model and solver parameters
/// @param[in] d               k or k + 1
/// @param[in] other           the other side's factor table (k + 1 columns)
/// @param[in] gram_of_other   gram(other)
/// @param[in] rows            the block's observations; rows.rows == targets.rows()
/// @param[in] prior_weights   w per row (mu_s * w_us); nullptr means 0 for every row
/// @param[in] priors          z per row, rows x d; may be nullptr when no weight is non-zero
/// @param[in,out] targets     rows x (k + 1); read as the warm start, first d coords overwritten
void solve_rows(const AlsParams& params, int d, const Matrix& other,
                const Eigen::MatrixXf& gram_of_other, const SparseRows& rows,
                const float* prior_weights, const Matrix* priors, Matrix& targets);

}  // namespace sceneals::solver
