// One reported evaluation figure, as the metrics JSON file and the embedding file's /metrics group
// hold it. It lives in io/ because the HDF5 writer stores it; eval/ builds it from the sums.
#pragma once

#include <cstdint>
#include <string>

namespace sceneals::io {

struct MetricRecord {
  std::string scene;   ///< a scene name, or "overall" for all scenes together
  std::string cohort;  ///< "warm" or "cold"
  int k = 0;           ///< the cut-off K
  std::string metric;  ///< precision, recall, f1, ndcg, map, hit_rate, coverage; or skipped (k 0)
  double value = 0;
  std::int64_t pairs = 0;  ///< the (user, scene) test pairs behind the value
  /// --tune's records only (the /tuning group): the candidate or choice the value belongs to.
  std::string setting;
};

}  // namespace sceneals::io
