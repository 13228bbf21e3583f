// Per-row normal equations: build_normal_equations + solve_cholesky against an independent dense
// weighted least-squares solve in double (sqrt(c_j)-weighted design rows for every other row j,
// plus sqrt(reg) I and sqrt(w) I rows), and the brute-force objective at the solution against
// random perturbations. Also the Gram matrix against a dense product.
#include "solver/normal_equations.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "solver/gram.h"
#include "solver/linear_solver.h"
#include "solver/row_cholesky.h"

namespace sceneals::solver {
namespace {

/// One target row's problem: the other side's table, the observations and the prior.
struct Problem {
  AlsParams params;
  int d = 0;
  Matrix other;
  std::vector<float> fixed;  // the target row's fixed tail (empty for d = k + 1)
  std::vector<std::int32_t> index;
  std::vector<float> value;
  float weight = 0.0f;
  std::vector<float> prior;  // z, d values (empty when weight = 0)
};

Problem make_problem(unsigned seed, bool item_row, Feedback feedback, ConfidenceKind kind,
                     bool with_prior) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  Problem problem;
  const int k = 4 + static_cast<int>(seed % 5);          // 4..8
  const int n_other = 20 + static_cast<int>(seed % 11);  // 20..30
  problem.params.factors = k;
  problem.params.lambda = 0.1f + 0.05f * static_cast<float>(seed % 3);
  problem.params.alpha = 4.0f;
  problem.params.epsilon = 0.5f;
  problem.params.confidence = kind;
  problem.params.feedback = feedback;
  problem.d = item_row ? k + 1 : k;
  problem.other = Matrix::NullaryExpr(n_other, k + 1, [&] { return unit(rng); });
  if (!item_row) problem.fixed = {1.0f + 0.5f * unit(rng)};  // generic, not only the usual 1

  std::vector<std::int32_t> all(static_cast<std::size_t>(n_other));
  std::iota(all.begin(), all.end(), 0);
  std::shuffle(all.begin(), all.end(), rng);
  // Explicit rows need enough ratings to be interesting; implicit rows see a few positives.
  const std::size_t n_obs = feedback == Feedback::kExplicit ? 10 : 3 + seed % 4;
  problem.index.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n_obs));
  std::uniform_real_distribution<float> positive(0.5f, 5.0f);
  for (std::size_t e = 0; e < n_obs; ++e) problem.value.push_back(positive(rng));
  if (with_prior) {
    problem.weight = 0.7f;
    for (int c = 0; c < problem.d; ++c) problem.prior.push_back(unit(rng));
  }
  return problem;
}

/// Observed value of other row j, or a negative number when j is unobserved.
double observed_value(const Problem& problem, Eigen::Index j) {
  for (std::size_t e = 0; e < problem.index.size(); ++e)
    if (problem.index[e] == j) return problem.value[e];
  return -1.0;
}

double reference_confidence(const Problem& problem, double r) {
  const AlsParams& p = problem.params;
  return p.confidence == ConfidenceKind::kLog ? 1.0 + p.alpha * std::log(1.0 + r / p.epsilon)
                                              : 1.0 + p.alpha * r;
}

/// t_j in double: the other row's tail against the target row's fixed coordinates.
double offset(const Problem& problem, Eigen::Index j) {
  double t = 0.0;
  for (std::size_t c = 0; c < problem.fixed.size(); ++c)
    t += static_cast<double>(problem.other(j, problem.d + static_cast<Eigen::Index>(c))) *
         problem.fixed[c];
  return t;
}

double regularisation(const Problem& problem) {
  if (problem.params.feedback == Feedback::kImplicit) return problem.params.lambda;
  return problem.params.lambda * static_cast<double>(problem.index.size());
}

