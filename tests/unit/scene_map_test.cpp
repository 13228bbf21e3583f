// The per-scene map's fit (solver/scene_map.h) against an independent reference: the same ridge
// regression as one dense weighted least-squares problem in all 2k unknowns at once (rows
// sqrt(w) [z_u' diag, I] per user, plus sqrt(G) rows pulling toward a = 1, c = 0), solved by QR.
// Also: no users gives the identity, and a huge ridge tends to the identity.
#include "solver/scene_map.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <random>
#include <vector>

namespace sceneals::solver {
namespace {

struct Users {
  std::vector<Eigen::VectorXf> z, x;
  std::vector<double> w;
};

Users random_users(int k, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<double> weight(0.5, 3.0);
  Users users;
  for (int u = 0; u < n; ++u) {
    Eigen::VectorXf z(k), x(k);
    for (int d = 0; d < k; ++d) {
      z(d) = normal(rng);
      x(d) = 0.7f * static_cast<float>(d + 1) / static_cast<float>(k) * z(d) + 0.3f +
             0.2f * normal(rng);
    }
    users.z.push_back(z);
    users.x.push_back(x);
    users.w.push_back(weight(rng));
  }
  return users;
}

TEST(SceneMap, MatchesADenseRidgeRegressionInAllUnknowns) {
  const int k = 5, n = 40;
  const double ridge = 3.0;
  const Users users = random_users(k, n, 7);
  SceneMapStatistics stats(k);
  for (int u = 0; u < n; ++u) stats.add(users.z[u].data(), users.x[u].data(), users.w[u]);
  const SceneMap map = stats.solve(ridge);

  // Unknowns [a (k), c (k)]; residual rows sqrt(w)(a_d z_d + c_d - x_d) and sqrt(G)(a_d - 1),
  // sqrt(G) c_d.
  Eigen::MatrixXd design = Eigen::MatrixXd::Zero(n * k + 2 * k, 2 * k);
  Eigen::VectorXd target = Eigen::VectorXd::Zero(n * k + 2 * k);
  for (int u = 0; u < n; ++u)
    for (int d = 0; d < k; ++d) {
      const double s = std::sqrt(users.w[u]);
      design(u * k + d, d) = s * users.z[u](d);
      design(u * k + d, k + d) = s;
      target(u * k + d) = s * users.x[u](d);
    }
  for (int j = 0; j < 2 * k; ++j) design(n * k + j, j) = std::sqrt(ridge);
  for (int d = 0; d < k; ++d) target(n * k + d) = std::sqrt(ridge);
  const Eigen::VectorXd reference = design.colPivHouseholderQr().solve(target);
  for (int d = 0; d < k; ++d) {
    EXPECT_NEAR(map.scale(d), reference(d), 1e-5) << "a_" << d;
    EXPECT_NEAR(map.shift(d), reference(k + d), 1e-5) << "c_" << d;
  }
  // The data pull a away from 1: the reference is not the identity (so the check can fail).
  EXPECT_GT((reference.head(k).array() - 1.0).abs().maxCoeff(), 0.1);
}

TEST(SceneMap, IsTheIdentityWithoutUsersAndTendsToItUnderAHugeRidge) {
  const int k = 4;
  const SceneMap empty = SceneMapStatistics(k).solve(1.0);
  EXPECT_TRUE(empty.scale.isApprox(Eigen::VectorXf::Ones(k)));
  EXPECT_TRUE(empty.shift.isZero());
  const Users users = random_users(k, 30, 3);
  SceneMapStatistics stats(k);
  for (int u = 0; u < 30; ++u) stats.add(users.z[u].data(), users.x[u].data(), users.w[u]);
  const SceneMap stiff = stats.solve(1e9);
  EXPECT_LT((stiff.scale.array() - 1.0f).abs().maxCoeff(), 1e-4);
  EXPECT_LT(stiff.shift.cwiseAbs().maxCoeff(), 1e-4);
}

}  // namespace
}  // namespace sceneals::solver
