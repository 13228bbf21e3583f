// Top-K selection over one user's scores: the K best items that are not masked (the user's
// training items), best first, by a bounded heap, so a scene with many items costs one pass and
// no full sort.
#pragma once

#include <cstdint>
#include <vector>

namespace sceneals::eval {

/// The indices of the k highest scores among 0..n-1 that are not in sorted_excluded, best first.
/// Ties are broken by the lower index, so the result does not depend on the platform's sort; a
/// NaN score ranks below every number. Returns fewer than k indices when fewer candidates exist,
/// none when k = 0 or n = 0.
/// @param[in] scores           n scores
/// @param[in] sorted_excluded  ascending indices to skip (duplicates and indices outside [0, n)
///                             are allowed and ignored); InternalError when not ascending
/// Cost: O(n + m log k) with m the number of heap insertions (at most n, typically far fewer).
std::vector<std::int32_t> top_k(const float* scores, std::int64_t n, int k,
                                const std::vector<std::int32_t>& sorted_excluded);

/// The same as top_k, reusing caller-owned buffers so that scoring many users allocates nothing
/// after the first one.
/// @param[in,out] workspace  scratch space; its contents on entry and exit are unspecified
/// @param[out]    out        replaced by the result
void top_k_into(const float* scores, std::int64_t n, int k,
                const std::vector<std::int32_t>& sorted_excluded,
                std::vector<std::int32_t>& workspace, std::vector<std::int32_t>& out);

}  // namespace sceneals::eval
