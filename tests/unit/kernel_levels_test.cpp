// Every level of the hot kernels this CPU runs (solver/kernel_dispatch.h) against the baseline
// level's results on the same inputs: exact, CG and low-rank solves, implicit and explicit, with
// and without priors; the Gram matrix; the data loss; block scores. The levels sum in other
// orders, so they agree to float rounding, not bit for bit. Also the choice of level from
// SCENEALS_KERNELS's values.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "mpi/error.h"
#include "solver/flop_count.h"
#include "solver/kernel_dispatch.h"

namespace sceneals::solver {
namespace {

/// Rows of a block, each with n_obs observations of `other`; row r's count cycles through
/// `counts`, so the block mixes low-rank rows (few observations) with formed systems.
struct Problem {
  AlsParams params;
  Matrix other, targets, priors;
  std::vector<std::int64_t> offsets{0};
  std::vector<std::int32_t> index;
  std::vector<float> value, weights;
  SparseRows rows() const { return {offsets.data(), index.data(), value.data(), targets.rows()}; }
};

Problem make_problem(int k, Feedback feedback, LinearSolverKind solver, bool user_rows, bool priors,
                     unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-0.5f, 0.5f);
  std::uniform_real_distribution<float> rating(1.0f, 5.0f);
  Problem p;
  p.params.factors = k;
  p.params.alpha = 4.0f;
  p.params.lambda = 0.1f;
  p.params.feedback = feedback;
  p.params.solver = solver;
  p.params.cg_steps = 3;
  const Eigen::Index others = 300, targets = 40;
  p.other = Matrix::NullaryExpr(others, k + 1, [&] { return unit(rng); });
  p.targets = Matrix::NullaryExpr(targets, k + 1, [&] { return unit(rng); });
  if (user_rows) p.targets.col(k).setOnes();
  const int d = user_rows ? k : k + 1;
  const std::int32_t counts[] = {0, 2, 5, 3 * k, 150};
  for (Eigen::Index r = 0; r < targets; ++r) {
    const std::int32_t n = counts[r % 5];
    for (std::int32_t e = 0; e < n; ++e) {
      p.index.push_back(static_cast<std::int32_t>((r * 37 + e * 7) % others));
      p.value.push_back(rating(rng));
    }
    p.offsets.push_back(static_cast<std::int64_t>(p.index.size()));
    p.weights.push_back(priors ? 0.3f : 0.0f);
  }
  p.priors = Matrix::NullaryExpr(targets, d, [&] { return unit(rng); });
  return p;
}

/// max |a - b| / max(1, max |b|).
double relative_difference(const Matrix& a, const Matrix& b) {
  const double scale = std::max(1.0, static_cast<double>(b.cwiseAbs().maxCoeff()));
  return static_cast<double>((a - b).cwiseAbs().maxCoeff()) / scale;
}

std::vector<KernelLevel> levels_above_baseline() {
  std::vector<KernelLevel> out = runnable_kernel_levels();
  out.erase(out.begin());  // the baseline itself
  return out;
}

// That each level's code is its own, compiled for its level, is tests/e2e/kernel_isolation.py's
// check of the linked binary.
TEST(KernelLevels, BaselineComesFirstAndEveryTableNamesItsLevel) {
  const std::vector<KernelLevel> levels = runnable_kernel_levels();
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(levels.front(), KernelLevel::kBaseline);
  for (const KernelLevel level : levels)
    EXPECT_STREQ(kernel_table(level).level, kernel_level_name(level));
}

TEST(KernelLevels, SolvesAgreeWithTheBaseline) {
  if (levels_above_baseline().empty())
    GTEST_SKIP() << "this CPU or build runs the baseline kernels only: nothing to compare";
  const KernelTable& base = kernel_table(KernelLevel::kBaseline);
  for (const KernelLevel level : levels_above_baseline()) {
    const KernelTable& table = kernel_table(level);
    for (const int k : {13, 64})
      for (const Feedback feedback : {Feedback::kImplicit, Feedback::kExplicit})
        for (const LinearSolverKind solver :
             {LinearSolverKind::kCholesky, LinearSolverKind::kConjugateGradient})
          for (const bool user_rows : {true, false})
            for (const bool priors : {false, true}) {
              SCOPED_TRACE(std::string(table.level) + " k=" + std::to_string(k) +
                           (feedback == Feedback::kImplicit ? " implicit" : " explicit") +
                           (solver == LinearSolverKind::kCholesky ? " cholesky" : " cg") +
                           (user_rows ? " users" : " items") + (priors ? " priors" : ""));
              const Problem p = make_problem(k, feedback, solver, user_rows, priors, 7u + k);
              const int d = user_rows ? k : k + 1;
              const Eigen::MatrixXf g = base.gram(p.other);
              Matrix expected = p.targets, got = p.targets;
              base.solve_rows(p.params, d, p.other, g, p.rows(), p.weights.data(), &p.priors,
                              expected);
              table.solve_rows(p.params, d, p.other, g, p.rows(), p.weights.data(), &p.priors, got);
              ASSERT_TRUE(expected.allFinite());
              // Float32 systems of condition up to ~1e3 in other summation orders.
              EXPECT_LT(relative_difference(got, expected), 2e-4);
              // The rows moved: a level that returned the warm start would fail above, but say so.
              EXPECT_GT(relative_difference(expected, p.targets), 1e-2);
            }
  }
}

TEST(KernelLevels, GramLossAndScoresAgreeWithTheBaseline) {
  if (levels_above_baseline().empty())
    GTEST_SKIP() << "this CPU or build runs the baseline kernels only: nothing to compare";
  const KernelTable& base = kernel_table(KernelLevel::kBaseline);
  for (const KernelLevel level : levels_above_baseline()) {
    const KernelTable& table = kernel_table(level);
    SCOPED_TRACE(table.level);
    for (const Feedback feedback : {Feedback::kImplicit, Feedback::kExplicit}) {
      const Problem p = make_problem(64, feedback, LinearSolverKind::kCholesky, true, false, 3u);
      const Eigen::MatrixXf g = base.gram(p.other);
      const Eigen::MatrixXf g_level = table.gram(p.other);
      EXPECT_LT(relative_difference(g_level, g), 1e-5 * static_cast<double>(p.other.rows()));
      // Symmetric, as both triangles are read by the solves.
      EXPECT_EQ(g_level, g_level.transpose());
      const double loss = base.data_loss(p.params, p.other, g, p.rows(), p.targets);
      const double loss_level = table.data_loss(p.params, p.other, g, p.rows(), p.targets);
      EXPECT_NEAR(loss_level, loss, 1e-5 * std::abs(loss));
    }
    const Problem p =
        make_problem(64, Feedback::kImplicit, LinearSolverKind::kCholesky, true, false, 5u);
    const Matrix expected = base.block_scores(p.targets, p.other);
    const Matrix got = table.block_scores(p.targets.middleRows(3, 20), p.other);
    EXPECT_LT(relative_difference(got, expected.middleRows(3, 20)), 1e-5);
    EXPECT_EQ(table.block_scores(p.targets, Matrix(0, 65)).cols(), 0);
    EXPECT_GT(table.gemm_rate(0.0), 0.0);
  }
}

TEST(KernelLevels, ALevelsBrokenInvariantIsThrownAsInternalError) {
  for (const KernelLevel level : runnable_kernel_levels()) {
    const Problem p =
        make_problem(8, Feedback::kImplicit, LinearSolverKind::kCholesky, true, false, 1u);
    Matrix wrong_width(p.targets.rows(), 3);
    const Eigen::MatrixXf g = kernel_table(level).gram(p.other);
    EXPECT_THROW(
        kernel_table(level).solve_rows(p.params, 8, p.other, g, p.rows(), nullptr, {}, wrong_width),
        InternalError)
        << kernel_level_name(level);
  }
}

TEST(KernelLevels, ChoiceFromTheEnvironmentsValue) {
  const std::vector<KernelLevel> runnable = runnable_kernel_levels();
  for (const char* best : {"", "auto"}) {
    const KernelChoice choice = choose_kernel_level(best);
    EXPECT_EQ(choice.level, runnable.back());
    EXPECT_FALSE(choice.forced);
  }
  for (const KernelLevel level : runnable) {
    const KernelChoice choice = choose_kernel_level(kernel_level_name(level));
    EXPECT_EQ(choice.level, level);
    EXPECT_TRUE(choice.forced);
  }
  for (const KernelLevel level : {KernelLevel::kAvx2, KernelLevel::kAvx512}) {
    const std::vector<KernelLevel> compiled = compiled_kernel_levels();
    const bool is_compiled = std::find(compiled.begin(), compiled.end(), level) != compiled.end();
    if (is_compiled && cpu_runs(level)) continue;
    try {  // not built in, or not run by this CPU: refused, saying which
      choose_kernel_level(kernel_level_name(level));
      ADD_FAILURE() << kernel_level_name(level) << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(is_compiled ? "cannot run" : "no kernels"),
                std::string::npos)
          << e.what();
    }
  }
  try {
    choose_kernel_level("avx1024");
    ADD_FAILURE() << "an unknown level was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("SCENEALS_KERNELS=avx1024: unknown level"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(cpu_model_name().empty());
}

}  // namespace
}  // namespace sceneals::solver
