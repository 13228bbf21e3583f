#include "io/bridged_row.h"

namespace sceneals::io {

void bridged_row(const FactorMatrix& bridge, const float* z, float* out_row) {
  const Eigen::Index k = bridge.cols();
  Eigen::VectorXf a(k + 1);
  for (Eigen::Index i = 0; i < k; ++i) a(i) = z[i];
  a(k) = 1.0f;
  Eigen::Map<Eigen::VectorXf>(out_row, k) = bridge.transpose() * a;
  out_row[k] = 1.0f;
}

}  // namespace sceneals::io
