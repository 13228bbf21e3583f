// How --tune compares models on the validation split: recall@20 of warm, of cold-scene and of
// cold-item pairs, each cohort weighing the same. The rule, stated once:
//   score = mean of warm, cold-scene and cold-item recall@20 over the cohorts that have pairs
// (all scenes together to rank candidates; a scene's own pairs to choose per scene), and of
// options that score the same, the one listed first wins.
#pragma once

#include <cstddef>
#include <vector>

#include "eval/metric_sums.h"

namespace sceneals::tune {

/// The K every choice is made at.
inline constexpr int kChoiceK = 20;

struct CohortRecall {
  double warm = 0, cold = 0, cold_item = 0;  ///< recall@20 (0 without pairs)
  double warm_pairs = 0, cold_pairs = 0, cold_item_pairs = 0;
  /// The rule's score: mean over the cohorts with pairs; 0 when none has any.
  double score() const;
};

/// A CohortRecall as kPackedRecall numbers (recalls, then pair counts), for a reduction or a
/// broadcast, and back.
inline constexpr int kPackedRecall = 6;
void pack_recall(const CohortRecall& recall, double* out);
CohortRecall unpack_recall(const double* packed);

/// Over all scenes (`scene` < 0) or one scene; `k_index` indexes K = 20 in the sums.
CohortRecall recall_of(const eval::MetricSums& sums, int scene, int k_index);

/// Index of the highest score; ties go to the earliest. Requires a non-empty list.
std::size_t best_index(const std::vector<double>& scores);

}  // namespace sceneals::tune
