// Per-row solvers: LLT against a double-precision residual check, warm-started CG against LLT
// (the reference), CG's step-by-step descent of the quadratic, early stopping, and the errors on
// systems that are not positive definite.
#include "solver/linear_solver.h"

#include <gtest/gtest.h>

#include <random>

#include "mpi/error.h"

namespace sceneals::solver {
namespace {

/// A random symmetric positive definite d x d system with a moderate condition number, the
/// shape ALS rows have (a Gram part plus a ridge).
struct System {
  Eigen::MatrixXf A;
  Eigen::VectorXf b;
};

System random_system(int d, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  const Eigen::MatrixXf m = Eigen::MatrixXf::NullaryExpr(d, 2 * d, [&] { return unit(rng); });
  System system;
  system.A = m * m.transpose() + 0.5f * Eigen::MatrixXf::Identity(d, d);
  system.b = Eigen::VectorXf::NullaryExpr(d, [&] { return unit(rng); });
  return system;
}

/// f(x) = x'Ax/2 - b'x in double: the quadratic CG minimises.
double quadratic(const System& system, const Eigen::VectorXf& x) {
  const Eigen::VectorXd xd = x.cast<double>();
  return 0.5 * xd.dot(system.A.cast<double>() * xd) - system.b.cast<double>().dot(xd);
}

TEST(LinearSolver, CholeskySolvesTheSystem) {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const System system = random_system(6 + static_cast<int>(seed), seed);
    Eigen::VectorXf x = Eigen::VectorXf::Zero(system.b.size());
    solve_cholesky(system.A, system.b, x);
    const Eigen::VectorXd residual =
        system.A.cast<double>() * x.cast<double>() - system.b.cast<double>();
    EXPECT_LT(residual.norm(), 1e-5 * system.b.cast<double>().norm()) << "seed " << seed;
  }
}

TEST(LinearSolver, ConjugateGradientWithDStepsMatchesCholesky) {
  for (unsigned seed = 1; seed <= 8; ++seed) {
    const int d = 4 + static_cast<int>(seed);
    const System system = random_system(d, seed);
    Eigen::VectorXf exact(d);
    solve_cholesky(system.A, system.b, exact);
    // From zero and from an arbitrary warm start.
    for (const float start : {0.0f, 0.3f}) {
      Eigen::VectorXf x = Eigen::VectorXf::Constant(d, start);
      solve_conjugate_gradient(system.A, system.b, x, d);
      EXPECT_LT((x - exact).norm(), 1e-4f * exact.norm()) << "seed " << seed << " start " << start;
    }
  }
}

TEST(LinearSolver, WarmConjugateGradientStepsDecreaseTheQuadraticMonotonically) {
  for (unsigned seed = 1; seed <= 8; ++seed) {
    const int d = 10;
    const System system = random_system(d, seed);
    Eigen::VectorXf exact(d);
    solve_cholesky(system.A, system.b, exact);
    // A warm start near the solution, as last half-step's factor is.
    std::mt19937 rng(seed + 100);
    std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
    const Eigen::VectorXf warm =
        exact + 0.2f * Eigen::VectorXf::NullaryExpr(d, [&] { return unit(rng); });
    // CG is deterministic, so s steps from the same start are the first s steps of a longer run.
    double previous = quadratic(system, warm);
    const double first = previous;
    for (int steps = 1; steps <= 3; ++steps) {
      Eigen::VectorXf x = warm;
      solve_conjugate_gradient(system.A, system.b, x, steps);
      const double value = quadratic(system, x);
      EXPECT_LT(value, previous) << "seed " << seed << " step " << steps;
      EXPECT_GE(value, quadratic(system, exact) - 1e-6) << "below the minimum?";
      previous = value;
    }
    // Three steps must close most of the gap to the optimum (not merely not increase).
    EXPECT_LT(previous - quadratic(system, exact), 0.5 * (first - quadratic(system, exact)));
  }
}

TEST(LinearSolver, ConjugateGradientStopsAtAnExactSolution) {
  // Diagonal system with an exactly representable solution: the residual is exactly zero, and
  // further steps must leave x alone (no 0/0).
  Eigen::MatrixXf A = Eigen::Vector3f(2.0f, 4.0f, 8.0f).asDiagonal();
  const Eigen::VectorXf b = Eigen::Vector3f(1.0f, 1.0f, 1.0f);
  Eigen::VectorXf x = Eigen::Vector3f(0.5f, 0.25f, 0.125f);
  solve_conjugate_gradient(A, b, x, 10);
  EXPECT_EQ(x, Eigen::VectorXf(Eigen::Vector3f(0.5f, 0.25f, 0.125f)));
  // b = 0 from x = 0: stays 0.
  Eigen::VectorXf zero = Eigen::VectorXf::Zero(3);
  solve_conjugate_gradient(A, Eigen::VectorXf::Zero(3), zero, 3);
  EXPECT_TRUE(zero.isZero(0.0f));
}

TEST(LinearSolver, ZeroStepsLeaveTheWarmStart) {
  const System system = random_system(5, 3);
  Eigen::VectorXf x = Eigen::VectorXf::Constant(5, 0.7f);
  solve_conjugate_gradient(system.A, system.b, x, 0);
  EXPECT_EQ(x, Eigen::VectorXf::Constant(5, 0.7f));
}

TEST(LinearSolver, CholeskyThrowsOnMatrixNotPositiveDefinite) {
  const Eigen::MatrixXf indefinite = Eigen::Vector3f(1.0f, -1.0f, 2.0f).asDiagonal();
  Eigen::VectorXf x = Eigen::VectorXf::Zero(3);
  EXPECT_THROW(solve_cholesky(indefinite, Eigen::VectorXf::Ones(3), x), InternalError);
  Eigen::MatrixXf singular = Eigen::MatrixXf::Ones(3, 3);  // rank 1
  singular(2, 2) = 0.0f;
  EXPECT_THROW(solve_cholesky(singular, Eigen::VectorXf::Ones(3), x), InternalError);
}

TEST(LinearSolver, ConjugateGradientThrowsOnNegativeCurvature) {
  const Eigen::MatrixXf indefinite = Eigen::Vector2f(1.0f, -1.0f).asDiagonal();
  Eigen::VectorXf x = Eigen::VectorXf::Zero(2);
  EXPECT_THROW(solve_conjugate_gradient(indefinite, Eigen::Vector2f(0.0f, 1.0f), x, 2),
               InternalError);
}

TEST(LinearSolver, MismatchedShapesThrow) {
  const System system = random_system(4, 1);
  Eigen::VectorXf x = Eigen::VectorXf::Zero(3);
  EXPECT_THROW(solve_cholesky(system.A, system.b, x), InternalError);
  EXPECT_THROW(solve_conjugate_gradient(system.A, system.b, x, 3), InternalError);
}

TEST(LinearSolver, WorkspaceOverloadsGiveTheSameAnswer) {
  SolverWorkspace workspace;
  for (unsigned seed = 1; seed <= 3; ++seed) {
    const System system = random_system(7, seed);
    Eigen::VectorXf plain = Eigen::VectorXf::Zero(7);
    Eigen::VectorXf reused = Eigen::VectorXf::Zero(7);
    solve_cholesky(system.A, system.b, plain);
    solve_cholesky(system.A, system.b, reused, workspace);
    EXPECT_EQ(plain, reused);
    solve_conjugate_gradient(system.A, system.b, plain, 3);
    solve_conjugate_gradient(system.A, system.b, reused, 3, workspace);
    EXPECT_EQ(plain, reused);
  }
}

}  // namespace
}  // namespace sceneals::solver
