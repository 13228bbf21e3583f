#include "io/id_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "io/id_hash.h"

namespace sceneals::io {
namespace {

// The reference is std::map on the same ids; the index starts small so it grows many times.
TEST(IdIndex, AgreesWithAMapThroughGrowth) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back("id" + std::to_string(i * 7919 % 100003));
  ids.push_back("");  // the empty id is an id like any other
  IdIndex index(4);
  std::map<std::string, std::int64_t> reference;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const bool added = index.insert(ids[i], hash_id(ids[i]), static_cast<std::int64_t>(i));
    EXPECT_EQ(added, reference.emplace(ids[i], static_cast<std::int64_t>(i)).second);
  }
  // Inserting again adds nothing and keeps the first value.
  for (std::size_t i = 0; i < ids.size(); i += 97)
    EXPECT_FALSE(index.insert(ids[i], hash_id(ids[i]), 1'000'000));
  EXPECT_EQ(index.size(), reference.size());
  for (const auto& [id, value] : reference) {
    EXPECT_EQ(index.find(id, hash_id(id)), value) << id;
    EXPECT_EQ(index.find_present(id, hash_id(id)), value) << id;
  }
  for (const std::string absent : {"id-1", "nope", "id100003"})
    EXPECT_EQ(index.find(absent, hash_id(absent)), -1) << absent;
}

// Distinct ids with one hash (a 64-bit collision, forced here) stay distinct, and lookups of
// present ids then compare the ids themselves.
TEST(IdIndex, IdsSharingAHashStayDistinct) {
  const std::vector<std::string> ids = {"alpha", "beta", "gamma", "delta"};
  IdIndex index(2);
  for (std::size_t i = 0; i < ids.size(); ++i)
    EXPECT_TRUE(index.insert(ids[i], 42, static_cast<std::int64_t>(10 + i)));
  EXPECT_FALSE(index.insert("gamma", 42, 99));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(index.find(ids[i], 42), static_cast<std::int64_t>(10 + i));
    EXPECT_EQ(index.find_present(ids[i], 42), static_cast<std::int64_t>(10 + i));
  }
  EXPECT_EQ(index.find("epsilon", 42), -1);
}

}  // namespace
}  // namespace sceneals::io
