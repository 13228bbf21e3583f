// A scene's popularity folded into its served item rows. Every served user row ends in a 1
// (`[x_us, 1]`, bridged `[B_s'[z_u, 1], 1]`, pooled `[z_u, 1]`), so what is added to an item's
// bias column is added to every user's score for that item: the file, `recommend`, `export`
// and any inner-product index serve the blended model as they are.
#pragma once

#include <vector>

#include "solver/factor_types.h"

namespace sceneals::solver {

/// Rows [y_i, b_i] (k + 1 columns) become [y_i, b_i + beta * log(1 + count_i)]: the model's
/// score plus beta times the item's log training count. `counts` in the rows' order.
void blend_popularity(Matrix& items, const std::vector<float>& counts, double beta);

/// Rows become [0, count_i]: every user's score is the item's training count, the popularity
/// model's ranking (the fallback of a scene where the trained model loses to it).
void serve_popularity(Matrix& items, const std::vector<float>& counts);

}  // namespace sceneals::solver
