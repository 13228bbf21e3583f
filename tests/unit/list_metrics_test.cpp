// Diversity and novelty of top-K lists against a brute-force reference: every pair of the
// list's items compared by an explicitly computed cosine in double, every item's share taken
// from the counts directly, at several K, with zero vectors (items without a direction) mixed in.
#include "eval/list_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace sceneals::eval {
namespace {

double cosine(const solver::Matrix& v, Eigen::Index a, Eigen::Index b) {
  double dot = 0, na = 0, nb = 0;
  for (Eigen::Index c = 0; c < v.cols(); ++c) {
    dot += static_cast<double>(v(a, c)) * v(b, c);
    na += static_cast<double>(v(a, c)) * v(a, c);
    nb += static_cast<double>(v(b, c)) * v(b, c);
  }
  return dot / std::sqrt(na * nb);
}

TEST(ListMetrics, NoveltyBitsAreMinusLog2OfTheAddOneShare) {
  // Counts 3, 1, 0 of 4 served items: total 4 + 4 = 8; shares 4/8, 2/8, 1/8, 1/8.
  const std::vector<double> bits = novelty_bits({3, 1, 0, 0}, 4);
  ASSERT_EQ(bits.size(), 4u);
  EXPECT_DOUBLE_EQ(bits[0], 1.0);
  EXPECT_DOUBLE_EQ(bits[1], 2.0);
  EXPECT_DOUBLE_EQ(bits[2], 3.0);
  EXPECT_DOUBLE_EQ(bits[3], 3.0);
}

TEST(ListMetrics, MatchBruteForceAtEveryK) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  for (int trial = 0; trial < 20; ++trial) {
    const int items = 30, dims = 1 + trial % 5;
    solver::Matrix vectors(items, dims);
    for (Eigen::Index i = 0; i < items; ++i)
      for (Eigen::Index c = 0; c < dims; ++c)
        vectors(i, c) = normal(rng) * static_cast<float>(1 + i % 3);
    vectors.row(trial % items).setZero();  // an item without a direction
    std::vector<float> counts(items);
    for (float& c : counts) c = static_cast<float>(rng() % 50);
    std::vector<std::int32_t> ranked(static_cast<std::size_t>(items));
    for (int i = 0; i < items; ++i) ranked[static_cast<std::size_t>(i)] = i;
    std::shuffle(ranked.begin(), ranked.end(), rng);
    ranked.resize(static_cast<std::size_t>(5 + trial % 10));
    const std::vector<int> ks = {1, 3, 10, 20};

    std::vector<ListMetrics> got;
    list_metrics(ranked, unit_rows(vectors), novelty_bits(counts, items + 5), ks, got);
    double total = items + 5;
    for (float c : counts) total += c;
    for (std::size_t k = 0; k < ks.size(); ++k) {
      const std::size_t cut = std::min(ranked.size(), static_cast<std::size_t>(ks[k]));
      double distance = 0, pairs = 0, bits = 0;
      for (std::size_t a = 0; a < cut; ++a) {
        bits += -std::log2((counts[static_cast<std::size_t>(ranked[a])] + 1.0) / total);
        for (std::size_t b = a + 1; b < cut; ++b) {
          if (vectors.row(ranked[a]).norm() == 0 || vectors.row(ranked[b]).norm() == 0) continue;
          distance += 1 - cosine(vectors, ranked[a], ranked[b]);
          pairs += 1;
        }
      }
      EXPECT_NEAR(got[k].diversity, pairs > 0 ? distance / pairs : 0.0, 1e-5)
          << "trial " << trial << " K " << ks[k];
      EXPECT_NEAR(got[k].novelty, bits / static_cast<double>(cut), 1e-12)
          << "trial " << trial << " K " << ks[k];
    }
  }
}

TEST(ListMetrics, IdenticalItemsHaveNoDiversityAndOppositeOnesTwo) {
  solver::Matrix v(3, 2);
  v << 1, 0, 2, 0, -1, 0;
  std::vector<ListMetrics> got;
  list_metrics({0, 1}, unit_rows(v), {0, 0, 0}, {2}, got);
  EXPECT_NEAR(got[0].diversity, 0.0, 1e-7);
  list_metrics({0, 2}, unit_rows(v), {0, 0, 0}, {2}, got);
  EXPECT_NEAR(got[0].diversity, 2.0, 1e-7);
  list_metrics({}, unit_rows(v), {0, 0, 0}, {2}, got);  // an empty list
  EXPECT_EQ(got[0].diversity, 0.0);
  EXPECT_EQ(got[0].novelty, 0.0);
}

}  // namespace
}  // namespace sceneals::eval
