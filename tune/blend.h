// The popularity blend a --tune choice names per scene, applied to the scene's served item rows.
#pragma once

#include <vector>

#include "solver/factor_types.h"

namespace sceneals::tune {

/// beta 0 leaves the rows as they are; kPopularityBeta (tune/search_space.h) serves the scene's
/// popularity itself; any other beta adds beta * log(1 + count) to each item's score
/// (solver/popularity_blend.h). `counts` in the rows' order.
void apply_popularity_blend(solver::Matrix& items, const std::vector<float>& counts, double beta);

}  // namespace sceneals::tune
