#include "tune/choice.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace sceneals::tune {

double CohortRecall::score() const {
  double sum = 0;
  int cohorts = 0;
  for (const auto& [recall, pairs] : {std::pair{warm, warm_pairs}, std::pair{cold, cold_pairs},
                                      std::pair{cold_item, cold_item_pairs}})
    if (pairs > 0) {
      sum += recall;
      ++cohorts;
    }
  return cohorts > 0 ? sum / cohorts : 0.0;
}

void pack_recall(const CohortRecall& r, double* out) {
  const double values[kPackedRecall] = {r.warm,       r.cold,       r.cold_item,
                                        r.warm_pairs, r.cold_pairs, r.cold_item_pairs};
  std::copy(values, values + kPackedRecall, out);
}

CohortRecall unpack_recall(const double* p) {
  CohortRecall r;
  r.warm = p[0];
  r.cold = p[1];
  r.cold_item = p[2];
  r.warm_pairs = p[3];
  r.cold_pairs = p[4];
  r.cold_item_pairs = p[5];
  return r;
}

CohortRecall recall_of(const eval::MetricSums& sums, int scene, int k_index) {
  CohortRecall r;
  const auto recall = eval::Metric::kRecall;
  if (scene < 0) {
    r.warm = sums.overall_mean(eval::kWarm, k_index, recall);
    r.cold = sums.overall_mean(eval::kCold, k_index, recall);
    r.warm_pairs = sums.overall_count(eval::kWarm, k_index);
    r.cold_pairs = sums.overall_count(eval::kCold, k_index);
    r.cold_item = sums.overall_mean(eval::kColdItem, k_index, recall);
    r.cold_item_pairs = sums.overall_count(eval::kColdItem, k_index);
  } else {
    r.warm = sums.mean(scene, eval::kWarm, k_index, recall);
    r.cold = sums.mean(scene, eval::kCold, k_index, recall);
    r.warm_pairs = sums.count(scene, eval::kWarm, k_index);
    r.cold_pairs = sums.count(scene, eval::kCold, k_index);
    r.cold_item = sums.mean(scene, eval::kColdItem, k_index, recall);
    r.cold_item_pairs = sums.count(scene, eval::kColdItem, k_index);
  }
  return r;
}

std::size_t best_index(const std::vector<double>& scores) {
  if (scores.empty()) throw std::logic_error("best_index of an empty list");
  std::size_t best = 0;
  for (std::size_t i = 1; i < scores.size(); ++i)
    if (scores[i] > scores[best]) best = i;
  return best;
}

}  // namespace sceneals::tune
