// The per-scene item feature map of --item-features (docs/item-features.md): the item rows of a
// scene regressed on the items' content features,
//
//   min over W_s   sum_i |[y_is, b_is] - W_s' [f_i, 1]|^2 + G |W_s|^2
//
// over the scene's items that have features, with f_i standardised per column. It embeds an item
// from its features alone (a new item, with no interactions yet, gets W_s' [f_i, 1]), and with
// --feature-weight eta it is also a prior of the item step: the objective gains
// eta (sum_i |[y_is, b_is] - W_s' [f_i, 1]|^2 + G |W_s|^2), which pulls each item with features
// toward what its content predicts; W_s is refitted (the problem above, its exact minimiser)
// before every item step, so each of the two steps minimises the objective over its variables. Only
// the sufficient statistics travel, (d+1)^2 + (d+1)(k+1) sums per scene, as for the user bridge.
#pragma once

#include <cstdint>
#include <vector>

#include "io/item_feature_table.h"
#include "solver/factor_types.h"
#include "solver/ridge_statistics.h"

namespace sceneals::solver {

/// Positions in `features` of `item_rows[begin, end)` (global rows, sorted), -1 for an item
/// without features.
std::vector<std::int64_t> feature_positions(const io::ItemFeatureTable& features,
                                            const std::vector<std::int64_t>& item_rows,
                                            std::int64_t begin, std::int64_t end);

/// Adds the items of `positions` (with features) to `stats`: their standardised features and the
/// first stats.outputs() columns of their rows of `items` (row `first_item + i` for
/// positions[i]).
void add_feature_examples(const io::ItemFeatureTable& features,
                          const std::vector<std::int64_t>& positions, const Matrix& items,
                          std::int64_t first_item, RidgeStatistics& stats);

/// W' [f, 1] for a standardised feature row f (d values) into `out` (W.cols() values).
void predict_from_features(const Matrix& map, const float* standardised, float* out);

/// The map in the file's units: W_raw with W_raw' [f, 1] = W' [standardised f, 1] for raw
/// features f, so that a serving system embeds a new item from the features it has, as given.
Matrix raw_feature_map(const Matrix& map, const io::ItemFeatureTable& features);

}  // namespace sceneals::solver
