#include "io/split.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <unordered_map>

#include "io/id_hash.h"

namespace sceneals::io {

std::uint64_t holdout_key(const Rating& rating, std::uint64_t seed) {
  return hash_combine(rating.pair_hash, mix64(seed));
}

std::uint64_t validation_seed(std::uint64_t seed) { return mix64(seed ^ 0x5A11DA7E5A11DA7EULL); }

std::int64_t warm_holdout_count(std::int64_t n, const SplitOptions& options) {
  if (options.holdout <= 0 || n < options.min_interactions || n < 2) return 0;
  const auto held =
      static_cast<std::int64_t>(std::llround(options.holdout * static_cast<double>(n)));
  return std::clamp<std::int64_t>(held, 1, n - 1);
}

std::vector<std::int32_t> choose_cold_scenes(const mpi::ProcessGrid& grid, const ShardedData& data,
                                             const std::vector<Rating>& ratings,
                                             const SplitOptions& options) {
  const std::size_t n_users = data.users.ids.size();
  std::vector<std::int32_t> cold(n_users, -1);
  if (options.cold_fraction <= 0) return cold;
  // Per user: the number of scenes it is active in, and the smallest seeded hash of
  // (user, scene) over those scenes; that scene becomes the cold one. Both are reductions over
  // the ranks of the shard, which together hold all of the user's scenes.
  const std::uint64_t seed_hash = mix64(options.seed ^ 0xC01DC01DULL);
  std::vector<std::uint64_t> user_hash(n_users);
  for (std::size_t u = 0; u < n_users; ++u)
    user_hash[u] = hash_combine(hash_id(data.users.ids[u]), seed_hash);
  std::vector<std::int64_t> scene_count(n_users, 0);
  std::vector<std::uint64_t> min_key(n_users, std::numeric_limits<std::uint64_t>::max());
  auto scene_key = [&](std::size_t u, std::int32_t scene) {
    return hash_combine(user_hash[u], hash_id(data.scenes[static_cast<std::size_t>(scene)]));
  };
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    const Rating& r = ratings[i];
    if (i > 0 && ratings[i - 1].scene == r.scene && ratings[i - 1].user_row == r.user_row)
      continue;  // ratings are sorted by (scene, user): count each (user, scene) once
    const auto u = static_cast<std::size_t>(r.user_row - data.users.row_begin());
    ++scene_count[u];
    min_key[u] = std::min(min_key[u], scene_key(u, r.scene));
  }
  grid.shard_comm.allreduce_in_place(scene_count, mpi::ReduceOp::kSum);
  grid.shard_comm.allreduce_in_place(min_key, mpi::ReduceOp::kMin);
  for (std::size_t u = 0; u < n_users; ++u) {
    if (scene_count[u] < 2 || hash_to_unit(user_hash[u]) >= options.cold_fraction) continue;
    for (std::size_t s = 0; s < data.scenes.size(); ++s) {
      if (scene_key(u, static_cast<std::int32_t>(s)) == min_key[u])
        cold[u] = static_cast<std::int32_t>(s);
    }
  }
  return cold;
}

bool is_cold_item(std::string_view item_id, const SplitOptions& options) {
  return options.cold_item_fraction > 0 &&
         hash_to_unit(hash_combine(hash_id(item_id), mix64(options.seed ^ 0x17E3C01DULL))) <
             options.cold_item_fraction;
}

namespace {

/// The warm and cold-scene split of `ratings` (none of them on a held-out item).
SplitRatings split_users(const mpi::ProcessGrid& grid, const ShardedData& data,
                         const std::vector<Rating>& ratings, const SplitOptions& options) {
  const std::vector<std::int32_t> cold = choose_cold_scenes(grid, data, ratings, options);
  const std::int64_t row_begin = data.users.row_begin();
  const std::vector<SplitRole> roles = assign_split_roles(
      ratings, options, data.has_timestamps,
      [&](std::int64_t user_row) { return cold[static_cast<std::size_t>(user_row - row_begin)]; });
  // Exact sizes first: growing by doubling would copy every rating about twice and, at the
  // end, hold up to twice the training set.
  const auto train_size =
      static_cast<std::size_t>(std::count(roles.begin(), roles.end(), SplitRole::kTrain));
  SplitRatings out;
  out.train.reserve(train_size);
  out.test.reserve(ratings.size() - train_size);
  out.test_cold.reserve(ratings.size() - train_size);
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    if (roles[i] == SplitRole::kTrain) {
      out.train.push_back(ratings[i]);
    } else {
      out.test.push_back(ratings[i]);
      out.test_cold.push_back(roles[i] == SplitRole::kTestCold ? kColdSceneTest : kWarmTest);
    }
  }
  return out;
}

}  // namespace

SplitRatings split_ratings(const mpi::ProcessGrid& grid, const ShardedData& data,
                           const std::vector<Rating>& ratings, const SplitOptions& options) {
  if (options.cold_item_fraction <= 0) return split_users(grid, data, ratings, options);
  // The held-out items first: a function of the item id and the seed alone, like every choice
  // of the split. Each item is decided once, not once per rating.
  std::unordered_map<std::int64_t, bool> cold_item;
  std::vector<Rating> kept, held;
  for (const Rating& r : ratings) {
    auto [at, added] = cold_item.try_emplace(r.item_row, false);
    if (added) at->second = is_cold_item(data.item_ids_seen.at(r.item_row), options);
    (at->second ? held : kept).push_back(r);
  }
  SplitRatings out = split_users(grid, data, kept, options);
  // Both lists stay sorted by (scene, user, item): merge the held-out ratings in.
  std::vector<Rating> test;
  std::vector<std::uint8_t> kinds;
  test.reserve(out.test.size() + held.size());
  kinds.reserve(test.capacity());
  const auto key = [](const Rating& r) { return std::tie(r.scene, r.user_row, r.item_row); };
  std::size_t a = 0, b = 0;
  while (a < out.test.size() || b < held.size()) {
    if (b == held.size() || (a < out.test.size() && key(out.test[a]) < key(held[b]))) {
      test.push_back(out.test[a]);
      kinds.push_back(out.test_cold[a++]);
    } else {
      test.push_back(held[b++]);
      kinds.push_back(kColdItemTest);
    }
  }
  out.test = std::move(test);
  out.test_cold = std::move(kinds);
  return out;
}

SplitRatings carve_validation(const mpi::ProcessGrid& grid, const ShardedData& data,
                              const std::vector<Rating>& train, const SplitOptions& options) {
  SplitOptions carve = options;
  carve.seed = validation_seed(options.seed);
  return split_ratings(grid, data, train, carve);
}

}  // namespace sceneals::io
