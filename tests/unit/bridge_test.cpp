// The bridge's ridge regression against an independent dense least-squares solve in double:
// minimise sum_u |x_u - B' a_u|^2 + ridge |B|^2 by QR of the stacked system [A; sqrt(ridge) I].
#include "solver/bridge.h"

#include <gtest/gtest.h>

#include <random>

#include "io/bridged_row.h"
#include "mpi/error.h"

namespace sceneals::solver {
namespace {

TEST(Bridge, MatchesDenseRidgeRegression) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int k : {1, 3, 6}) {
    for (double ridge : {0.0, 0.5, 100.0}) {
      const int users = 40;
      Eigen::MatrixXd a(users, k + 1), x(users, k);
      BridgeStatistics stats(k);
      for (int u = 0; u < users; ++u) {
        std::vector<float> z(static_cast<std::size_t>(k)), xu(static_cast<std::size_t>(k));
        for (auto& v : z) v = normal(rng);
        for (int j = 0; j < k; ++j)
          xu[static_cast<std::size_t>(j)] =
              0.5f * z[static_cast<std::size_t>((j + 1) % k)] + 0.3f + 0.1f * normal(rng);
        stats.add(z.data(), xu.data());
        for (int j = 0; j < k; ++j) {
          a(u, j) = z[static_cast<std::size_t>(j)];
          x(u, j) = xu[static_cast<std::size_t>(j)];
        }
        a(u, k) = 1.0;
      }
      Eigen::MatrixXd stacked_a(users + k + 1, k + 1), stacked_x(users + k + 1, k);
      stacked_a << a, std::sqrt(ridge) * Eigen::MatrixXd::Identity(k + 1, k + 1);
      stacked_x << x, Eigen::MatrixXd::Zero(k + 1, k);
      const Eigen::MatrixXd reference = stacked_a.colPivHouseholderQr().solve(stacked_x);
      const Matrix bridge = stats.solve(ridge);
      ASSERT_EQ(bridge.rows(), k + 1);
      ASSERT_EQ(bridge.cols(), k);
      EXPECT_LT((bridge.cast<double>() - reference).cwiseAbs().maxCoeff(), 1e-4)
          << "k " << k << " ridge " << ridge;
      EXPECT_EQ(stats.count(), users);
    }
  }
}

TEST(Bridge, RecoversAnExactLinearMapAndAppliesIt) {
  const int k = 2;
  BridgeStatistics stats(k);
  // x = [2 z0 + 1, -z1 + 0.5]: B' = [[2, 0, 1], [0, -1, 0.5]].
  for (int u = 0; u < 10; ++u) {
    const float z[2] = {static_cast<float>(u), static_cast<float>(u * u % 7)};
    const float x[2] = {2 * z[0] + 1, -z[1] + 0.5f};
    stats.add(z, x);
  }
  const Matrix bridge = stats.solve(0.0);
  const float z[2] = {3.0f, -2.0f};
  float row[3];
  io::bridged_row(bridge, z, row);
  EXPECT_NEAR(row[0], 7.0f, 1e-4);
  EXPECT_NEAR(row[1], 2.5f, 1e-4);
  EXPECT_EQ(row[2], 1.0f);
}

TEST(Bridge, NoUsersGiveTheZeroMap) {
  BridgeStatistics stats(3);
  EXPECT_EQ(stats.solve(1.0).cwiseAbs().maxCoeff(), 0.0f);
  EXPECT_THROW(stats.solve(0.0), InternalError);
}

}  // namespace
}  // namespace sceneals::solver
