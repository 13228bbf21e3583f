#include "tune/blend.h"

#include "solver/popularity_blend.h"
#include "tune/search_space.h"

namespace sceneals::tune {

void apply_popularity_blend(solver::Matrix& items, const std::vector<float>& counts, double beta) {
  if (beta >= kPopularityBeta)
    solver::serve_popularity(items, counts);
  else if (beta > 0)
    solver::blend_popularity(items, counts, beta);
}

}  // namespace sceneals::tune
