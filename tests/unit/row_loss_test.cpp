// data_loss against a brute-force double loop over every (row, other row) pair, plus a tiny
// hand-computed table.
#include "solver/row_loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "solver/gram.h"

namespace sceneals::solver {
namespace {

/// A block of target rows with CSR observations; some rows have none.
struct Block {
  Matrix other;
  Matrix targets;
  std::vector<std::int64_t> offsets{0};
  std::vector<std::int32_t> index;
  std::vector<float> value;
  SparseRows rows() const { return {offsets.data(), index.data(), value.data(), targets.rows()}; }
};

/// k factors, `rows` target rows against `others` other rows.
Block random_block(unsigned seed, int k = 5, Eigen::Index rows = 12, std::int32_t others = 30) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::uniform_real_distribution<float> positive(0.5f, 5.0f);
  std::bernoulli_distribution observed(0.2);
  Block block;
  block.other = Matrix::NullaryExpr(others, k + 1, [&] { return unit(rng); });
  block.targets = Matrix::NullaryExpr(rows, k + 1, [&] { return unit(rng); });
  for (Eigen::Index r = 0; r < block.targets.rows(); ++r) {
    for (std::int32_t j = 0; j < others; ++j) {
      if (r % 4 == 3 || !observed(rng)) continue;  // every 4th row stays empty
      block.index.push_back(j);
      block.value.push_back(positive(rng));
    }
    block.offsets.push_back(static_cast<std::int64_t>(block.index.size()));
  }
  return block;
}

/// Every (row, other row) pair, in double, straight from the model's definition.
double brute_force_loss(const AlsParams& params, const Block& block) {
  double total = 0.0;
  for (Eigen::Index r = 0; r < block.targets.rows(); ++r) {
    for (Eigen::Index j = 0; j < block.other.rows(); ++j) {
      double value = -1.0;  // unobserved
      for (std::int64_t e = block.offsets[r]; e < block.offsets[r + 1]; ++e)
        if (block.index[e] == j) value = block.value[e];
      double s = 0.0;
      for (Eigen::Index c = 0; c < block.other.cols(); ++c)
        s += static_cast<double>(block.targets(r, c)) * block.other(j, c);
      if (params.feedback == Feedback::kExplicit) {
        if (value >= 0) total += (value - s) * (value - s);
      } else if (value >= 0) {
        const double c = params.confidence == ConfidenceKind::kLog
                             ? 1.0 + params.alpha * std::log(1.0 + value / params.epsilon)
                             : 1.0 + params.alpha * value;
        total += c * (1.0 - s) * (1.0 - s);
      } else {
        total += s * s;
      }
    }
  }
  return total;
}

TEST(RowLoss, MatchesBruteForceOverAllPairs) {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    // Seed 5 at the size of a real factor row (k = 64: eight 8-lane passes and a remainder)
    // and over 256 rows (two blocks of the x'Gx product).
    const Block block = seed < 5 ? random_block(seed) : random_block(seed, 64, 300, 200);
    for (const Feedback feedback : {Feedback::kImplicit, Feedback::kExplicit}) {
      for (const ConfidenceKind kind : {ConfidenceKind::kLinear, ConfidenceKind::kLog}) {
        AlsParams params;
        params.alpha = 3.0f;
        params.epsilon = 0.5f;
        params.feedback = feedback;
        params.confidence = kind;
        const double expected = brute_force_loss(params, block);
        const double actual =
            data_loss(params, block.other, gram(block.other), block.rows(), block.targets);
        EXPECT_NEAR(actual, expected, 1e-5 * expected)
            << "seed " << seed << (feedback == Feedback::kImplicit ? " implicit" : " explicit")
            << (kind == ConfidenceKind::kLog ? " log" : " linear");
      }
    }
  }
}

TEST(RowLoss, HandComputedTable) {
  // k = 1. Other rows o_0 = [1, 0], o_1 = [0, 1]; target x = [2, 1]; row 0 observes o_0 with r = 1.
  // Scores: s_0 = 2, s_1 = 1. Implicit linear, alpha = 1: c = 2, loss = 2 (1 - 2)^2 + 1^2 = 3.
  // Explicit: (1 - 2)^2 = 1.
  Matrix other(2, 2);
  other << 1, 0, 0, 1;
  Matrix targets(1, 2);
  targets << 2, 1;
  const std::int64_t offsets[] = {0, 1};
  const std::int32_t index[] = {0};
  const float value[] = {1.0f};
  const SparseRows rows{offsets, index, value, 1};
  AlsParams params;
  params.alpha = 1.0f;
  EXPECT_DOUBLE_EQ(data_loss(params, other, gram(other), rows, targets), 3.0);
  params.feedback = Feedback::kExplicit;
  EXPECT_DOUBLE_EQ(data_loss(params, other, gram(other), rows, targets), 1.0);
  // Log confidence, alpha = 1, eps = 1: c = 1 + log 2.
  params.feedback = Feedback::kImplicit;
  params.confidence = ConfidenceKind::kLog;
  EXPECT_NEAR(data_loss(params, other, gram(other), rows, targets), 1.0 + std::log(2.0) + 1.0,
              1e-6);
}

TEST(RowLoss, EmptyBlockIsZero) {
  const Block block = random_block(9);
  const std::int64_t offsets[] = {0};
  const SparseRows rows{offsets, nullptr, nullptr, 0};
  EXPECT_EQ(data_loss(AlsParams{}, block.other, gram(block.other), rows, Matrix(0, 6)), 0.0);
}

}  // namespace
}  // namespace sceneals::solver
