#include "solver/score_explanation.h"

#include <Eigen/Cholesky>
#include <numeric>

#include "mpi/error.h"
#include "solver/normal_equations.h"

namespace sceneals::solver {

double ScoreExplanation::score() const {
  return std::accumulate(observed.begin(), observed.end(), 0.0) + item_bias + unobserved + prior;
}

ScoreExplainer::ScoreExplainer(const AlsParams& params, const Matrix& items,
                               const Eigen::MatrixXf& gram_of_items,
                               const UserObservations& observed, float prior_weight,
                               const float* prior) {
  check_invariant(observed.items.size() == observed.values.size(),
                  "ScoreExplainer: one value per observed item");
  const int k = static_cast<int>(items.cols()) - 1;
  const auto n = static_cast<Eigen::Index>(observed.items.size());
  const float fixed = 1.0f;  // a user row's last coordinate
  NormalEquationParts parts;
  build_normal_equation_parts(params, k, items, gram_of_items, &fixed, observed.items.data(),
                              observed.values.data(), n, prior_weight, prior, parts);
  const Eigen::LLT<Eigen::MatrixXd> llt(parts.A);
  // A = G + F C F' + (lambda + w) I with lambda > 0: positive definite unless the inputs are
  // not finite, which the trainer's finiteness check rules out for a model it wrote.
  if (llt.info() != Eigen::Success)
    throw InternalError("ScoreExplainer: the user's system is not positive definite");
  Eigen::MatrixXd past(k, n);
  for (Eigen::Index j = 0; j < n; ++j)
    past.col(j) = items.row(observed.items[static_cast<std::size_t>(j)]).head(k).cast<double>() *
                  parts.observed_weights(j);
  solved_observed_ = llt.solve(past);
  solved_background_ = llt.solve(parts.background);
  solved_prior_ = llt.solve(parts.prior);
  user_ = llt.solve(parts.b);
}

ScoreExplanation ScoreExplainer::explain(const float* item_row) const {
  const auto k = user_.size();
  const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXf>(item_row, k).cast<double>();
  ScoreExplanation out;
  const Eigen::VectorXd past = solved_observed_.transpose() * y;
  out.observed.assign(past.data(), past.data() + past.size());
  out.item_bias = item_row[k];
  out.unobserved = y.dot(solved_background_);
  out.prior = y.dot(solved_prior_);
  return out;
}

}  // namespace sceneals::solver
