// Per-user ranking metrics at a cut-off K with binary relevance: a pure function of the ranked
// list and the held-out set, so the distributed stage only has to sum its results.
#pragma once

#include <cstdint>
#include <vector>

namespace sceneals::eval {

/// One (user, scene) pair's metrics at one K; each in [0, 1].
struct RankingMetrics {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  double ndcg = 0;
  double average_precision = 0;
  double hit_rate = 0;
};

/// Metrics of `ranked` against `sorted_relevant` at cut-off K. With R the relevant set and
/// hits = |ranked[0..K) ∩ R| (positions i are 0-based):
///   precision@K = hits / K                   (K, not the list length: a short list is penalised)
///   recall@K    = hits / |R|
///   F1@K        = 2 P R / (P + R), and 0 when P + R = 0
///   NDCG@K      = DCG / IDCG, DCG = sum over hit positions i of 1 / log2(i + 2),
///                 IDCG = sum over i < min(K, |R|) of 1 / log2(i + 2)
///   MAP@K       = (1 / min(K, |R|)) * sum over hit positions i of
///                 (hits among the first i + 1) / (i + 1)
///                 (this user's average precision; its mean over users is the MAP)
///   hit rate@K  = 1 when hits > 0, else 0
/// @param[in] ranked           item indices, best first, without duplicates; entries beyond K
///                             are ignored
/// @param[in] sorted_relevant  the held-out items, strictly ascending, non-empty (items that can
///                             never be ranked, e.g. negative placeholders, still count in |R|)
/// @param[in] k                the cut-off, > 0
/// InternalError when sorted_relevant is empty or not strictly ascending, or k <= 0.
RankingMetrics ranking_metrics(const std::vector<std::int32_t>& ranked,
                               const std::vector<std::int32_t>& sorted_relevant, int k);

}  // namespace sceneals::eval
