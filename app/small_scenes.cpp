#include "app/small_scenes.h"

#include <cstdio>
#include <utility>

namespace sceneals::app {

namespace {

/// Per scene, the (user, scene) pairs of `test` by cohort; ratings are sorted by (scene, user).
void count_test_pairs(const io::SplitRatings& test, std::vector<std::int64_t>& warm,
                      std::vector<std::int64_t>& cold) {
  for (std::size_t r = 0; r < test.test.size(); ++r) {
    const io::Rating& rating = test.test[r];
    const bool new_pair = r == 0 || test.test[r - 1].scene != rating.scene ||
                          test.test[r - 1].user_row != rating.user_row;
    if (new_pair)
      ++(test.test_cold[r] == io::kColdSceneTest ? cold
                                                 : warm)[static_cast<std::size_t>(rating.scene)];
  }
}

}  // namespace

bool SkippedScenes::any() const {
  for (const bool s : skipped)
    if (s) return true;
  return false;
}

SkippedScenes find_skipped_scenes(const mpi::Communicator& world,
                                  const std::vector<std::string>& scenes,
                                  const std::vector<solver::SceneLayout>& layouts,
                                  const io::SplitRatings& test, int factors) {
  const std::size_t n = scenes.size();
  // Every rank of a scene group holds the scene's full lists of active users and items.
  std::vector<std::int64_t> items(n, 0), users(n, 0);
  for (const solver::SceneLayout& layout : layouts) {
    const auto s = static_cast<std::size_t>(layout.scene);
    items[s] = static_cast<std::int64_t>(layout.item_rows.size());
    users[s] = static_cast<std::int64_t>(layout.user_rows.size());
  }
  world.allreduce_in_place(items.data(), static_cast<int>(n), mpi::ReduceOp::kMax);
  world.allreduce_in_place(users.data(), static_cast<int>(n), mpi::ReduceOp::kMax);

  SkippedScenes result;
  result.skipped.assign(n, false);
  result.warm_pairs.assign(n, 0);
  result.cold_pairs.assign(n, 0);
  count_test_pairs(test, result.warm_pairs, result.cold_pairs);
  world.allreduce_in_place(result.warm_pairs.data(), static_cast<int>(n), mpi::ReduceOp::kSum);
  world.allreduce_in_place(result.cold_pairs.data(), static_cast<int>(n), mpi::ReduceOp::kSum);

  result.items = items;
  for (std::size_t s = 0; s < n; ++s) {
    result.skipped[s] = items[s] == 0;
    if (!world.is_root()) continue;
    if (result.skipped[s]) {
      std::printf(
          "scene %s: no training interactions after the split: skipped (not trained; %lld warm "
          "and %lld cold test pairs not evaluated)\n",
          scenes[s].c_str(), static_cast<long long>(result.warm_pairs[s]),
          static_cast<long long>(result.cold_pairs[s]));
    } else if (items[s] < factors) {
      std::printf(
          "scene %s: %lld items with training data, fewer than --factors %d: trained, but its "
          "item factors span at most %lld dimensions\n",
          scenes[s].c_str(), static_cast<long long>(items[s]), factors,
          static_cast<long long>(items[s]));
    }
  }
  return result;
}

std::vector<io::Rating> evaluable_test(const std::vector<io::Rating>& test,
                                       const SkippedScenes& skipped) {
  std::vector<io::Rating> kept;
  kept.reserve(test.size());
  for (const io::Rating& rating : test)
    if (!skipped.skipped[static_cast<std::size_t>(rating.scene)]) kept.push_back(rating);
  return kept;
}

std::vector<io::MetricRecord> skipped_records(const std::vector<std::string>& scenes,
                                              const SkippedScenes& skipped) {
  std::vector<io::MetricRecord> records;
  for (std::size_t s = 0; s < scenes.size(); ++s) {
    if (!skipped.skipped[s]) continue;
    for (const auto& [cohort, pairs] :
         {std::pair<const char*, std::int64_t>{"warm", skipped.warm_pairs[s]},
          {"cold", skipped.cold_pairs[s]}}) {
      if (pairs > 0) records.push_back({scenes[s], cohort, 0, "skipped", 1.0, pairs, {}});
    }
  }
  return records;
}

}  // namespace sceneals::app
