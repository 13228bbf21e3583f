#include "solver/block_scores.h"

#include "mpi/error.h"
#include "solver/kernel_table.h"

namespace sceneals::solver {

Matrix kernel::block_scores(const Eigen::Ref<const Matrix>& users, const Matrix& items) {
  check_invariant(users.cols() == items.cols(), "block_scores: users and items differ in width");
  if (items.rows() == 0 || users.rows() == 0) return Matrix(users.rows(), items.rows());
  return users * items.transpose();
}

}  // namespace sceneals::solver
