// The sums of per-pair ranking metrics for every (scene, cohort, K): the only evaluation data
// that travels between ranks. Everything lives in one flat vector of doubles so that a single
// MPI_Reduce (elementwise sum) combines the ranks' partial sums; means are taken afterwards.
#pragma once

#include <vector>

#include "eval/ranking_metrics.h"

namespace sceneals::eval {

/// The per-pair metrics that are summed; the values index the fields of one cell.
enum class Metric { kPrecision, kRecall, kF1, kNdcg, kMap, kHitRate };
constexpr int kMetricCount = 6;

/// "precision", "recall", "f1", "ndcg", "map", "hit_rate": names for tables and files.
const char* metric_name(Metric metric);

/// Warm pairs: the user has training data in the scene. Cold: held out entirely in that scene.
enum Cohort { kWarm = 0, kCold = 1 };
constexpr int kCohortCount = 2;

/// Sums of the six metrics and the pair count per (scene, cohort, K index). Layout of data():
/// cell (scene, cohort, k_index) starts at ((scene * 2 + cohort) * ks + k_index) * 7 and holds
/// the six metric sums in Metric order, then the number of (user, scene) pairs added. Counts are
/// stored as doubles (exact below 2^53) so that one reduction carries everything.
class MetricSums {
 public:
  /// Zero sums for `scenes` scenes and `ks` cut-offs (both >= 0).
  MetricSums(int scenes, int ks);

  int scenes() const { return scenes_; }
  int ks() const { return ks_; }

  /// Adds one (user, scene) pair's metrics at the K with index k_index.
  void add(int scene, int cohort, int k_index, const RankingMetrics& metrics);

  /// Elementwise sum; InternalError when the shapes differ.
  void merge(const MetricSums& other);

  /// Number of pairs added to the cell.
  double count(int scene, int cohort, int k_index) const;
  /// The metric's mean over the cell's pairs; 0 when the cell has none (check count()).
  double mean(int scene, int cohort, int k_index, Metric metric) const;

  /// Number of pairs of the cohort over all scenes.
  double overall_count(int cohort, int k_index) const;
  /// The metric's mean over all pairs of the cohort in all scenes (each pair weighs the same, so
  /// a scene with many test users weighs more than one with few); 0 when there are none.
  double overall_mean(int cohort, int k_index, Metric metric) const;

  /// The flat buffer, for reduction in place.
  std::vector<double>& data() { return data_; }
  const std::vector<double>& data() const { return data_; }

 private:
  static constexpr int kFields = kMetricCount + 1;  // the six sums, then the count
  static constexpr int kCountField = kMetricCount;

  std::size_t cell(int scene, int cohort, int k_index) const;

  int scenes_;
  int ks_;
  std::vector<double> data_;
};

}  // namespace sceneals::eval
