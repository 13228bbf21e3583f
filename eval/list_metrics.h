// Diversity and novelty of a top-K list: what a list is beside its hits. Pure functions of the
// list, the items' vectors and their training counts, so the distributed stage only sums them
// (like the ranking metrics).
//   intra-list diversity@K = mean over the list's item pairs (a, b) of 1 - cos(v_a, v_b)
//   novelty@K              = mean over the list's items of -log2((c_i + 1) / (N + n))
// with v the items' factors (their features when the model was trained with them), c_i an
// item's training interactions in the scene, N the scene's total and n its served items. The
// add-one share keeps items never seen in training (new items served from features) finite.
#pragma once

#include <cstdint>
#include <vector>

#include "eval/metric_sums.h"
#include "solver/factor_types.h"

namespace sceneals::eval {

/// The rows of `vectors` scaled to unit length; a zero row stays zero (an item without a
/// direction: pairs with it are left out of diversity).
solver::Matrix unit_rows(const solver::Matrix& vectors);

/// -log2((c_i + 1) / (N + n)) for each item of a scene, with N = sum of `counts` and n =
/// `served_items` (>= counts.size()).
std::vector<double> novelty_bits(const std::vector<float>& counts, std::int64_t served_items);

/// Diversity and novelty of the first min(K, size) items of `ranked` for each K of `ks`
/// (out[i] for ks[i]). `unit` holds a unit (or zero) row per candidate, `bits` the novelty of
/// each candidate; `ranked` indexes both. A list of fewer than two items (or whose pairs all
/// involve a zero row) has diversity 0; an empty one novelty 0.
void list_metrics(const std::vector<std::int32_t>& ranked, const solver::Matrix& unit,
                  const std::vector<double>& bits, const std::vector<int>& ks,
                  std::vector<ListMetrics>& out);

}  // namespace sceneals::eval
