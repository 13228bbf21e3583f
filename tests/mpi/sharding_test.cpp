// Sharding: every record reaches exactly one owner, the one its scene group and user hash name;
// duplicates are summed, keeping the latest timestamp; the catalogues are the same whatever the
// number of ranks (checked against a brute-force recount of the whole input done by every rank).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "io/id_hash.h"
#include "io/interaction_reader.h"
#include "io/sharded_data.h"
#include "mpi_test_support.h"

namespace sceneals::io {
namespace {

TEST(Sharding, RecordsReachTheirOwnersOnceWithDuplicatesSummed) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "sharding");
  // 600 lines over 3 scenes; in every five lines the 4th and 5th repeat the 2nd's triple, with
  // values 1e8, 3 and 3: summed in ascending order in float32 they make 100000008, in the order
  // of the lines (or any order that adds a 3 to 1e8 first) 1e8.
  // Columns in an unusual order on purpose.
  std::string text = "scene,user,value,item,timestamp\n";
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<float>> values;
  std::map<std::tuple<std::string, std::string, std::string>, std::int64_t> latest;
  for (int i = 0; i < 600; ++i) {
    const int place = i % 5;
    const int j = place >= 3 ? i - place + 1 : i;
    // Some ids longer than 16 bytes: the id tables keep short ids in their slots, long ones apart.
    const std::string scene = "s" + std::to_string(j % 3),
                      user = (j % 2 == 0 ? "user" : "a-user-id-of-more-than-16-bytes-") +
                             std::to_string(j % 41),
                      item = "item" + std::to_string(j % 29);
    const std::string value = place == 1   ? "100000000"
                              : place >= 3 ? "3"
                                           : std::to_string(1 + i % 4);
    const std::int64_t timestamp = (i * 7919) % 1000;  // repeats are neither first nor last
    text += scene + "," + user + "," + value + "," + item + "," + std::to_string(timestamp) + "\n";
    values[{user, item, scene}].push_back(std::stof(value));
    auto [at, added] = latest.emplace(std::make_tuple(user, item, scene), timestamp);
    if (!added) at->second = std::max(at->second, timestamp);
  }
  // The reference: each triple's values added in ascending order, in float32.
  std::map<std::tuple<std::string, std::string, std::string>, float> expected;
  for (auto& [key, list] : values) {
    std::sort(list.begin(), list.end());
    float sum = 0;
    for (const float v : list) sum += v;
    expected[key] = sum;
  }
  ASSERT_EQ(expected.at(std::make_tuple("a-user-id-of-more-than-16-bytes-1", "item1", "s1")),
            100000008.0f);
  testing::write_file_on_root(world, dir + "/in.csv", text);
  ReadOptions options;
  options.path = dir + "/in.csv";
  ShardingResult result = shard_interactions(world, read_interactions(world, options), 0);
  const ShardedData& data = result.data;
  const mpi::ProcessGrid& grid = result.grid;

  // Every local rating belongs here, carries the hash of its (user, item) pair, and the ratings
  // are sorted by (scene, user, item) with no triple twice.
  for (std::size_t i = 0; i < data.ratings.size(); ++i) {
    const Rating& r = data.ratings[i];
    const std::string& user = data.users.id_of_row(r.user_row);
    EXPECT_EQ(grid.plan.group_of_scene[static_cast<std::size_t>(r.scene)], grid.group);
    EXPECT_EQ(hash_range_part(hash_id(user), grid.plan.user_shards), grid.shard);
    EXPECT_EQ(r.pair_hash, hash_combine(hash_id(user), hash_id(data.item_ids_seen.at(r.item_row))));
    if (i > 0) {
      const Rating& p = data.ratings[i - 1];
      EXPECT_LT(std::tie(p.scene, p.user_row, p.item_row),
                std::tie(r.scene, r.user_row, r.item_row));
    }
  }
  // Gather everything as strings on every rank and compare with the brute-force recount.
  std::vector<std::string> mine;
  for (const Rating& r : data.ratings)
    mine.push_back(data.users.id_of_row(r.user_row) + "|" + data.item_ids_seen.at(r.item_row) +
                   "|" + data.scenes[static_cast<std::size_t>(r.scene)] + "|" +
                   std::to_string(r.value) + "|" + std::to_string(r.timestamp));
  std::vector<std::string> all = world.allgatherv_strings(mine);
  std::sort(all.begin(), all.end());
  std::vector<std::string> want;
  for (const auto& [key, value] : expected)
    want.push_back(std::get<0>(key) + "|" + std::get<1>(key) + "|" + std::get<2>(key) + "|" +
                   std::to_string(value) + "|" + std::to_string(latest.at(key)));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(all, want);
  EXPECT_EQ(data.duplicates_merged, 600 - static_cast<std::int64_t>(expected.size()));

  // Catalogues: global rows in (hash, id) order, tiled by the shards, independent of ranks.
  std::set<std::string> users, items;
  for (const auto& [key, value] : expected) {
    users.insert(std::get<0>(key));
    items.insert(std::get<1>(key));
  }
  testing::expect_catalogue_holds(data.users, users);
  testing::expect_catalogue_holds(data.items, items);
}

TEST(Sharding, RanksThatReadOrReceiveNothingTakePart) {
  // One line: on 2 or 4 ranks most ranks read nothing, send nothing and receive nothing.
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "sharding-one-line");
  testing::write_file_on_root(world, dir + "/in.csv", "user,item,scene,value\nu1,i1,s1,2.5\n");
  ReadOptions options;
  options.path = dir + "/in.csv";
  ShardingResult result = shard_interactions(world, read_interactions(world, options), 0);
  const ShardedData& data = result.data;
  EXPECT_EQ(world.sum(static_cast<std::int64_t>(data.ratings.size())), 1);
  EXPECT_EQ(data.scenes, std::vector<std::string>{"s1"});
  EXPECT_EQ(data.scene_interactions, std::vector<std::int64_t>{1});
  EXPECT_EQ(data.users.total(), 1);
  EXPECT_EQ(data.items.total(), 1);
  EXPECT_EQ(data.duplicates_merged, 0);
  for (const Rating& r : data.ratings) {
    EXPECT_EQ(data.users.id_of_row(r.user_row), "u1");
    EXPECT_EQ(data.item_ids_seen.at(r.item_row), "i1");
    EXPECT_EQ(r.value, 2.5f);
    EXPECT_EQ(r.pair_hash, hash_combine(hash_id("u1"), hash_id("i1")));
  }
}

}  // namespace
}  // namespace sceneals::io
