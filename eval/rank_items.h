// Serving's ranking: the best items for each of many users by the inner product of their rows,
// scored in blocks of users with one matrix product per block and a partial top-K per user.
#pragma once

#include <cstdint>
#include <vector>

#include "solver/factor_types.h"

namespace sceneals::eval {

/// Users scored per matrix product. The product's float32 sums depend on a row's place in its
/// block (its kernels differ for the rows at a block's end), so a user's candidates can differ
/// in near-ties with the block; callers that share users among ranks deal them in whole blocks
/// (io::block_aligned_share), and every rank count then computes every block alike.
constexpr std::int64_t kRankingBlock = 256;

/// Candidates taken from the product beyond the k asked for, whose scores are then recomputed
/// one by one (double-precision sums in coordinate order) and ranked by those: the order and the
/// scores (rounded to float32) do not depend on the block, so one user asked alone gets what it
/// gets in a batch, unless more than this many items are within float32 rounding of its k-th
/// score.
constexpr int kRescoredMargin = 16;

/// One user's recommendations, best first.
struct RankedItems {
  std::vector<std::int32_t> items;  ///< rows of the item table
  std::vector<float> scores;        ///< their scores users.row(u) . items.row(i), rounded
};

/// The `k` best rows of `items` for every row of `users` (both k + 1 wide) by score, ties broken
/// by the lower item row. `excluded` is empty (nothing excluded) or holds, per user, the
/// ascending item rows never to recommend. Scored in blocks of kRankingBlock users (rows 0..255,
/// 256.., one matrix product each), the best k + kRescoredMargin of each user rescored exactly.
std::vector<RankedItems> rank_items(const solver::Matrix& users, const solver::Matrix& items, int k,
                                    const std::vector<std::vector<std::int32_t>>& excluded);

}  // namespace sceneals::eval
