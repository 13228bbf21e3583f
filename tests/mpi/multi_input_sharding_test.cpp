// Sharding several inputs together (a split's train and test files): one catalogue and one grid
// for all, each input's ratings kept apart with its own duplicates summed, and a triple found in
// two inputs refused with both file names. Checked against a brute-force recount of the files.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "io/interaction_reader.h"
#include "io/sharded_data.h"
#include "mpi/error.h"
#include "mpi_test_support.h"

namespace sceneals::io {
namespace {

using Triple = std::tuple<std::string, std::string, std::string>;  // user, item, scene

/// Every rating of every rank as "user|item|scene|value", sorted.
std::vector<std::string> gathered(const mpi::Communicator& world, const ShardedData& data,
                                  const std::vector<Rating>& ratings) {
  std::vector<std::string> mine;
  for (const Rating& r : ratings)
    mine.push_back(data.users.id_of_row(r.user_row) + "|" + data.item_ids_seen.at(r.item_row) +
                   "|" + data.scenes[static_cast<std::size_t>(r.scene)] + "|" +
                   std::to_string(r.value));
  std::vector<std::string> all = world.allgatherv_strings(mine);
  std::sort(all.begin(), all.end());
  return all;
}

std::vector<std::string> expected_lines(const std::map<Triple, double>& sums) {
  std::vector<std::string> out;
  for (const auto& [key, value] : sums)
    out.push_back(std::get<0>(key) + "|" + std::get<1>(key) + "|" + std::get<2>(key) + "|" +
                  std::to_string(static_cast<float>(value)));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<ReadResult> read_all(const mpi::Communicator& world,
                                 const std::vector<std::string>& paths) {
  std::vector<ReadResult> reads;
  for (const std::string& path : paths) {
    ReadOptions options;
    options.path = path;
    reads.push_back(read_interactions(world, options));
  }
  return reads;
}

TEST(MultiInputSharding, OneCatalogueForBothInputsAndRatingsKeptApart) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "multi-sharding");
  // Train: 400 lines, every 4th repeats an earlier triple; test: other triples (item ids from
  // another range), with users and items that train never has, and an extra column.
  std::map<Triple, double> train_sums, test_sums;
  std::string train = "user,item,scene,value\n", test = "user,item,scene,value,cold\n";
  for (int i = 0; i < 400; ++i) {
    const int j = i % 4 == 3 ? i - 2 : i;
    const Triple t{"u" + std::to_string(j % 31), "i" + std::to_string(j % 19),
                   "s" + std::to_string(j % 3)};
    train += std::get<0>(t) + "," + std::get<1>(t) + "," + std::get<2>(t) + "," +
             std::to_string(1 + i % 3) + "\n";
    train_sums[t] += 1 + i % 3;
  }
  for (int i = 0; i < 150; ++i) {
    const Triple t{"u" + std::to_string(i % 37), "t" + std::to_string(i % 13),
                   "s" + std::to_string(i % 4)};
    test += std::get<0>(t) + "," + std::get<1>(t) + "," + std::get<2>(t) + ",2,0\n";
    test_sums[t] += 2;
  }
  testing::write_file_on_root(world, dir + "/train.csv", train);
  testing::write_file_on_root(world, dir + "/test.csv", test);
  const std::vector<std::string> names = {dir + "/train.csv", dir + "/test.csv"};

  MultiShardingResult result = shard_inputs(world, read_all(world, names), names, 0);
  const ShardedData& data = result.data;
  ASSERT_EQ(result.ratings.size(), 2u);
  EXPECT_TRUE(data.ratings.empty());
  EXPECT_EQ(gathered(world, data, result.ratings[0]), expected_lines(train_sums));
  EXPECT_EQ(gathered(world, data, result.ratings[1]), expected_lines(test_sums));
  EXPECT_EQ(data.duplicates_merged,
            550 - static_cast<std::int64_t>(train_sums.size() + test_sums.size()));
  EXPECT_EQ(data.scenes, (std::vector<std::string>{"s0", "s1", "s2", "s3"}));

  // Each input's ratings sorted by (scene, user, item), on their owner.
  for (const std::vector<Rating>& input : result.ratings) {
    EXPECT_TRUE(std::is_sorted(input.begin(), input.end(), [](const Rating& a, const Rating& b) {
      return std::tie(a.scene, a.user_row, a.item_row) < std::tie(b.scene, b.user_row, b.item_row);
    }));
    for (const Rating& r : input)
      EXPECT_EQ(result.grid.plan.group_of_scene[static_cast<std::size_t>(r.scene)],
                result.grid.group);
  }

  // The catalogues: the union of both files, in row order.
  std::set<std::string> users, items;
  for (const auto* sums : {&train_sums, &test_sums})
    for (const auto& [key, value] : *sums) {
      users.insert(std::get<0>(key));
      items.insert(std::get<1>(key));
    }
  testing::expect_catalogue_holds(data.users, users);
  testing::expect_catalogue_holds(data.items, items);
}

TEST(MultiInputSharding, ATripleInTwoInputsNamesBothFiles) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "multi-sharding-overlap");
  std::string a = "user,item,scene\n", b = "scene,item,user\n";
  for (int i = 0; i < 60; ++i) a += "u" + std::to_string(i) + ",i" + std::to_string(i % 7) + ",s\n";
  for (int i = 0; i < 60; ++i) b += "s,j" + std::to_string(i % 5) + ",u" + std::to_string(i) + "\n";
  b += "s,i3,u10\n";  // also in a
  testing::write_file_on_root(world, dir + "/a.csv", a);
  testing::write_file_on_root(world, dir + "/b.csv", b);
  const std::vector<std::string> names = {dir + "/a.csv", dir + "/b.csv"};
  try {
    shard_inputs(world, read_all(world, names), names, 0);
    ADD_FAILURE() << "the overlap was not noticed";
  } catch (const AgreedError& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_EQ(std::string(e.what()),
              "user 'u10', item 'i3', scene 's' is in both " + names[0] + " and " + names[1]);
  }
}

}  // namespace
}  // namespace sceneals::io