/// The objective straight from the model formula, in double.
double objective(const Problem& problem, const Eigen::VectorXd& v) {
  const bool implicit = problem.params.feedback == Feedback::kImplicit;
  double total = 0.0;
  for (Eigen::Index j = 0; j < problem.other.rows(); ++j) {
    const double r = observed_value(problem, j);
    if (!implicit && r < 0) continue;
    double s = offset(problem, j);
    for (int c = 0; c < problem.d; ++c) s += problem.other(j, c) * v(c);
    const double target = implicit ? (r < 0 ? 0.0 : 1.0) : r;
    const double weight = implicit && r >= 0 ? reference_confidence(problem, r) : 1.0;
    total += weight * (target - s) * (target - s);
  }
  total += regularisation(problem) * v.squaredNorm();
  for (int c = 0; c < problem.d && problem.weight != 0.0f; ++c)
    total += problem.weight * (v(c) - problem.prior[c]) * (v(c) - problem.prior[c]);
  return total;
}

/// Dense weighted least squares in double: stack sqrt(weight) * [f_j | target - t_j] for every
/// row j that enters the objective, then sqrt(reg) [I | 0] and sqrt(w) [I | z]; solve by QR.
Eigen::VectorXd reference_solution(const Problem& problem) {
  const bool implicit = problem.params.feedback == Feedback::kImplicit;
  const int d = problem.d;
  std::vector<Eigen::VectorXd> design;
  std::vector<double> rhs;
  for (Eigen::Index j = 0; j < problem.other.rows(); ++j) {
    const double r = observed_value(problem, j);
    if (!implicit && r < 0) continue;
    const double root = std::sqrt(implicit && r >= 0 ? reference_confidence(problem, r) : 1.0);
    const double target = implicit ? (r < 0 ? 0.0 : 1.0) : r;
    design.push_back(root * problem.other.row(j).head(d).transpose().cast<double>());
    rhs.push_back(root * (target - offset(problem, j)));
  }
  for (int c = 0; c < d; ++c) {
    design.push_back(std::sqrt(regularisation(problem)) * Eigen::VectorXd::Unit(d, c));
    rhs.push_back(0.0);
    if (problem.weight != 0.0f) {
      design.push_back(std::sqrt(double{problem.weight}) * Eigen::VectorXd::Unit(d, c));
      rhs.push_back(std::sqrt(double{problem.weight}) * problem.prior[c]);
    }
  }
  Eigen::MatrixXd D(static_cast<Eigen::Index>(design.size()), d);
  Eigen::VectorXd y(static_cast<Eigen::Index>(rhs.size()));
  for (std::size_t row = 0; row < design.size(); ++row) {
    D.row(static_cast<Eigen::Index>(row)) = design[row].transpose();
    y(static_cast<Eigen::Index>(row)) = rhs[row];
  }
  return D.colPivHouseholderQr().solve(y);
}

Eigen::VectorXd solve_with_kernels(const Problem& problem) {
  const Eigen::MatrixXf g = gram(problem.other);
  Eigen::MatrixXf A;
  Eigen::VectorXf b;
  build_normal_equations(problem.params, problem.d, problem.other, g,
                         problem.fixed.empty() ? nullptr : problem.fixed.data(),
                         problem.index.data(), problem.value.data(),
                         static_cast<std::int64_t>(problem.index.size()), problem.weight,
                         problem.prior.empty() ? nullptr : problem.prior.data(), A, b);
  EXPECT_EQ(A.rows(), problem.d);
  EXPECT_TRUE(A.isApprox(A.transpose(), 0.0f)) << "A must be exactly symmetric";
  Eigen::VectorXf x = Eigen::VectorXf::Zero(problem.d);
  solve_cholesky(A, b, x);
  return x.cast<double>();
}

std::string describe(unsigned seed, bool item_row, Feedback feedback, ConfidenceKind kind,
                     bool with_prior) {
  return "seed " + std::to_string(seed) + (item_row ? " item row" : " user row") +
         (feedback == Feedback::kImplicit
              ? (kind == ConfidenceKind::kLog ? " implicit log" : " implicit linear")
              : " explicit") +
         (with_prior ? " with prior" : " no prior");
}

