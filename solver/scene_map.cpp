#include "solver/scene_map.h"

#include "mpi/error.h"

namespace sceneals::solver {

SceneMap SceneMap::identity(int k) {
  return SceneMap{Eigen::VectorXf::Ones(k), Eigen::VectorXf::Zero(k)};
}

SceneMapStatistics::SceneMapStatistics(int k) : k_(k), flat_(Eigen::VectorXd::Zero(4 * k + 1)) {}

void SceneMapStatistics::add(const float* z, const float* x, double w) {
  for (int d = 0; d < k_; ++d) {
    const double zd = z[d], xd = x[d];
    flat_(d) += w * zd * zd;
    flat_(k_ + d) += w * zd;
    flat_(2 * k_ + d) += w * xd * zd;
    flat_(3 * k_ + d) += w * xd;
  }
  flat_(4 * k_) += w;
}

SceneMap SceneMapStatistics::solve(double ridge) const {
  check_invariant(ridge > 0, "the scene map's ridge is positive");
  SceneMap map = SceneMap::identity(k_);
  const double sw = flat_(4 * k_) + ridge;
  for (int d = 0; d < k_; ++d) {
    // [szz + G, sz; sz, sw + G] [a; c] = [sxz + G; sx]; the determinant is at least G^2 > 0 by
    // Cauchy-Schwarz (sz^2 <= szz * sw).
    const double szz = flat_(d) + ridge, sz = flat_(k_ + d);
    const double sxz = flat_(2 * k_ + d) + ridge, sx = flat_(3 * k_ + d);
    const double det = szz * sw - sz * sz;
    map.scale(d) = static_cast<float>((sxz * sw - sz * sx) / det);
    map.shift(d) = static_cast<float>((szz * sx - sz * sxz) / det);
  }
  return map;
}

}  // namespace sceneals::solver
