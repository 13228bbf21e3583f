// solve_rows over a block: the same answers as building and solving every row on its own
// (Cholesky and CG), the fixed coordinate left alone, and rows without observations checked
// against closed forms computed here in double.
#include "solver/solve_block.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <random>
#include <vector>

#include "mpi/error.h"
#include "solver/flop_count.h"
#include "solver/gram.h"
#include "solver/linear_solver.h"
#include "solver/normal_equations.h"

namespace sceneals::solver {
namespace {

constexpr int kFactors = 6;

/// A block of 12 target rows against 25 other rows; rows 3 and 7 have no observations.
struct Block {
  AlsParams params;
  Matrix other;
  Matrix targets;  // the warm start
  std::vector<std::int64_t> offsets{0};
  std::vector<std::int32_t> index;
  std::vector<float> value;
  std::vector<float> weights;
  Matrix priors;
  SparseRows rows() const { return {offsets.data(), index.data(), value.data(), targets.rows()}; }
};

Block make_block(unsigned seed, Feedback feedback, LinearSolverKind solver, bool user_rows) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::uniform_real_distribution<float> positive(0.5f, 5.0f);
  std::bernoulli_distribution observed(0.3);
  Block block;
  block.params.factors = kFactors;
  block.params.alpha = 5.0f;
  block.params.feedback = feedback;
  block.params.solver = solver;
  block.other = Matrix::NullaryExpr(25, kFactors + 1, [&] { return unit(rng); });
  block.targets = Matrix::NullaryExpr(12, kFactors + 1, [&] { return unit(rng); });
  if (user_rows) block.targets.col(kFactors).setOnes();
  for (Eigen::Index r = 0; r < block.targets.rows(); ++r) {
    for (std::int32_t j = 0; j < 25; ++j) {
      if (r == 3 || r == 7 || !observed(rng)) continue;
      block.index.push_back(j);
      block.value.push_back(positive(rng));
    }
    block.offsets.push_back(static_cast<std::int64_t>(block.index.size()));
    // Row 7 keeps w = 0; every other row gets a prior weight.
    block.weights.push_back(r == 7 ? 0.0f : 0.2f * static_cast<float>(r % 4));
  }
  const int d = user_rows ? kFactors : kFactors + 1;
  block.priors = Matrix::NullaryExpr(12, d, [&] { return unit(rng); });
  return block;
}

/// The reference: every row on its own through build_normal_equations and a fresh solve.
Matrix solve_row_by_row(const Block& block, int d, bool with_priors) {
  const Eigen::MatrixXf g = gram(block.other);
  Matrix result = block.targets;
  for (Eigen::Index r = 0; r < result.rows(); ++r) {
    const std::int64_t begin = block.offsets[r];
    const std::int64_t n_obs = block.offsets[r + 1] - begin;
    const float w = with_priors ? block.weights[r] : 0.0f;
    if (block.params.feedback == Feedback::kExplicit && n_obs == 0 && w == 0.0f) {
      result.row(r).head(d).setZero();
      continue;
    }
    Eigen::MatrixXf A;
    Eigen::VectorXf b;
    build_normal_equations(block.params, d, block.other, g,
                           d == kFactors ? &result(r, kFactors) : nullptr,
                           block.index.data() + begin, block.value.data() + begin, n_obs, w,
                           with_priors ? block.priors.row(r).data() : nullptr, A, b);
    Eigen::VectorXf x = result.row(r).head(d).transpose();
    // Rows with few observations are solved exactly whatever the solver (when that is cheaper).
    // Eigen's LLT, independent of the block's own Cholesky (solver/row_cholesky.h).
    if (block.params.solver == LinearSolverKind::kCholesky ||
        uses_low_rank_solve(n_obs, d, block.params))
      x = Eigen::LLT<Eigen::MatrixXf>(A).solve(b);
    else
      solve_conjugate_gradient(A, b, x, block.params.cg_steps);
    result.row(r).head(d) = x.transpose();
  }
  return result;
}

TEST(SolveBlock, EqualsRowByRowBuildAndSolve) {
  for (const Feedback feedback : {Feedback::kImplicit, Feedback::kExplicit}) {
    for (const LinearSolverKind solver :
         {LinearSolverKind::kCholesky, LinearSolverKind::kConjugateGradient}) {
      for (const bool user_rows : {true, false}) {
        for (const bool with_priors : {false, true}) {
          SCOPED_TRACE(std::string(feedback == Feedback::kImplicit ? "implicit" : "explicit") +
                       (solver == LinearSolverKind::kCholesky ? " cholesky" : " cg") +
                       (user_rows ? " users" : " items") + (with_priors ? " priors" : ""));
          const Block block = make_block(5, feedback, solver, user_rows);
          const int d = user_rows ? kFactors : kFactors + 1;
          const Matrix expected = solve_row_by_row(block, d, with_priors);
          Matrix actual = block.targets;
          solve_rows(block.params, d, block.other, gram(block.other), block.rows(),
                     with_priors ? block.weights.data() : nullptr,
                     with_priors ? &block.priors : nullptr, actual);
          EXPECT_LE((actual - expected).cwiseAbs().maxCoeff(), 1e-6f * expected.norm());
          EXPECT_FALSE(actual.isApprox(block.targets)) << "nothing was solved";
          if (user_rows) {
            EXPECT_TRUE(actual.col(kFactors).isOnes(0.0f)) << "fixed 1 changed";
          }
        }
      }
    }
  }
}

TEST(SolveBlock, ManyConjugateGradientStepsReachTheCholeskySolution) {
  for (const Feedback feedback : {Feedback::kImplicit, Feedback::kExplicit}) {
    Block block = make_block(8, feedback, LinearSolverKind::kCholesky, true);
    Matrix exact = block.targets;
    solve_rows(block.params, kFactors, block.other, gram(block.other), block.rows(),
               block.weights.data(), &block.priors, exact);
    block.params.solver = LinearSolverKind::kConjugateGradient;
    block.params.cg_steps = 2 * kFactors;
    Matrix approx = block.targets;
    solve_rows(block.params, kFactors, block.other, gram(block.other), block.rows(),
               block.weights.data(), &block.priors, approx);
    EXPECT_LE((approx - exact).norm(), 1e-3f * exact.norm());
  }
}

TEST(SolveBlock, PriorsReadThroughARowMapEqualTheCopiedPriors) {
  // The user step reads z in place from the shard's table: row r's prior is table row
  // row_of[r]. The reference is the same block with the priors copied out in block order.
  const Block block = make_block(6, Feedback::kImplicit, LinearSolverKind::kCholesky, true);
  const Eigen::Index rows = block.priors.rows();
  Matrix table = Matrix::Constant(3 * rows, block.priors.cols(), 1e3f);  // others: far off
  std::vector<std::int32_t> row_of(static_cast<std::size_t>(rows));
  for (Eigen::Index r = 0; r < rows; ++r) {
    row_of[static_cast<std::size_t>(r)] = static_cast<std::int32_t>(3 * (rows - 1 - r) + 1);
    table.row(row_of[static_cast<std::size_t>(r)]) = block.priors.row(r);
  }
  Matrix copied = block.targets, mapped = block.targets;
  solve_rows(block.params, kFactors, block.other, gram(block.other), block.rows(),
             block.weights.data(), &block.priors, copied);
  solve_rows(block.params, kFactors, block.other, gram(block.other), block.rows(),
             block.weights.data(), PriorRows(&table, row_of.data()), mapped);
  EXPECT_TRUE(mapped == copied);
  const Matrix expected = solve_row_by_row(block, kFactors, true);
  EXPECT_LE((mapped - expected).cwiseAbs().maxCoeff(), 1e-6f * expected.norm());
}

TEST(SolveBlock, RowsWithoutObservations) {
  // Implicit, w = 0: only the weak zeros and lambda. With the fixed 1 the offsets are the item
  // biases, so v = -(G_kk + lambda I)^-1 G[0,k),k computed here in double.
  Block block = make_block(3, Feedback::kImplicit, LinearSolverKind::kCholesky, true);
  Matrix solved = block.targets;
  solve_rows(block.params, kFactors, block.other, gram(block.other), block.rows(),
             block.weights.data(), &block.priors, solved);
  const Eigen::MatrixXd o = block.other.cast<double>();
  const Eigen::MatrixXd G = o.transpose() * o;
  const Eigen::MatrixXd A = G.topLeftCorner(kFactors, kFactors) +
                            block.params.lambda * Eigen::MatrixXd::Identity(kFactors, kFactors);
  const Eigen::VectorXd expected = A.ldlt().solve(-G.col(kFactors).head(kFactors));
  EXPECT_LT((solved.row(7).head(kFactors).transpose().cast<double>() - expected).norm(),
            1e-4 * expected.norm());

  // Explicit: w = 0 gives 0; w > 0 gives exactly the prior (A = w I, b = w z).
  block.params.feedback = Feedback::kExplicit;
  solved = block.targets;
  solve_rows(block.params, kFactors, block.other, gram(block.other), block.rows(),
             block.weights.data(), &block.priors, solved);
  EXPECT_TRUE(solved.row(7).head(kFactors).isZero(0.0f));
  ASSERT_GT(block.weights[3], 0.0f);
  EXPECT_LT((solved.row(3).head(kFactors) - block.priors.row(3)).norm(), 1e-6f);
}

TEST(SolveBlock, RejectsMismatchedShapes) {
  const Block block = make_block(1, Feedback::kImplicit, LinearSolverKind::kCholesky, true);
  Matrix wrong_width(12, kFactors);
  EXPECT_THROW(solve_rows(block.params, kFactors, block.other, gram(block.other), block.rows(),
                          nullptr, nullptr, wrong_width),
               InternalError);
  Matrix targets = block.targets;
  EXPECT_THROW(solve_rows(block.params, kFactors - 1, block.other, gram(block.other), block.rows(),
                          nullptr, nullptr, targets),
               InternalError);
  const Matrix wrong_priors(12, kFactors + 1);
  EXPECT_THROW(solve_rows(block.params, kFactors, block.other, gram(block.other), block.rows(),
                          block.weights.data(), &wrong_priors, targets),
               InternalError);
}

}  // namespace
}  // namespace sceneals::solver
