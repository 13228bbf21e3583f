#include "solver/bridge.h"

#include "mpi/error.h"

namespace sceneals::solver {

BridgeStatistics::BridgeStatistics(int k)
    : k_(k), flat_(Eigen::VectorXd::Zero((k + 1) * (k + 1) + (k + 1) * k + 1)) {}

void BridgeStatistics::add(const float* z_other, const float* x) {
  const Eigen::Index n = k_ + 1;
  Eigen::Map<Eigen::MatrixXd> ata(flat_.data(), n, n);
  Eigen::Map<Eigen::MatrixXd> atx(flat_.data() + n * n, n, k_);
  Eigen::VectorXd a(n);
  for (int i = 0; i < k_; ++i) a(i) = z_other[i];
  a(k_) = 1.0;
  const Eigen::Map<const Eigen::VectorXf> x_vector(x, k_);
  ata.noalias() += a * a.transpose();
  atx.noalias() += a * x_vector.cast<double>().transpose();
  flat_(flat_.size() - 1) += 1.0;
}

std::int64_t BridgeStatistics::count() const {
  return static_cast<std::int64_t>(flat_(flat_.size() - 1));
}

Matrix BridgeStatistics::solve(double ridge) const {
  const Eigen::Index n = k_ + 1;
  const Eigen::Map<const Eigen::MatrixXd> ata(flat_.data(), n, n);
  const Eigen::Map<const Eigen::MatrixXd> atx(flat_.data() + n * n, n, k_);
  const Eigen::MatrixXd left = ata + ridge * Eigen::MatrixXd::Identity(n, n);
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(left);
  if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().minCoeff() > 0))
    throw InternalError("bridge: the ridge system is not positive definite (ridge " +
                        std::to_string(ridge) + ")");
  return ldlt.solve(atx).cast<float>();
}

void apply_bridge(const Matrix& bridge, const float* z, float* out_row) {
  const Eigen::Index k = bridge.cols();
  Eigen::VectorXf a(k + 1);
  for (Eigen::Index i = 0; i < k; ++i) a(i) = z[i];
  a(k) = 1.0f;
  Eigen::Map<Eigen::VectorXf>(out_row, k) = bridge.transpose() * a;
  out_row[k] = 1.0f;
}

}  // namespace sceneals::solver
