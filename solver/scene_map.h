// The per-scene map of the co-learning penalty: a user's row in scene s is pulled toward
// a_s * z_u + c_s (elementwise: a diagonal scale and a shift per scene) instead of z_u itself, so
// scenes whose factors sit at another scale or offset than the shared factor still share it.
// Fitted each averaging phase by ridge regression toward the identity map (a = 1, c = 0):
//
//   min over a, c   sum_u w_us |x_us - a * z_u - c|^2 + G (|a - 1|^2 + |c|^2)
//
// which splits into one 2 x 2 system per coordinate. G -> infinity gives back the plain pull
// toward z_u. Diagonal rather than a full k x k matrix because the averaging then stays one
// Allreduce of 2k + 1 numbers per user: a full A_s makes z_u's solve need sum_s A_s' A_s, k^2
// numbers per user. Only the sufficient statistics travel: 4k + 1 sums per scene.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace sceneals::solver {

struct SceneMap {
  Eigen::VectorXf scale;  ///< a_s, k values
  Eigen::VectorXf shift;  ///< c_s, k values
  static SceneMap identity(int k);
  /// a * z + c for a row z of k values.
  Eigen::RowVectorXf apply(const Eigen::Ref<const Eigen::RowVectorXf>& z) const {
    return z.cwiseProduct(scale.transpose()) + shift.transpose();
  }
};

class SceneMapStatistics {
 public:
  explicit SceneMapStatistics(int k);
  /// Adds one user of the scene with weight w: its shared factor z and its row x (k values each).
  void add(const float* z, const float* x, double w);
  /// The sums as one flat array, for an Allreduce.
  double* data() { return flat_.data(); }
  std::int64_t size() const { return flat_.size(); }
  /// The minimiser above for ridge G > 0 (the identity map when no user was added).
  SceneMap solve(double ridge) const;

 private:
  int k_;
  Eigen::VectorXd flat_;  // sum w z^2, sum w z, sum w x z, sum w x (k each), sum w
};

}  // namespace sceneals::solver
