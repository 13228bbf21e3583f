// The deterministic train/test split of docs/design.md. Per (user, scene) with at least
// min_interactions interactions, `holdout` of them are held out ("warm" test), chosen at random
// from a seeded hash of (user id, item id) or, when the input has timestamps, the latest ones.
// The cold-scene protocol picks `cold_fraction` of the users active in at least two scenes and
// holds out all of their interactions in one scene chosen by a seeded hash ("cold" test).
// Every decision is a function of ids and the seed alone, so the split does not depend on the
// number of ranks or the order of input lines. A validation split is the same function applied
// to the training part with a derived seed. With cold_item_fraction, that share of the items
// (by a seeded hash of the item id) is held out entirely first: every interaction with them goes
// to the test split ("cold-item"), and the rest is split as above.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "io/sharded_data.h"

namespace sceneals::io {

struct SplitOptions {
  double holdout = 0.2;
  double cold_fraction = 0.2;
  double cold_item_fraction = 0;
  int min_interactions = 5;
  std::uint64_t seed = 42;
};

enum class SplitRole : std::uint8_t { kTrain = 0, kTestWarm = 1, kTestCold = 2 };

/// Pure. `ratings` sorted by (scene, user, item); `cold_scene_of(user_row)` returns the scene in
/// which that user is cold, or -1. Returns one role per rating.
template <class ColdSceneOf>
std::vector<SplitRole> assign_split_roles(const std::vector<Rating>& ratings,
                                          const SplitOptions& options, bool by_time,
                                          ColdSceneOf&& cold_scene_of);

/// How many of a (user, scene)'s n interactions are held out: 0 below min_interactions,
/// otherwise round(holdout * n) clamped to [1, n - 1] (a warm pair always keeps training data).
std::int64_t warm_holdout_count(std::int64_t n, const SplitOptions& options);

/// Collective over the grid's shard communicator: for each user of this rank's shard (by index
/// in data.users), the scene in which the cold-scene protocol makes it cold, or -1. `ratings`
/// (sorted by scene, user) tell which scenes each user is active in.
std::vector<std::int32_t> choose_cold_scenes(const mpi::ProcessGrid& grid, const ShardedData& data,
                                             const std::vector<Rating>& ratings,
                                             const SplitOptions& options);

enum TestKind : std::uint8_t { kWarmTest = 0, kColdSceneTest = 1, kColdItemTest = 2 };

/// Whether the item with this id is held out entirely by a split with these options.
bool is_cold_item(std::string_view item_id, const SplitOptions& options);

struct SplitRatings {
  std::vector<Rating> train;  ///< sorted by (scene, user, item)
  std::vector<Rating> test;   ///< sorted by (scene, user, item)
  /// Per test rating: kWarmTest, kColdSceneTest (a cold-scene pair) or kColdItemTest (an item
  /// held out entirely).
  std::vector<std::uint8_t> test_cold;
};

/// The seed of the validation split carved from the training part of the split with `seed`.
std::uint64_t validation_seed(std::uint64_t seed);

/// Collective. Splits this rank's ratings (they stay on the same rank).
SplitRatings split_ratings(const mpi::ProcessGrid& grid, const ShardedData& data,
                           const std::vector<Rating>& ratings, const SplitOptions& options);

/// Collective. The validation split of --evaluate-on validation and --tune: `train` (the training
/// part of the split made with `options`) split again the same way, with validation_seed.
SplitRatings carve_validation(const mpi::ProcessGrid& grid, const ShardedData& data,
                              const std::vector<Rating>& train, const SplitOptions& options);

// ---- implementation of the template --------------------------------------------------------

std::uint64_t holdout_key(const Rating& rating, std::uint64_t seed);

template <class ColdSceneOf>
std::vector<SplitRole> assign_split_roles(const std::vector<Rating>& ratings,
                                          const SplitOptions& options, bool by_time,
                                          ColdSceneOf&& cold_scene_of) {
  std::vector<SplitRole> roles(ratings.size(), SplitRole::kTrain);
  std::vector<std::size_t> order;
  for (std::size_t begin = 0; begin < ratings.size();) {
    std::size_t end = begin;
    while (end < ratings.size() && ratings[end].scene == ratings[begin].scene &&
           ratings[end].user_row == ratings[begin].user_row)
      ++end;
    if (cold_scene_of(ratings[begin].user_row) == ratings[begin].scene) {
      for (std::size_t i = begin; i < end; ++i) roles[i] = SplitRole::kTestCold;
    } else if (const std::int64_t held =
                   warm_holdout_count(static_cast<std::int64_t>(end - begin), options);
               held > 0) {
      order.resize(end - begin);
      for (std::size_t i = begin; i < end; ++i) order[i - begin] = i;
      // Latest first (ties and the random variant by the seeded per-interaction hash).
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (by_time && ratings[a].timestamp != ratings[b].timestamp)
          return ratings[a].timestamp > ratings[b].timestamp;
        return holdout_key(ratings[a], options.seed) < holdout_key(ratings[b], options.seed);
      });
      for (std::int64_t i = 0; i < held; ++i)
        roles[order[static_cast<std::size_t>(i)]] = SplitRole::kTestWarm;
    }
    begin = end;
  }
  return roles;
}

}  // namespace sceneals::io
