// The validation pairs that score an early rung of the search: a seeded sample of users, every
// pair of a sampled user kept, of about `target_rows` rows in all. Early rungs only rank
// candidates against each other after a few iterations, and on a large data set one evaluation
// costs about one training iteration. The sample depends on user ids and the seed only, so every
// rank count and every search group draws the same users.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "io/sharded_data.h"

namespace sceneals::tune {

/// `rows`: this rank's validation rows; `total_rows`: their number over every rank; `id_of`:
/// a user row's id. All of `rows` when total_rows <= target_rows.
std::vector<io::Rating> sample_validation_users(
    const std::vector<io::Rating>& rows, std::int64_t total_rows, std::int64_t target_rows,
    std::uint64_t seed, const std::function<std::string_view(std::int64_t)>& id_of);

}  // namespace sceneals::tune
