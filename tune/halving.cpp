#include "tune/halving.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace sceneals::tune {

int survivors(int candidates) { return (candidates + 2) / 3; }

int rung_count(int candidates) {
  int rungs = 1;
  for (int n = candidates; n >= 3 && rungs < 3; n /= 3) ++rungs;
  return rungs;
}

int rung_iterations(int full, int rung, int rungs) {
  const double divisor = std::pow(3.0, rungs - 1 - rung);
  return std::max(1, static_cast<int>(std::lround(full / divisor)));
}

std::int64_t schedule_cost(std::vector<int> full) {
  std::sort(full.begin(), full.end(), std::greater<>());
  const int rungs = rung_count(static_cast<int>(full.size()));
  std::int64_t cost = 0;
  int alive = static_cast<int>(full.size());
  for (int rung = 0; rung < rungs; ++rung) {
    for (int c = 0; c < alive; ++c)
      cost += rung_iterations(full[static_cast<std::size_t>(c)], rung, rungs);
    alive = survivors(alive);
  }
  return cost;
}

int search_groups(int requested, int ranks) {
  if (requested > 0) return std::min(requested, ranks);
  int groups = 1;
  for (int g = 2; g <= 4; ++g)
    if (ranks % g == 0 && ranks / g >= 2) groups = g;
  return groups;
}

}  // namespace sceneals::tune
