// The row Cholesky against Eigen's LLT (the reference factor) and against a double-precision
// solve of the same system, at every size around its 4-column panels, on blocks of a larger
// matrix, and on matrices that are not positive definite.
#include "solver/row_cholesky.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <limits>
#include <random>

namespace sceneals::solver {
namespace {

/// A random symmetric positive definite n x n matrix shaped like an ALS row's (a Gram part plus
/// a ridge).
Eigen::MatrixXf random_spd(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  const Eigen::MatrixXf m = Eigen::MatrixXf::NullaryExpr(n, n + 8, [&] { return unit(rng); });
  return m * m.transpose() + 0.5f * Eigen::MatrixXf::Identity(n, n);
}

Eigen::VectorXf random_vector(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  return Eigen::VectorXf::NullaryExpr(n, [&] { return unit(rng); });
}

TEST(RowCholesky, FactorMatchesEigensLltAndLeavesTheUpperTriangle) {
  for (const int n : {1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 65, 66, 67, 130}) {
    const Eigen::MatrixXf a = random_spd(n, static_cast<unsigned>(n));
    Eigen::MatrixXf factor = a;
    factor.triangularView<Eigen::StrictlyUpper>().setConstant(-3.0f);  // must not be read
    ASSERT_TRUE(cholesky_factor_lower(factor)) << "n " << n;
    const Eigen::MatrixXf reference = Eigen::LLT<Eigen::MatrixXf>(a).matrixL();
    const float scale = reference.cwiseAbs().maxCoeff();
    for (int c = 0; c < n; ++c)
      for (int r = 0; r < n; ++r) {
        if (r >= c)
          EXPECT_NEAR(factor(r, c), reference(r, c), 2e-5f * scale)
              << "n " << n << " (" << r << ", " << c << ")";
        else
          EXPECT_EQ(factor(r, c), -3.0f) << "n " << n << " (" << r << ", " << c << ")";
      }
  }
}

TEST(RowCholesky, SolveMatchesADoublePrecisionSolve) {
  for (const int n : {1, 3, 4, 6, 17, 64, 65, 100}) {
    const Eigen::MatrixXf a = random_spd(n, 100u + static_cast<unsigned>(n));
    const Eigen::VectorXf b = random_vector(n, 200u + static_cast<unsigned>(n));
    Eigen::MatrixXf factor = a;
    ASSERT_TRUE(cholesky_factor_lower(factor));
    Eigen::VectorXf x = b;
    cholesky_solve_lower(factor, x);
    const Eigen::VectorXd expected = a.cast<double>().ldlt().solve(b.cast<double>());
    EXPECT_LT((x.cast<double>() - expected).norm(), 1e-4 * (1 + expected.norm())) << "n " << n;
  }
}

TEST(RowCholesky, WorksOnABlockOfALargerMatrix) {
  // A block has an outer stride larger than its rows: every column must be found through it.
  const int n = 13;
  const Eigen::MatrixXf a = random_spd(n, 7);
  Eigen::MatrixXf storage = Eigen::MatrixXf::Constant(n + 5, n + 2, 9.0f);
  storage.topLeftCorner(n, n) = a;
  ASSERT_TRUE(cholesky_factor_lower(storage.topLeftCorner(n, n)));
  const Eigen::MatrixXf reference = Eigen::LLT<Eigen::MatrixXf>(a).matrixL();
  const Eigen::MatrixXf l = storage.topLeftCorner(n, n).triangularView<Eigen::Lower>();
  EXPECT_LT((l - reference).cwiseAbs().maxCoeff(), 1e-5f * reference.cwiseAbs().maxCoeff());
  EXPECT_TRUE((storage.bottomRows(5).array() == 9.0f).all());
  EXPECT_TRUE((storage.rightCols(2).array() == 9.0f).all());
  const Eigen::VectorXf b = random_vector(n, 8);
  Eigen::VectorXf x = b;
  cholesky_solve_lower(storage.topLeftCorner(n, n), x);
  EXPECT_LT((a * x - b).norm(), 1e-4f * b.norm());
}

TEST(RowCholesky, RejectsMatricesThatAreNotPositiveDefinite) {
  for (const int n : {1, 4, 9, 64}) {
    // Indefinite in the last pivot only, so every panel and update runs before it fails.
    Eigen::MatrixXf a = random_spd(n, 11);
    const Eigen::MatrixXf l = Eigen::LLT<Eigen::MatrixXf>(a).matrixL();
    a(n - 1, n - 1) -= l(n - 1, n - 1) * l(n - 1, n - 1) + 1.0f;
    Eigen::MatrixXf factor = a;
    EXPECT_FALSE(cholesky_factor_lower(factor)) << "n " << n;
    Eigen::MatrixXf with_nan = random_spd(n, 12);
    with_nan(n - 1, 0) = std::numeric_limits<float>::quiet_NaN();
    EXPECT_FALSE(cholesky_factor_lower(with_nan)) << "n " << n;
    Eigen::MatrixXf infinite = random_spd(n, 13);
    infinite(n - 1, n - 1) = std::numeric_limits<float>::infinity();
    EXPECT_FALSE(cholesky_factor_lower(infinite)) << "n " << n;
    Eigen::MatrixXf zero = Eigen::MatrixXf::Zero(n, n);
    EXPECT_FALSE(cholesky_factor_lower(zero)) << "n " << n;
  }
}

}  // namespace
}  // namespace sceneals::solver