/// Every combination of row kind, feedback/confidence mode and prior, on several random draws.
template <typename Check>
void for_each_case(Check check) {
  const std::pair<Feedback, ConfidenceKind> modes[] = {
      {Feedback::kImplicit, ConfidenceKind::kLinear},
      {Feedback::kImplicit, ConfidenceKind::kLog},
      {Feedback::kExplicit, ConfidenceKind::kLinear}};
  for (unsigned seed = 1; seed <= 6; ++seed)
    for (const bool item_row : {false, true})
      for (const auto& [feedback, kind] : modes)
        for (const bool with_prior : {false, true}) {
          SCOPED_TRACE(describe(seed, item_row, feedback, kind, with_prior));
          check(make_problem(seed, item_row, feedback, kind, with_prior));
        }
}

TEST(Gram, MatchesDenseProductAndIsSymmetric) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  const Matrix other = Matrix::NullaryExpr(37, 6, [&] { return unit(rng); });
  const Eigen::MatrixXf g = gram(other);
  const Eigen::MatrixXd expected = other.cast<double>().transpose() * other.cast<double>();
  ASSERT_EQ(g.rows(), 6);
  ASSERT_EQ(g.cols(), 6);
  EXPECT_LT((g.cast<double>() - expected).norm(), 1e-5 * expected.norm());
  EXPECT_TRUE(g.isApprox(g.transpose(), 0.0f));
  EXPECT_TRUE(gram(Matrix(0, 3)).isZero(0.0f));
}

TEST(NormalEquations, CholeskySolutionMatchesDenseWeightedLeastSquares) {
  for_each_case([](const Problem& problem) {
    const Eigen::VectorXd expected = reference_solution(problem);
    const Eigen::VectorXd actual = solve_with_kernels(problem);
    EXPECT_LT((actual - expected).norm(), 1e-4 * std::max(expected.norm(), 1e-2))
        << "kernels: " << actual.transpose() << "\nreference: " << expected.transpose();
  });
}

TEST(NormalEquations, SolutionMinimisesTheBruteForceObjective) {
  std::mt19937 rng(11);
  std::normal_distribution<double> gauss(0.0, 1.0);
  for_each_case([&](const Problem& problem) {
    const Eigen::VectorXd solution = solve_with_kernels(problem);
    const double best = objective(problem, solution);
    for (const double size : {1e-2, 1e-1, 1.0}) {
      for (int trial = 0; trial < 5; ++trial) {
        Eigen::VectorXd step = Eigen::VectorXd::NullaryExpr(problem.d, [&] { return gauss(rng); });
        step *= size / step.norm();
        EXPECT_LE(best, objective(problem, solution + step)) << "step size " << size;
      }
    }
  });
}

TEST(NormalEquations, ObservationsPullThePredictionTowardsTheirTarget) {
  // Sanity on the direction of the terms: more confidence in one positive raises its score.
  Problem low = make_problem(3, false, Feedback::kImplicit, ConfidenceKind::kLinear, false);
  Problem high = low;
  high.params.alpha = 40.0f;
  const Eigen::Index j = low.index[0];
  const auto score = [&](const Problem& problem) {
    const Eigen::VectorXd v = solve_with_kernels(problem);
    return problem.other.row(j).head(problem.d).cast<double>().dot(v.transpose()) +
           offset(problem, j);
  };
  EXPECT_GT(score(high), score(low));
  EXPECT_LT(std::abs(1.0 - score(high)), std::abs(1.0 - score(low)));
}

