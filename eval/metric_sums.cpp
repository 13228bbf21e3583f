#include "eval/metric_sums.h"

#include "mpi/error.h"

namespace sceneals::eval {

const char* metric_name(Metric metric) {
  switch (metric) {
    case Metric::kPrecision:
      return "precision";
    case Metric::kRecall:
      return "recall";
    case Metric::kF1:
      return "f1";
    case Metric::kNdcg:
      return "ndcg";
    case Metric::kMap:
      return "map";
    case Metric::kHitRate:
      return "hit_rate";
    case Metric::kDiversity:
      return "diversity";
    case Metric::kNovelty:
      return "novelty";
    case Metric::kCoverage:
      return "coverage";
  }
  throw InternalError("metric_name: unknown metric");
}

MetricSums::MetricSums(int scenes, int ks) : scenes_(scenes), ks_(ks) {
  check_invariant(scenes >= 0 && ks >= 0, "MetricSums: negative shape");
  data_.assign(
      static_cast<std::size_t>(scenes) * kCohortCount * static_cast<std::size_t>(ks) * kFields,
      0.0);
}

std::size_t MetricSums::cell(int scene, int cohort, int k_index) const {
  check_invariant(scene >= 0 && scene < scenes_, "MetricSums: scene index out of range");
  check_invariant(cohort >= 0 && cohort < kCohortCount, "MetricSums: cohort out of range");
  check_invariant(k_index >= 0 && k_index < ks_, "MetricSums: K index out of range");
  return ((static_cast<std::size_t>(scene) * kCohortCount + static_cast<std::size_t>(cohort)) *
              static_cast<std::size_t>(ks_) +
          static_cast<std::size_t>(k_index)) *
         kFields;
}

void MetricSums::add(int scene, int cohort, int k_index, const RankingMetrics& metrics,
                     const ListMetrics& list) {
  double* at = data_.data() + cell(scene, cohort, k_index);
  at[static_cast<int>(Metric::kPrecision)] += metrics.precision;
  at[static_cast<int>(Metric::kRecall)] += metrics.recall;
  at[static_cast<int>(Metric::kF1)] += metrics.f1;
  at[static_cast<int>(Metric::kNdcg)] += metrics.ndcg;
  at[static_cast<int>(Metric::kMap)] += metrics.average_precision;
  at[static_cast<int>(Metric::kHitRate)] += metrics.hit_rate;
  at[static_cast<int>(Metric::kDiversity)] += list.diversity;
  at[static_cast<int>(Metric::kNovelty)] += list.novelty;
  at[kCountField] += 1.0;
}

void MetricSums::add_coverage(int scene, int cohort, int k_index, double recommended,
                              double catalogue) {
  check_invariant(recommended >= 0 && recommended <= catalogue,
                  "MetricSums::add_coverage: recommended must lie in [0, catalogue]");
  double* at = data_.data() + cell(scene, cohort, k_index);
  at[kRecommendedField] += recommended;
  at[kCatalogueField] += catalogue;
}

void MetricSums::merge(const MetricSums& other) {
  check_invariant(
      other.scenes_ == scenes_ && other.ks_ == ks_ && other.data_.size() == data_.size(),
      "MetricSums::merge: shapes differ");
  for (std::size_t i = 0; i < data_.size(); ++i) data_[i] += other.data_[i];
}

double MetricSums::count(int scene, int cohort, int k_index) const {
  return data_[cell(scene, cohort, k_index) + kCountField];
}

double MetricSums::mean(int scene, int cohort, int k_index, Metric metric) const {
  if (metric == Metric::kCoverage) return coverage(scene, cohort, k_index);
  const std::size_t at = cell(scene, cohort, k_index);
  const double n = data_[at + kCountField];
  return n > 0 ? data_[at + static_cast<std::size_t>(metric)] / n : 0.0;
}

double MetricSums::coverage(int scene, int cohort, int k_index) const {
  const std::size_t at = cell(scene, cohort, k_index);
  const double catalogue = data_[at + kCatalogueField];
  return data_[at + kCountField] > 0 && catalogue > 0 ? data_[at + kRecommendedField] / catalogue
                                                      : 0.0;
}

double MetricSums::recommended_items(int scene, int cohort, int k_index) const {
  return data_[cell(scene, cohort, k_index) + kRecommendedField];
}

double MetricSums::catalogue_items(int scene, int cohort, int k_index) const {
  return data_[cell(scene, cohort, k_index) + kCatalogueField];
}

double MetricSums::overall_count(int cohort, int k_index) const {
  double n = 0;
  for (int s = 0; s < scenes_; ++s) n += count(s, cohort, k_index);
  return n;
}

double MetricSums::overall_mean(int cohort, int k_index, Metric metric) const {
  if (metric == Metric::kCoverage) return overall_coverage(cohort, k_index);
  // Sum of sums over sum of counts: the mean over pairs, not the mean of scene means.
  double sum = 0;
  double n = 0;
  for (int s = 0; s < scenes_; ++s) {
    const std::size_t at = cell(s, cohort, k_index);
    sum += data_[at + static_cast<std::size_t>(metric)];
    n += data_[at + kCountField];
  }
  return n > 0 ? sum / n : 0.0;
}

double MetricSums::overall_coverage(int cohort, int k_index) const {
  double recommended = 0;
  double catalogue = 0;
  for (int s = 0; s < scenes_; ++s) {
    const std::size_t at = cell(s, cohort, k_index);
    if (data_[at + kCountField] == 0) continue;
    recommended += data_[at + kRecommendedField];
    catalogue += data_[at + kCatalogueField];
  }
  return catalogue > 0 ? recommended / catalogue : 0.0;
}

}  // namespace sceneals::eval
