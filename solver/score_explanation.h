// Why an item is recommended: the score of implicit ALS decomposed into contributions of the
// user's past items (Hu, Koren and Volinsky 2008, section 5), extended by the bias coordinate and
// the cross-scene prior of our user step. The user's row solves A x = b (solver/normal_equations.h)
// with b = background + sum_j observed_weight_j y_j + prior, so with W = A^-1
//   s_i = [x, 1] . [y_i, b_i] = b_i + sum_j observed_weight_j (y_i' W y_j)    (past items)
//                                   + y_i' W background                      (unobserved items)
//                                   + y_i' W prior                           (cross-scene prior)
// where observed_weight_j = c_uj (1 - b_j) and background = -sum_(j unobserved) b_j y_j
// (implicit feedback). The parts add up to the score exactly (up to rounding).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "solver/als_params.h"
#include "solver/factor_types.h"
#include "solver/fold_in.h"

namespace sceneals::solver {

struct ScoreExplanation {
  std::vector<double> observed;  ///< per past item, in UserObservations order
  double item_bias = 0;          ///< b_i
  double unobserved = 0;         ///< y_i' W background
  double prior = 0;              ///< y_i' W (w z)
  /// The sum of every part: the score of the user vector user() for the item.
  double score() const;
};

/// One user's system, built and factored once (double precision), then any item explained.
class ScoreExplainer {
 public:
  /// The same arguments as fold_in_user: the system of the trainer's user step.
  ScoreExplainer(const AlsParams& params, const Matrix& items, const Eigen::MatrixXf& gram_of_items,
                 const UserObservations& observed, float prior_weight, const float* prior);

  /// The parts of the score of an item row [y_i, b_i] (k + 1 values).
  ScoreExplanation explain(const float* item_row) const;
  /// x = W b (k values): the user vector whose scores the parts add up to. Equal to
  /// fold_in_user's up to float32 rounding.
  const Eigen::VectorXd& user() const { return user_; }

 private:
  Eigen::MatrixXd solved_observed_;  ///< k x n: column j is observed_weight_j W y_j
  Eigen::VectorXd solved_background_;
  Eigen::VectorXd solved_prior_;
  Eigen::VectorXd user_;
};

}  // namespace sceneals::solver
