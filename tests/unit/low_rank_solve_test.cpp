// LowRankUpdateSolver: (G + shift I + H H')^-1 b against a dense double-precision solve, for
// n = 0, few, and more observations than unknowns, with large weights, and with the factor
// reused across rows and refreshed when the shift changes; build_low_rank_system against
// build_normal_equations (the same A and b).
#include "solver/low_rank_solve.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <random>

#include "solver/gram.h"
#include "solver/normal_equations.h"

namespace sceneals::solver {
namespace {

Eigen::MatrixXf random_matrix(std::mt19937& rng, Eigen::Index rows, Eigen::Index cols,
                              float scale = 1.0f) {
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  return Eigen::MatrixXf::NullaryExpr(rows, cols, [&] { return scale * unit(rng); });
}

Eigen::VectorXd dense_solution(const Eigen::MatrixXf& g, int d, float shift,
                               const Eigen::MatrixXf& h, const Eigen::VectorXf& b) {
  Eigen::MatrixXd a = g.topLeftCorner(d, d).cast<double>();
  a.diagonal().array() += shift;
  a += h.cast<double>() * h.cast<double>().transpose();
  return a.ldlt().solve(b.cast<double>());
}

TEST(LowRankSolve, EqualsTheDenseSolve) {
  std::mt19937 rng(11);
  const int d = 16;
  const Eigen::MatrixXf g = gram(random_matrix(rng, 200, d + 1, 0.3f));
  LowRankUpdateSolver solver;
  for (const float shift : {0.1f, 2.0f}) {  // the second shift must refactor A0
    ASSERT_TRUE(solver.prepare(g, d, shift));
    for (const int n : {0, 1, 3, 8, 20}) {
      for (const float scale : {1.0f, 30.0f}) {  // 30: confidences around 900
        const Eigen::MatrixXf h = random_matrix(rng, d, n, scale);
        const Eigen::VectorXf b = random_matrix(rng, d, 1, 5.0f);
        Eigen::VectorXf x(d);
        ASSERT_TRUE(solver.solve(h, n, b, x));
        const Eigen::VectorXd expected = dense_solution(g, d, shift, h, b);
        EXPECT_LE((x.cast<double>() - expected).norm(), 2e-5 * (1.0 + expected.norm()))
            << "shift " << shift << " n " << n << " scale " << scale;
      }
    }
  }
}

// The shared factor's inverse (L^-1, formed once per shift) against a backward-stable float
// Cholesky of the formed system, at a factor size of ours (d = 64) and a Gram matrix with
// eigenvalues from 1e4 down to 1e-2, the shift 1e-2: A0's condition number is about 5e5. Both
// lose digits to the conditioning; the inverse must not lose many more.
TEST(LowRankSolve, IllConditionedAtK64AsAccurateAsAFloatCholesky) {
  std::mt19937 rng(17);
  const int d = 64;
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(random_matrix(rng, d + 1, d + 1).cast<double>());
  const Eigen::MatrixXd q = qr.householderQ();
  Eigen::VectorXd spectrum(d + 1);
  for (int i = 0; i <= d; ++i) spectrum(i) = 1e4 * std::pow(10.0, -6.0 * i / d);
  const Eigen::MatrixXf g = (q * spectrum.asDiagonal() * q.transpose()).cast<float>();
  const float shift = 1e-2f;
  LowRankUpdateSolver solver;
  ASSERT_TRUE(solver.prepare(g, d, shift));
  double worst = 0, worst_reference = 0;
  for (int trial = 0; trial < 6; ++trial) {
    for (const int n : {3, 20, 50}) {
      const Eigen::MatrixXf h = random_matrix(rng, d, n);
      const Eigen::VectorXf b = random_matrix(rng, d, 1, 5.0f);
      const Eigen::VectorXd expected = dense_solution(g, d, shift, h, b);
      Eigen::VectorXf x(d);
      ASSERT_TRUE(solver.solve(h, n, b, x));
      Eigen::MatrixXf a = g.topLeftCorner(d, d);
      a.diagonal().array() += shift;
      a += h * h.transpose();
      const Eigen::VectorXf reference = a.llt().solve(b);
      worst = std::max(worst, (x.cast<double>() - expected).norm() / expected.norm());
      worst_reference =
          std::max(worst_reference, (reference.cast<double>() - expected).norm() / expected.norm());
    }
  }
  EXPECT_LE(worst, 4 * worst_reference + 1e-5)
      << "L^-1 form " << worst << ", float Cholesky " << worst_reference;
}

TEST(LowRankSolve, RefusesNonFiniteObservations) {
  std::mt19937 rng(3);
  const int d = 6;
  const Eigen::MatrixXf g = gram(random_matrix(rng, 30, d + 1));
  LowRankUpdateSolver solver;
  ASSERT_TRUE(solver.prepare(g, d, 0.5f));
  Eigen::MatrixXf h = random_matrix(rng, d, 2);
  h(0, 1) = std::numeric_limits<float>::infinity();
  Eigen::VectorXf x(d);
  EXPECT_FALSE(solver.solve(h, 2, Eigen::VectorXf::Ones(d), x));
}

TEST(LowRankSolve, SystemIsTheOneBuildNormalEquationsForms) {
  std::mt19937 rng(5);
  const int k = 7;
  AlsParams params;
  params.factors = k;
  params.alpha = 12.0f;
  params.lambda = 0.2f;
  const Matrix other = random_matrix(rng, 40, k + 1);
  const Eigen::MatrixXf g = gram(other);
  const std::vector<std::int32_t> index = {3, 17, 29, 8};
  const std::vector<float> value = {1.0f, 4.0f, 0.5f, 2.0f};
  const Eigen::VectorXf prior = random_matrix(rng, k, 1);
  const float fixed = 1.0f, weight = 0.7f;
  for (const int d : {k, k + 1}) {  // a user row (one fixed coordinate) and an item row
    const float* fixed_coords = d == k ? &fixed : nullptr;
    Eigen::MatrixXf A, h;
    Eigen::VectorXf b, b_low_rank;
    build_normal_equations(params, d, other, g, fixed_coords, index.data(), value.data(), 4,
                           d == k ? weight : 0.0f, d == k ? prior.data() : nullptr, A, b);
    float shift = 0;
    build_low_rank_system(params, d, other, g, fixed_coords, index.data(), value.data(), 4,
                          d == k ? weight : 0.0f, d == k ? prior.data() : nullptr, h, b_low_rank,
                          shift);
    Eigen::MatrixXf rebuilt = g.topLeftCorner(d, d) + h.leftCols(4) * h.leftCols(4).transpose();
    rebuilt.diagonal().array() += shift;
    EXPECT_LE((rebuilt - A).cwiseAbs().maxCoeff(), 1e-4f * A.cwiseAbs().maxCoeff()) << "d " << d;
    EXPECT_EQ(b_low_rank, b) << "d " << d;
    EXPECT_FLOAT_EQ(shift, params.lambda + (d == k ? weight : 0.0f));
  }
}

}  // namespace
}  // namespace sceneals::solver
