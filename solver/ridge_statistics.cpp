#include "solver/ridge_statistics.h"

#include <string>

#include "mpi/error.h"

namespace sceneals::solver {

RidgeStatistics::RidgeStatistics(int inputs, int outputs)
    : inputs_(inputs),
      outputs_(outputs),
      flat_(Eigen::VectorXd::Zero((inputs + 1) * (inputs + 1) + (inputs + 1) * outputs + 1)) {}

void RidgeStatistics::add(const float* input, const float* output) {
  const Eigen::Index n = inputs_ + 1;
  Eigen::Map<Eigen::MatrixXd> ata(flat_.data(), n, n);
  Eigen::Map<Eigen::MatrixXd> aty(flat_.data() + n * n, n, outputs_);
  Eigen::VectorXd a(n);
  for (int i = 0; i < inputs_; ++i) a(i) = input[i];
  a(inputs_) = 1.0;
  const Eigen::Map<const Eigen::VectorXf> y(output, outputs_);
  ata.noalias() += a * a.transpose();
  aty.noalias() += a * y.cast<double>().transpose();
  flat_(flat_.size() - 1) += 1.0;
}

std::int64_t RidgeStatistics::count() const {
  return static_cast<std::int64_t>(flat_(flat_.size() - 1));
}

Matrix RidgeStatistics::solve(double ridge) const {
  const Eigen::Index n = inputs_ + 1;
  const Eigen::Map<const Eigen::MatrixXd> ata(flat_.data(), n, n);
  const Eigen::Map<const Eigen::MatrixXd> aty(flat_.data() + n * n, n, outputs_);
  const Eigen::MatrixXd left = ata + ridge * Eigen::MatrixXd::Identity(n, n);
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(left);
  if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().minCoeff() > 0))
    throw InternalError("ridge regression: the system is not positive definite (ridge " +
                        std::to_string(ridge) + ")");
  return ldlt.solve(aty).cast<float>();
}

}  // namespace sceneals::solver
