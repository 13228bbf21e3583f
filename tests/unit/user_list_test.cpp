// The users file's lines (ids with their line numbers, CRLF and blank lines), and the dealing of
// a list in whole ranking blocks: contiguous, in order, every row once, boundaries on multiples
// of the block.
#include "io/user_list.h"

#include <gtest/gtest.h>

namespace sceneals::io {
namespace {

TEST(UserList, IdsWithTheirLineNumbers) {
  UserList list;
  parse_user_lines("u1\r\n\nu 2\nu3", 4, list);
  EXPECT_EQ(list.ids, (std::vector<std::string>{"u1", "u 2", "u3"}));
  EXPECT_EQ(list.lines, (std::vector<std::int64_t>{4, 6, 7}));
  parse_user_lines("", 8, list);
  EXPECT_EQ(list.ids.size(), 3u);
}

TEST(UserList, BlockAlignedSharesTileTheRows) {
  for (const std::int64_t total : {0, 1, 255, 256, 257, 1000, 5000})
    for (const int parts : {1, 2, 3, 4, 7}) {
      std::int64_t next = 0;
      for (int p = 0; p < parts; ++p) {
        const auto [first, last] = block_aligned_share(total, 256, p, parts);
        EXPECT_EQ(first, next) << total << " rows, part " << p << " of " << parts;
        EXPECT_TRUE(first % 256 == 0 || first == total);
        EXPECT_LE(last - first, ((total + 255) / 256 + parts - 1) / parts * 256);
        next = last;
      }
      EXPECT_EQ(next, total);
    }
}

}  // namespace
}  // namespace sceneals::io
