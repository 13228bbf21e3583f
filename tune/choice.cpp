#include "tune/choice.h"

#include <stdexcept>

namespace sceneals::tune {

double CohortRecall::score() const {
  const int cohorts = (warm_pairs > 0 ? 1 : 0) + (cold_pairs > 0 ? 1 : 0);
  if (cohorts == 0) return 0;
  return ((warm_pairs > 0 ? warm : 0) + (cold_pairs > 0 ? cold : 0)) / cohorts;
}

CohortRecall recall_of(const eval::MetricSums& sums, int scene, int k_index) {
  CohortRecall r;
  const auto recall = eval::Metric::kRecall;
  if (scene < 0) {
    r.warm = sums.overall_mean(eval::kWarm, k_index, recall);
    r.cold = sums.overall_mean(eval::kCold, k_index, recall);
    r.warm_pairs = sums.overall_count(eval::kWarm, k_index);
    r.cold_pairs = sums.overall_count(eval::kCold, k_index);
  } else {
    r.warm = sums.mean(scene, eval::kWarm, k_index, recall);
    r.cold = sums.mean(scene, eval::kCold, k_index, recall);
    r.warm_pairs = sums.count(scene, eval::kWarm, k_index);
    r.cold_pairs = sums.count(scene, eval::kCold, k_index);
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
