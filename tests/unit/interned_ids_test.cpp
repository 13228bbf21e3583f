#include "io/interned_ids.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "io/id_hash.h"

namespace sceneals::io {
namespace {

// The reference numbers ids in first-seen order with std::map. The ids mix short ones (kept in
// their slot), ones of exactly 16 bytes, long ones (compared through their stored copy), the
// empty id and ids that differ only by a trailing zero byte (equal once zero-padded).
TEST(InternedIds, CodesFollowFirstSeenOrderThroughGrowthAndReserve) {
  std::vector<std::string> ids;
  for (int i = 0; i < 30000; ++i) {
    const std::string n = std::to_string(i * 7919 % 20011);
    ids.push_back(i % 3 == 0 ? "user" + n : i % 3 == 1 ? n : std::string(40, 'x') + n);
  }
  ids.push_back("");
  ids.push_back(std::string("a\0", 2));
  ids.push_back("a");
  ids.push_back("0123456789abcdef");  // exactly the inline width
  ids.push_back("0123456789abcdef0");
  // Grown from empty, reserved too small and reserved for all, each reserved again for more after
  // 5000 ids (a rehash of an index holding ids): the codes are the same.
  for (const std::size_t reserved : {0, 100, 40000}) {
    InternedIds interned;
    interned.reserve(reserved);
    std::map<std::string, std::uint32_t> reference;
    std::vector<std::string> by_code;
    for (const std::string& id : ids) {
      if (by_code.size() == 5000) interned.reserve(100000);
      const auto [at, added] = reference.emplace(id, static_cast<std::uint32_t>(by_code.size()));
      if (added) by_code.push_back(id);
      EXPECT_EQ(interned.intern(id, hash_id(id)), at->second) << id << " reserved " << reserved;
    }
    ASSERT_EQ(interned.size(), by_code.size());
    for (std::uint32_t code = 0; code < by_code.size(); ++code) {
      EXPECT_EQ(interned[code], by_code[code]);
      EXPECT_EQ(interned.hash(code), hash_id(by_code[code]));
    }
  }
}

// Distinct ids with one hash (a 64-bit collision, forced here), short and long, stay distinct.
TEST(InternedIds, IdsSharingAHashStayDistinct) {
  const std::vector<std::string> ids = {"alpha", "beta", std::string(30, 'g'),
                                        std::string(30, 'g') + "h"};
  InternedIds interned;
  for (std::uint32_t i = 0; i < ids.size(); ++i) EXPECT_EQ(interned.intern(ids[i], 42), i);
  for (std::uint32_t i = 0; i < ids.size(); ++i) EXPECT_EQ(interned.intern(ids[i], 42), i);
  EXPECT_EQ(interned.intern("delta", 42), 4u);
  EXPECT_EQ(interned.size(), 5u);
}

}  // namespace
}  // namespace sceneals::io
