// Fold-in and score explanations against an independent dense computation in double: the user's
// system written out over every item row (A = sum_j c_j y_j y_j' + (lambda + w) I,
// b = sum_j c_j (p_j - b_j) y_j + w z; explicit: observed rows only, lambda n), solved densely.
// The explanation's parts must add up to the folded-in user's score, match the parts computed
// from the dense inverse, and name the past item whose removal from b lowers the score most
// (leave-one-term-out by brute force).
#include "solver/fold_in.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "solver/gram.h"
#include "solver/score_explanation.h"

namespace sceneals::solver {
namespace {

struct Case {
  AlsParams params;
  Matrix items;  // m x (k + 1): [y_j, b_j]
  UserObservations observed;
  float weight = 0;
  std::vector<float> prior;  // k values, or empty
};

Case make_case(unsigned seed, Feedback feedback, ConfidenceKind confidence, bool with_prior) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::uniform_real_distribution<float> positive(0.5f, 4.0f);
  Case c;
  const int k = 3 + static_cast<int>(seed % 5);
  const int m = 25 + static_cast<int>(seed % 9);
  c.params.factors = k;
  c.params.lambda = 0.05f + 0.05f * static_cast<float>(seed % 4);
  c.params.alpha = 3.0f;
  c.params.epsilon = 0.7f;
  c.params.confidence = confidence;
  c.params.feedback = feedback;
  c.params.solver = LinearSolverKind::kConjugateGradient;  // fold-in must solve exactly anyway
  c.items = Matrix::NullaryExpr(m, k + 1, [&] { return unit(rng); });
  c.items.row(m - 1).setZero();  // an item absent from the scene: a zero row
  std::vector<std::int32_t> all(static_cast<std::size_t>(m - 1));
  std::iota(all.begin(), all.end(), 0);
  std::shuffle(all.begin(), all.end(), rng);
  const std::size_t n = feedback == Feedback::kExplicit ? 8 : 3 + seed % 5;
  c.observed.items.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
  for (std::size_t e = 0; e < n; ++e) c.observed.values.push_back(positive(rng));
  if (with_prior) {
    c.weight = 0.6f;
    for (int i = 0; i < k; ++i) c.prior.push_back(unit(rng));
  }
  return c;
}

/// The dense system over every item row, in double, written from the objective.
struct Dense {
  Eigen::MatrixXd A;
  Eigen::VectorXd b;
  std::vector<Eigen::VectorXd> observed_terms;  // per past item: its term of b
};

Dense dense_system(const Case& c) {
  const int k = c.params.factors;
  const bool implicit = c.params.feedback == Feedback::kImplicit;
  Dense d;
  d.A = Eigen::MatrixXd::Zero(k, k);
  d.b = Eigen::VectorXd::Zero(k);
  for (Eigen::Index j = 0; j < c.items.rows(); ++j) {
    const Eigen::VectorXd y = c.items.row(j).head(k).cast<double>().transpose();
    const double bias = c.items(j, k);
    const auto at = std::find(c.observed.items.begin(), c.observed.items.end(), j);
    const bool seen = at != c.observed.items.end();
    const double r =
        seen ? c.observed.values[static_cast<std::size_t>(at - c.observed.items.begin())] : 0.0;
    if (!implicit && !seen) continue;
    double conf = 1.0, target = seen ? 1.0 : 0.0;
    if (implicit && seen)
      conf = c.params.confidence == ConfidenceKind::kLog
                 ? 1.0 + c.params.alpha * std::log(1.0 + r / c.params.epsilon)
                 : 1.0 + c.params.alpha * r;
    if (!implicit) target = r;
    d.A += conf * y * y.transpose();
    d.b += conf * (target - bias) * y;
  }
  const double n = static_cast<double>(c.observed.items.size());
  d.A.diagonal().array() += (implicit ? c.params.lambda : c.params.lambda * n) + c.weight;
  for (std::size_t e = 0; e < c.observed.items.size(); ++e) {
    const Eigen::VectorXd y = c.items.row(c.observed.items[e]).head(k).cast<double>().transpose();
    const double bias = c.items(c.observed.items[e], k);
    const double r = c.observed.values[e];
    const double conf = !implicit ? 1.0
                        : c.params.confidence == ConfidenceKind::kLog
                            ? 1.0 + c.params.alpha * std::log(1.0 + r / c.params.epsilon)
                            : 1.0 + c.params.alpha * r;
    d.observed_terms.push_back(conf * ((implicit ? 1.0 : r) - bias) * y);
  }
  if (c.weight > 0)
    d.b += c.weight * Eigen::Map<const Eigen::VectorXf>(c.prior.data(), k).cast<double>();
  return d;
}

const float* prior_of(const Case& c) { return c.prior.empty() ? nullptr : c.prior.data(); }

struct Variant {
  Feedback feedback;
  ConfidenceKind confidence;
  bool prior;
};
const Variant kVariants[] = {{Feedback::kImplicit, ConfidenceKind::kLinear, false},
                             {Feedback::kImplicit, ConfidenceKind::kLinear, true},
                             {Feedback::kImplicit, ConfidenceKind::kLog, true},
                             {Feedback::kExplicit, ConfidenceKind::kLinear, true}};

TEST(FoldIn, EqualsTheDenseSolveOfTheUserStep) {
  for (const Variant& v : kVariants)
    for (unsigned seed = 1; seed <= 12; ++seed) {
      const Case c = make_case(seed, v.feedback, v.confidence, v.prior);
      const Vector row =
          fold_in_user(c.params, c.items, gram(c.items), c.observed, c.weight, prior_of(c));
      const Dense d = dense_system(c);
      const Eigen::VectorXd expected = d.A.ldlt().solve(d.b);
      const int k = c.params.factors;
      ASSERT_EQ(row.size(), k + 1);
      EXPECT_EQ(row(k), 1.0f);
      for (int i = 0; i < k; ++i)
        EXPECT_NEAR(row(i), expected(i), 1e-4 * (1.0 + std::abs(expected(i))))
            << "seed " << seed << " coordinate " << i;
    }
}

TEST(FoldIn, WithoutObservationsOrPriorGivesTheUnobservedOptimum) {
  Case c = make_case(5, Feedback::kImplicit, ConfidenceKind::kLinear, false);
  c.observed = {};
  const Vector row = fold_in_user(c.params, c.items, gram(c.items), c.observed, 0.0f, nullptr);
  const Dense d = dense_system(c);
  const Eigen::VectorXd expected = d.A.ldlt().solve(d.b);
  for (int i = 0; i < c.params.factors; ++i) EXPECT_NEAR(row(i), expected(i), 1e-4);
}

TEST(ScoreExplanation, PartsAddUpToTheFoldedInScore) {
  for (const Variant& v : kVariants)
    for (unsigned seed = 1; seed <= 12; ++seed) {
      const Case c = make_case(seed, v.feedback, v.confidence, v.prior);
      const Eigen::MatrixXf g = gram(c.items);
      const Vector row = fold_in_user(c.params, c.items, g, c.observed, c.weight, prior_of(c));
      const ScoreExplainer explainer(c.params, c.items, g, c.observed, c.weight, prior_of(c));
      for (Eigen::Index i = 0; i < c.items.rows(); ++i) {
        const ScoreExplanation parts = explainer.explain(c.items.row(i).data());
        const double direct = row.cast<double>().dot(c.items.row(i).cast<double>());
        EXPECT_NEAR(parts.score(), direct, 1e-4 * (1.0 + std::abs(direct)))
            << "seed " << seed << " item " << i;
        ASSERT_EQ(parts.observed.size(), c.observed.items.size());
        EXPECT_EQ(parts.item_bias, static_cast<double>(c.items(i, c.params.factors)));
        if (!v.prior) {
          EXPECT_EQ(parts.prior, 0.0);
        }
        if (v.feedback == Feedback::kExplicit) {
          EXPECT_NEAR(parts.unobserved, 0.0, 1e-12);
        }
      }
    }
}

TEST(ScoreExplanation, PartsEqualTheDenseInverseAndLeaveOneTermOut) {
  for (const Variant& v : kVariants)
    for (unsigned seed = 1; seed <= 12; ++seed) {
      const Case c = make_case(seed, v.feedback, v.confidence, v.prior);
      const int k = c.params.factors;
      const ScoreExplainer explainer(c.params, c.items, gram(c.items), c.observed, c.weight,
                                     prior_of(c));
      const Dense d = dense_system(c);
      const Eigen::MatrixXd W = d.A.inverse();
      for (Eigen::Index i = 0; i < c.items.rows() - 1; ++i) {
        const Eigen::VectorXd y = c.items.row(i).head(k).cast<double>().transpose();
        const double bias = c.items(i, k);
        const double score = y.dot(W * d.b) + bias;
        const ScoreExplanation parts = explainer.explain(c.items.row(i).data());
        // Each past item's part is its term of b seen through W.
        for (std::size_t e = 0; e < parts.observed.size(); ++e) {
          const double expected = y.dot(W * d.observed_terms[e]);
          EXPECT_NEAR(parts.observed[e], expected, 1e-6 * (1.0 + std::abs(expected)));
        }
        // Leave one term out of b, re-solve, and see which removal lowers the score most.
        std::size_t brute_best = 0, best = 0;
        double brute_drop = -1e300;
        for (std::size_t e = 0; e < d.observed_terms.size(); ++e) {
          const double without = y.dot(d.A.ldlt().solve(d.b - d.observed_terms[e])) + bias;
          if (score - without > brute_drop) {
            brute_drop = score - without;
            brute_best = e;
          }
          if (parts.observed[e] > parts.observed[best]) best = e;
        }
        EXPECT_EQ(best, brute_best) << "seed " << seed << " item " << i;
        EXPECT_NEAR(parts.observed[best], brute_drop, 1e-6 * (1.0 + std::abs(brute_drop)));
      }
    }
}

}  // namespace
}  // namespace sceneals::solver
