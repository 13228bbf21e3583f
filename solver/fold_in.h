// Folding a user into a trained scene: the user's factor solved from the items they interacted
// with, against the scene's item factors, by the trainer's own user step (solve_rows with the
// Cholesky solve), so a folded-in user is exactly what training would have made of them given
// the same item factors.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "solver/als_params.h"
#include "solver/factor_types.h"

namespace sceneals::solver {

/// One user's observations in a scene: rows of the scene's item table, distinct, with their raw
/// values r > 0 (duplicates already summed).
struct UserObservations {
  std::vector<std::int32_t> items;
  std::vector<float> values;
};

/// The user row [x_u, 1] (k + 1 values) minimising the user step's objective of docs/design.md:
/// sum_j c_uj (p_uj - [x, 1] . y_j)^2 + lambda |x|^2 + w |x - prior|^2 over every row y_j of
/// `items` (implicit feedback; explicit: ALS-WR over the observed rows). Always the exact
/// (Cholesky) solve, whatever params.solver says.
/// @param[in] params         the model's parameters (lambda, alpha, confidence, feedback)
/// @param[in] items          the scene's item table [y_j, b_j], k + 1 columns
/// @param[in] gram_of_items  gram(items)
/// @param[in] observed       the user's observations
/// @param[in] prior_weight   w = mu_s w_us; 0 for no prior
/// @param[in] prior          k values; may be nullptr when prior_weight is 0
Vector fold_in_user(const AlsParams& params, const Matrix& items,
                    const Eigen::MatrixXf& gram_of_items, const UserObservations& observed,
                    float prior_weight, const float* prior);

}  // namespace sceneals::solver
