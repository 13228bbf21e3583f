#include "eval/ranking_metrics.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "mpi/error.h"

namespace sceneals::eval {

namespace {

/// The discount of 0-based position i.
double discount(std::size_t i) { return 1.0 / std::log2(static_cast<double>(i) + 2.0); }

}  // namespace

RankingMetrics ranking_metrics(const std::vector<std::int32_t>& ranked,
                               const std::vector<std::int32_t>& sorted_relevant, int k) {
  check_invariant(k > 0, "ranking_metrics: K must be positive");
  check_invariant(!sorted_relevant.empty(), "ranking_metrics: the relevant set must be non-empty");
  check_invariant(std::adjacent_find(sorted_relevant.begin(), sorted_relevant.end(),
                                     std::greater_equal<std::int32_t>()) == sorted_relevant.end(),
                  "ranking_metrics: relevant items must be strictly ascending");
  const auto cutoff = static_cast<std::size_t>(k);
  const std::size_t relevant = sorted_relevant.size();
  const std::size_t considered = std::min(ranked.size(), cutoff);

  std::size_t hits = 0;
  double dcg = 0;
  double precision_sum = 0;  // sum over hit positions of precision at that position
  for (std::size_t i = 0; i < considered; ++i) {
    if (!std::binary_search(sorted_relevant.begin(), sorted_relevant.end(), ranked[i])) continue;
    ++hits;
    dcg += discount(i);
    precision_sum += static_cast<double>(hits) / static_cast<double>(i + 1);
  }

  RankingMetrics m;
  if (hits == 0) return m;  // every metric is 0 (F1 by convention)
  const std::size_t ideal_hits = std::min(cutoff, relevant);
  double idcg = 0;
  for (std::size_t i = 0; i < ideal_hits; ++i) idcg += discount(i);

  m.precision = static_cast<double>(hits) / static_cast<double>(cutoff);
  m.recall = static_cast<double>(hits) / static_cast<double>(relevant);
  m.f1 = 2.0 * m.precision * m.recall / (m.precision + m.recall);
  m.ndcg = dcg / idcg;
  m.average_precision = precision_sum / static_cast<double>(ideal_hits);
  m.hit_rate = 1.0;
  return m;
}

}  // namespace sceneals::eval