TEST(NormalEquations, ReusesCallerWorkspaces) {
  const Problem problem =
      make_problem(2, true, Feedback::kImplicit, ConfidenceKind::kLinear, false);
  const Eigen::MatrixXf g = gram(problem.other);
  Eigen::MatrixXf A(problem.d, problem.d);
  Eigen::VectorXf b(problem.d);
  const float* a_storage = A.data();
  const float* b_storage = b.data();
  for (int repeat = 0; repeat < 2; ++repeat)
    build_normal_equations(problem.params, problem.d, problem.other, g, nullptr,
                           problem.index.data(), problem.value.data(),
                           static_cast<std::int64_t>(problem.index.size()), 0.0f, nullptr, A, b);
  EXPECT_EQ(A.data(), a_storage);
  EXPECT_EQ(b.data(), b_storage);
}

TEST(NormalEquations, LowerTriangleAloneSolvesToTheDenseReference) {
  // What solve_rows does: the lower triangle only, factored by the row Cholesky. The strict upper
  // triangle is overwritten with NaN to show that nothing reads it.
  for_each_case([](const Problem& problem) {
    const Eigen::MatrixXf g = gram(problem.other);
    const float* fixed = problem.fixed.empty() ? nullptr : problem.fixed.data();
    const float* prior = problem.prior.empty() ? nullptr : problem.prior.data();
    Eigen::MatrixXf A;
    Eigen::VectorXf b;
    build_lower_normal_equations(problem.params, problem.d, problem.other, g, fixed,
                                 problem.index.data(), problem.value.data(),
                                 static_cast<std::int64_t>(problem.index.size()), problem.weight,
                                 prior, A, b);
    A.triangularView<Eigen::StrictlyUpper>().setConstant(std::numeric_limits<float>::quiet_NaN());
    ASSERT_TRUE(cholesky_factor_lower(A));
    Eigen::VectorXf x = b;
    cholesky_solve_lower(A, x);
    const Eigen::VectorXd expected = reference_solution(problem);
    EXPECT_LT((x.cast<double>() - expected).norm(), 1e-3 * (1 + expected.norm()));
  });
}

TEST(RowOperator, ProductsEqualTheFormedMatrixAndSolvesAgree) {
  // The operator conjugate gradient uses must be the A that build_normal_equations forms, with
  // the same b; then enough CG steps reach the dense reference solution.
  for_each_case([](const Problem& problem) {
    const Eigen::MatrixXf g = gram(problem.other);
    const float* fixed = problem.fixed.empty() ? nullptr : problem.fixed.data();
    const float* prior = problem.prior.empty() ? nullptr : problem.prior.data();
    const auto n_obs = static_cast<std::int64_t>(problem.index.size());
    Eigen::MatrixXf A;
    Eigen::VectorXf b, b_operator, product;
    build_normal_equations(problem.params, problem.d, problem.other, g, fixed, problem.index.data(),
                           problem.value.data(), n_obs, problem.weight, prior, A, b);
    RowOperator op;
    build_row_operator(problem.params, problem.d, problem.other, g, fixed, problem.index.data(),
                       problem.value.data(), n_obs, problem.weight, prior, op, b_operator);
    EXPECT_LT((b_operator - b).norm(), 1e-5f * (1 + b.norm()));
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
    for (int trial = 0; trial < 3; ++trial) {
      const Eigen::VectorXf v = Eigen::VectorXf::NullaryExpr(problem.d, [&] { return unit(rng); });
      op.apply(v, product);
      EXPECT_LT((product - A * v).norm(), 1e-4f * (1 + (A * v).norm()));
    }
    Eigen::VectorXf x = Eigen::VectorXf::Zero(problem.d);
    SolverWorkspace workspace;
    conjugate_gradient_steps([&op](const Eigen::Ref<const Eigen::VectorXf>& v,
                                   Eigen::VectorXf& out) { op.apply(v, out); },
                             b_operator, x, 4 * problem.d, workspace);
    const Eigen::VectorXd expected = reference_solution(problem);
    EXPECT_LT((x.cast<double>() - expected).norm(), 1e-3 * (1 + expected.norm()));
  });
}

}  // namespace
}  // namespace sceneals::solver
