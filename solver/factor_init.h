// Initial factors from a seeded hash of the original id, the scene name and the role, so that a
// run's result does not depend on the number of ranks or the order of input lines (docs/design.md).
#pragma once

#include <cstdint>
#include <string_view>

namespace sceneals::solver {

/// Writes k values, uniform in [-1, 1) * 0.1 / sqrt(k), determined by (id, scene, role, seed)
/// alone through io/id_hash.h. `role` is "user" or "item" (a user and an item may share an id).
/// The scale keeps initial scores x.y near 0.01 whatever k is.
void init_factor_row(std::string_view id, std::string_view scene, std::string_view role,
                     std::uint64_t seed, int k, float* out);

}  // namespace sceneals::solver
