// The split's pure rules, against counts worked out by hand and a brute-force recount.
#include "io/split.h"

#include <gtest/gtest.h>

#include <map>

#include "io/id_hash.h"

namespace sceneals::io {
namespace {

Rating rating(std::int32_t scene, std::int64_t user, std::int64_t item,
              std::int64_t timestamp = 0) {
  Rating r;
  r.scene = scene;
  r.user_row = user;
  r.item_row = item;
  r.value = 1;
  r.timestamp = timestamp;
  r.pair_hash =
      hash_combine(hash_id("u" + std::to_string(user)), hash_id("i" + std::to_string(item)));
  return r;
}

TEST(Split, WarmHoldoutCounts) {
  SplitOptions o;                           // holdout 0.2, min 5
  EXPECT_EQ(warm_holdout_count(4, o), 0);   // below min_interactions
  EXPECT_EQ(warm_holdout_count(5, o), 1);   // round(1.0)
  EXPECT_EQ(warm_holdout_count(12, o), 2);  // round(2.4)
  EXPECT_EQ(warm_holdout_count(13, o), 3);  // round(2.6)
  o.holdout = 0.9;
  EXPECT_EQ(warm_holdout_count(5, o), 4);  // round(4.5) = 5, clamped to n - 1
  o.holdout = 0.0;
  EXPECT_EQ(warm_holdout_count(100, o), 0);
  o.holdout = 0.01;
  o.min_interactions = 1;
  EXPECT_EQ(warm_holdout_count(1, o), 0);  // a single interaction stays in training
  EXPECT_EQ(warm_holdout_count(3, o), 1);  // at least one once eligible
}

TEST(Split, LatestByTimestampIsHeldOut) {
  std::vector<Rating> ratings;
  for (int i = 0; i < 10; ++i) ratings.push_back(rating(0, 1, i, /*timestamp=*/100 - i * 7 % 10));
  const auto roles =
      assign_split_roles(ratings, SplitOptions{}, true, [](std::int64_t) { return -1; });
  // 10 interactions, holdout 0.2 -> the 2 latest timestamps.
  std::multimap<std::int64_t, std::size_t> by_time;
  for (std::size_t i = 0; i < ratings.size(); ++i) by_time.emplace(ratings[i].timestamp, i);
  auto latest = by_time.rbegin();
  for (int n = 0; n < 2; ++n, ++latest) EXPECT_EQ(roles[latest->second], SplitRole::kTestWarm);
  EXPECT_EQ(std::count(roles.begin(), roles.end(), SplitRole::kTestWarm), 2);
}

TEST(Split, RandomHoldoutIsSeededAndPerPair) {
  std::vector<Rating> ratings;
  for (int scene = 0; scene < 2; ++scene)
    for (int user = 0; user < 30; ++user)
      for (int item = 0; item < 3 + user % 9; ++item) ratings.push_back(rating(scene, user, item));
  SplitOptions o;
  auto none = [](std::int64_t) { return -1; };
  const auto a = assign_split_roles(ratings, o, false, none);
  EXPECT_EQ(a, assign_split_roles(ratings, o, false, none));
  o.seed = 43;
  EXPECT_NE(a, assign_split_roles(ratings, o, false, none));
  // Per (scene, user) the held-out count follows warm_holdout_count (brute-force recount).
  std::map<std::pair<int, std::int64_t>, std::pair<std::int64_t, std::int64_t>> counts;
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    auto& c = counts[{ratings[i].scene, ratings[i].user_row}];
    ++c.first;
    c.second += a[i] == SplitRole::kTestWarm;
  }
  for (const auto& [key, c] : counts)
    EXPECT_EQ(c.second, warm_holdout_count(c.first, SplitOptions{}));
}

TEST(Split, ColdSceneTakesEverythingOfThatPair) {
  std::vector<Rating> ratings;
  for (int scene = 0; scene < 2; ++scene)
    for (int item = 0; item < 10; ++item) ratings.push_back(rating(scene, 5, item));
  const auto roles = assign_split_roles(ratings, SplitOptions{}, false,
                                        [](std::int64_t user) { return user == 5 ? 1 : -1; });
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    if (ratings[i].scene == 1) {
      EXPECT_EQ(roles[i], SplitRole::kTestCold);
    } else {
      EXPECT_NE(roles[i], SplitRole::kTestCold);
    }
  }
  EXPECT_EQ(std::count(roles.begin(), roles.begin() + 10, SplitRole::kTestWarm), 2);
}

}  // namespace
}  // namespace sceneals::io
