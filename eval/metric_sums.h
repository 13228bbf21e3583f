// The sums of per-pair ranking metrics and the catalogue coverage counts for every (scene, cohort,
// K): the only evaluation data that travels between ranks. Everything lives in one flat vector of
// doubles so that a single MPI_Reduce (elementwise sum) combines the ranks' partial sums; means
// and ratios are taken afterwards.
#pragma once

#include <vector>

#include "eval/ranking_metrics.h"

namespace sceneals::eval {

/// The reported metrics. The first eight are per-pair metrics, summed and averaged over pairs
/// (their values index the fields of one cell); coverage is a property of the whole cell.
enum class Metric {
  kPrecision,
  kRecall,
  kF1,
  kNdcg,
  kMap,
  kHitRate,
  kDiversity,
  kNovelty,
  kCoverage
};
constexpr int kMetricCount = 9;
/// The per-pair metrics, kPrecision .. kNovelty.
constexpr int kPairMetricCount = 8;

/// "precision", "recall", "f1", "ndcg", "map", "hit_rate", "diversity", "novelty", "coverage":
/// names for tables and files.
const char* metric_name(Metric metric);

/// Warm pairs: the user has training data in the scene. Cold: held out entirely in that scene.
/// Cold-item: the pair's held-out items have no training data at all (--cold-item-fraction, or
/// new items of --item-features); they are ranked among the items served from features.
enum Cohort { kWarm = 0, kCold = 1, kColdItem = 2 };
constexpr int kCohortCount = 3;

/// What a top-K list is beside its hits (eval/list_metrics.h computes them).
struct ListMetrics {
  double diversity = 0;  ///< mean pairwise (1 - cosine) of the listed items' vectors
  double novelty = 0;    ///< mean -log2 of the listed items' training popularity share
};

/// Per (scene, cohort, K index): sums of the eight per-pair metrics, the pair count, and the two
/// numbers of catalogue coverage. Layout of data(): cell (scene, cohort, k_index) starts at
/// ((scene * 3 + cohort) * ks + k_index) * 11 and holds
///   [0..8)  the eight per-pair metric sums, in Metric order (kPrecision .. kNovelty)
///   [8]     the number of (user, scene) pairs added
///   [9]     recommended: the scene's items that appear in at least one top-K list of the cohort
///   [10]    catalogue: the number of the scene's candidate items of the cohort
/// Counts are stored as doubles (exact below 2^53) so that one reduction carries everything.
/// Coverage is not a sum over pairs: the evaluation finds each scene's two numbers on one rank
/// (its group's rank 0) and leaves them 0 elsewhere, so the elementwise sum still gives them.
class MetricSums {
 public:
  /// Zero sums for `scenes` scenes and `ks` cut-offs (both >= 0).
  MetricSums(int scenes, int ks);

  int scenes() const { return scenes_; }
  int ks() const { return ks_; }

  /// Adds one (user, scene) pair's metrics at the K with index k_index.
  void add(int scene, int cohort, int k_index, const RankingMetrics& metrics,
           const ListMetrics& list = ListMetrics());

  /// Adds a cell's coverage numbers: `recommended` of the scene's `catalogue` items appear in some
  /// top-K list of the cohort. Called once per cell (on one rank) per evaluation.
  void add_coverage(int scene, int cohort, int k_index, double recommended, double catalogue);

  /// Elementwise sum; InternalError when the shapes differ.
  void merge(const MetricSums& other);

  /// Number of pairs added to the cell.
  double count(int scene, int cohort, int k_index) const;
  /// The metric's mean over the cell's pairs; 0 when the cell has none (check count()). For
  /// Metric::kCoverage (not a per-pair metric) it is coverage(), so that callers can treat every
  /// metric alike.
  double mean(int scene, int cohort, int k_index, Metric metric) const;

  /// Catalogue coverage@K: recommended / catalogue of the cell; 0 when the cell has no pairs or
  /// the scene no items.
  double coverage(int scene, int cohort, int k_index) const;
  /// The cell's two coverage numbers, as stored.
  double recommended_items(int scene, int cohort, int k_index) const;
  double catalogue_items(int scene, int cohort, int k_index) const;

  /// Number of pairs of the cohort over all scenes.
  double overall_count(int cohort, int k_index) const;
  /// The metric's mean over all pairs of the cohort in all scenes (each pair weighs the same, so
  /// a scene with many test users weighs more than one with few); 0 when there are none. For
  /// Metric::kCoverage it is overall_coverage().
  double overall_mean(int cohort, int k_index, Metric metric) const;

  /// Total recommended over total catalogue, over the scenes where the cohort has pairs (a scene
  /// without test pairs of the cohort has no top-K lists, so its catalogue is left out rather
  /// than counted as never recommended); 0 when there are none.
  double overall_coverage(int cohort, int k_index) const;

  /// The flat buffer, for reduction in place.
  std::vector<double>& data() { return data_; }
  const std::vector<double>& data() const { return data_; }

 private:
  static constexpr int kCountField = kPairMetricCount;  // after the eight sums
  static constexpr int kRecommendedField = kCountField + 1;
  static constexpr int kCatalogueField = kCountField + 2;
  static constexpr int kFields = kCountField + 3;

  std::size_t cell(int scene, int cohort, int k_index) const;

  int scenes_;
  int ks_;
  std::vector<double> data_;
};

}  // namespace sceneals::eval
