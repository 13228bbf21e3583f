// Ranking metrics: a hand-computed table (arithmetic in the comments), then a brute-force
// reference written from explicit 0/1 relevance vectors, compared on random lists.
#include "eval/ranking_metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "mpi/error.h"

namespace sceneals::eval {
namespace {

using Indices = std::vector<std::int32_t>;

constexpr double kTol = 1e-12;

void expect_metrics(const RankingMetrics& got, double precision, double recall, double f1,
                    double ndcg, double ap, double hit) {
  EXPECT_NEAR(got.precision, precision, kTol);
  EXPECT_NEAR(got.recall, recall, kTol);
  EXPECT_NEAR(got.f1, f1, kTol);
  EXPECT_NEAR(got.ndcg, ndcg, kTol);
  EXPECT_NEAR(got.average_precision, ap, kTol);
  EXPECT_NEAR(got.hit_rate, hit, kTol);
}

TEST(RankingMetrics, HandTable) {
  const double l3 = std::log2(3.0);
  const double l5 = std::log2(5.0);

  // ranked {3,1,7,2}, relevant {1,2,9}, K=4: hits at positions 1 and 3 -> 2.
  // P = 2/4, R = 2/3, F1 = 2*(1/2)*(2/3) / (1/2+2/3) = (2/3)/(7/6) = 4/7.
  // DCG = 1/log2(3) + 1/log2(5); IDCG over min(4,3)=3 positions = 1 + 1/log2(3) + 1/log2(4).
  // AP = (1/2 + 2/4) / min(4,3) = 1/3.
  expect_metrics(ranking_metrics({3, 1, 7, 2}, {1, 2, 9}, 4), 0.5, 2.0 / 3, 4.0 / 7,
                 (1 / l3 + 1 / l5) / (1 + 1 / l3 + 0.5), 1.0 / 3, 1);

  // No hits: everything 0, F1 included (P+R = 0).
  expect_metrics(ranking_metrics({4, 5, 6}, {1, 2}, 3), 0, 0, 0, 0, 0, 0);
  expect_metrics(ranking_metrics({}, {1, 2}, 5), 0, 0, 0, 0, 0, 0);

  // K larger than the list: ranked {5,2}, relevant {2,8}, K=5: one hit at position 1.
  // P = 1/5 (divided by K, not by 2), R = 1/2, F1 = 2*0.2*0.5/0.7 = 2/7.
  // DCG = 1/log2(3); IDCG over min(5,2)=2 = 1 + 1/log2(3). AP = (1/2) / 2 = 1/4.
  expect_metrics(ranking_metrics({5, 2}, {2, 8}, 5), 0.2, 0.5, 2.0 / 7, (1 / l3) / (1 + 1 / l3),
                 0.25, 1);

  // List longer than K: ranked {9,1,2,3}, relevant {1,2,3}, K=2: only {9,1} count: one hit at 1.
  // P = 1/2, R = 1/3, F1 = 2*(1/6)/(5/6) = 2/5. NDCG = (1/log2 3)/(1 + 1/log2 3). AP = (1/2)/2.
  expect_metrics(ranking_metrics({9, 1, 2, 3}, {1, 2, 3}, 2), 0.5, 1.0 / 3, 0.4,
                 (1 / l3) / (1 + 1 / l3), 0.25, 1);

  // Perfect list: P = R = F1 = NDCG = AP = 1.
  expect_metrics(ranking_metrics({2, 1}, {1, 2}, 2), 1, 1, 1, 1, 1, 1);

  // More relevant items than K, all K slots hit: ranked {4,5}, relevant {1,4,5,7}, K=2.
  // P = 1, R = 2/4, F1 = 2*0.5/1.5 = 2/3; IDCG over min(2,4)=2 positions, so NDCG = 1;
  // AP = (1/1 + 2/2) / 2 = 1.
  expect_metrics(ranking_metrics({4, 5}, {1, 4, 5, 7}, 2), 1, 0.5, 2.0 / 3, 1, 1, 1);

  // One relevant item at position 1 of 3: P = 1/3, R = 1, F1 = (2/3)/(4/3) = 1/2;
  // NDCG = (1/log2 3)/1; AP = (1/2)/1.
  expect_metrics(ranking_metrics({7, 3, 8}, {3}, 3), 1.0 / 3, 1, 0.5, 1 / l3, 0.5, 1);

  // Hits at positions 0 and 2 of K=3 with |R| = 2: P = 2/3, R = 1, F1 = (4/3)/(5/3) = 4/5;
  // DCG = 1 + 1/log2(4) = 1.5, IDCG = 1 + 1/log2(3); AP = (1/1 + 2/3)/2 = 5/6.
  expect_metrics(ranking_metrics({0, 6, 4}, {0, 4}, 3), 2.0 / 3, 1, 0.8, 1.5 / (1 + 1 / l3),
                 5.0 / 6, 1);

  // A held-out item the scene cannot rank (negative placeholder) still counts in |R|:
  // ranked {0,1}, relevant {-1,1}, K=2: one hit at 1; P = 1/2, R = 1/2, F1 = 1/2,
  // NDCG = (1/log2 3)/(1 + 1/log2 3), AP = (1/2)/2.
  expect_metrics(ranking_metrics({0, 1}, {-1, 1}, 2), 0.5, 0.5, 0.5, (1 / l3) / (1 + 1 / l3), 0.25,
                 1);
}

TEST(RankingMetrics, RejectsBrokenInputs) {
  EXPECT_THROW(ranking_metrics({1}, {}, 3), InternalError);
  EXPECT_THROW(ranking_metrics({1}, {2, 1}, 3), InternalError);
  EXPECT_THROW(ranking_metrics({1}, {1, 1}, 3), InternalError);
  EXPECT_THROW(ranking_metrics({1}, {1}, 0), InternalError);
}

/// Reference: spell out rel[0..K) as 0/1 (0 past the list's end, membership by linear search)
/// and the ideal vector (1 for the first min(K, |R|) positions), then apply the textbook
/// definitions literally, recomputing each prefix precision from scratch.
RankingMetrics reference_metrics(const Indices& ranked, const Indices& relevant, int k) {
  const auto size = static_cast<std::size_t>(k);
  std::vector<double> rel(size, 0.0);
  std::vector<double> ideal(size, 0.0);
  for (std::size_t i = 0; i < size; ++i) {
    if (i < ranked.size())
      for (std::int32_t r : relevant)
        if (r == ranked[i]) rel[i] = 1.0;
    if (i < relevant.size()) ideal[i] = 1.0;
  }
  auto dcg = [](const std::vector<double>& gains) {
    double total = 0;
    for (std::size_t i = 0; i < gains.size(); ++i)
      total += gains[i] / std::log2(static_cast<double>(i) + 2.0);
    return total;
  };
  const double hits = std::accumulate(rel.begin(), rel.end(), 0.0);
  RankingMetrics m;
  m.precision = hits / k;
  m.recall = hits / static_cast<double>(relevant.size());
  m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
  m.ndcg = dcg(rel) / dcg(ideal);
  double ap = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const double precision_at =
        std::accumulate(rel.begin(), rel.begin() + i + 1, 0.0) / static_cast<double>(i + 1);
    ap += rel[i] * precision_at;
  }
  m.average_precision = ap / std::accumulate(ideal.begin(), ideal.end(), 0.0);
  m.hit_rate = hits > 0 ? 1 : 0;
  return m;
}

TEST(RankingMetrics, MatchesRelevanceVectorReferenceOnRandomLists) {
  std::mt19937 rng(2024);
  Indices universe(40);
  std::iota(universe.begin(), universe.end(), 0);
  int with_hits = 0;
  for (int trial = 0; trial < 5000; ++trial) {
    std::shuffle(universe.begin(), universe.end(), rng);
    const auto list_length = std::uniform_int_distribution<std::size_t>(0, 25)(rng);
    const Indices ranked(universe.begin(), universe.begin() + static_cast<long>(list_length));
    // Relevant: a random non-empty subset, drawn independently of the ranking.
    std::shuffle(universe.begin(), universe.end(), rng);
    const auto relevant_size = std::uniform_int_distribution<std::size_t>(1, 15)(rng);
    Indices relevant(universe.begin(), universe.begin() + static_cast<long>(relevant_size));
    std::sort(relevant.begin(), relevant.end());
    const int k = std::uniform_int_distribution<int>(1, 30)(rng);

    const RankingMetrics got = ranking_metrics(ranked, relevant, k);
    const RankingMetrics want = reference_metrics(ranked, relevant, k);
    SCOPED_TRACE("trial " + std::to_string(trial));
    expect_metrics(got, want.precision, want.recall, want.f1, want.ndcg, want.average_precision,
                   want.hit_rate);
    if (want.hit_rate > 0) ++with_hits;
  }
  // The random cases must exercise the non-trivial path, not just all-zero rows.
  EXPECT_GT(with_hits, 1000);
}

}  // namespace
}  // namespace sceneals::eval
