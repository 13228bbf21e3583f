#include "solver/fold_in.h"

#include "mpi/error.h"
#include "solver/solve_block.h"

namespace sceneals::solver {

Vector fold_in_user(const AlsParams& params, const Matrix& items,
                    const Eigen::MatrixXf& gram_of_items, const UserObservations& observed,
                    float prior_weight, const float* prior) {
  check_invariant(observed.items.size() == observed.values.size(),
                  "fold_in_user: one value per observed item");
  check_invariant(prior_weight == 0.0f || prior != nullptr, "fold_in_user: a weight needs a prior");
  const int k = static_cast<int>(items.cols()) - 1;
  AlsParams exact = params;
  exact.solver = LinearSolverKind::kCholesky;

  // A block of one row, as the trainer's user step sees each of its users.
  const std::int64_t offsets[2] = {0, static_cast<std::int64_t>(observed.items.size())};
  SparseRows rows;
  rows.offsets = offsets;
  rows.index = observed.items.data();
  rows.value = observed.values.data();
  rows.rows = 1;
  Matrix priors = Matrix::Zero(1, k);
  if (prior != nullptr) priors.row(0) = Eigen::Map<const Eigen::RowVectorXf>(prior, k);
  Matrix user = Matrix::Zero(1, k + 1);
  user(0, k) = 1.0f;  // the fixed coordinate
  solve_rows(exact, k, items, gram_of_items, rows, &prior_weight, &priors, user);
  return user.row(0).transpose();
}

}  // namespace sceneals::solver
