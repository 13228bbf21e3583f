#include "solver/gram.h"

#include "solver/kernel_table.h"

namespace sceneals::solver {

Eigen::MatrixXf kernel::gram(const Matrix& other) {
  const Eigen::Index width = other.cols();
  Eigen::MatrixXf result = Eigen::MatrixXf::Zero(width, width);
  // A symmetric rank update touches one triangle only: half the flops of other' * other.
  if (other.rows() > 0) result.selfadjointView<Eigen::Lower>().rankUpdate(other.transpose());
  result.triangularView<Eigen::StrictlyUpper>() = result.transpose();
  return result;
}

}  // namespace sceneals::solver
