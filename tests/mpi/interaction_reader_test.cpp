// The reader over every rank's range: all records arrive once whatever the rank count, and a bad
// line is named by its line number in the file — counted by each rank as it parses and placed
// by the lines of the ranks before it — including with --skip-bad-lines.
#include "io/interaction_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mpi/error.h"
#include "mpi_test_support.h"

namespace sceneals::io {
namespace {

constexpr int kDataLines = 1000;

/// Block sizes the reader is run with: single bytes, a few lines, and the default.
const std::int64_t kBlockBytes[] = {1, 7, 64, ReadOptions().block_bytes};

/// A CSV of kDataLines lines (file lines 2 .. kDataLines + 1) where the lines in `bad` (file line
/// numbers) have a field missing; lines end with `end`.
std::string csv_with_bad_lines(const std::vector<int>& bad, const std::string& end = "\n") {
  std::string text = "user,item,scene,value" + end;
  for (int line = 2; line <= kDataLines + 1; ++line) {
    const bool is_bad = std::find(bad.begin(), bad.end(), line) != bad.end();
    text += "u" + std::to_string(line % 97) + ",i" + std::to_string(line % 89) + ",s" +
            std::to_string(line % 3) + (is_bad ? "" : ",1") + end;
  }
  return text;
}

ReadOptions options_for(const mpi::Communicator& world, const std::string& text, bool skip,
                        std::int64_t block_bytes) {
  const std::string dir = testing::shared_scratch_dir(world, "reader");
  ReadOptions options;
  options.path = dir + "/log.csv";
  options.skip_bad_lines = skip;
  options.block_bytes = block_bytes;
  testing::write_file_on_root(world, options.path, text);
  return options;
}

TEST(InteractionReader, EveryLineIsReadOnce) {
  const mpi::Communicator world = mpi::Communicator::world();
  for (const std::string end : {"\n", "\r\n"})
    for (const std::int64_t block : kBlockBytes) {
      const ReadResult read =
          read_interactions(world, options_for(world, csv_with_bad_lines({}, end), false, block));
      EXPECT_EQ(read.total_records, kDataLines) << "block " << block;
      EXPECT_EQ(read.skipped_lines, 0);
      // Each record's user is line % 97 of a distinct line: the sum of the users' numbers over
      // all ranks is that of lines 2 .. kDataLines + 1.
      std::int64_t users = 0, expected = 0;
      for (const ReadRecord& r : read.records)
        users += std::stoll(std::string(read.users[r.user].substr(1)));
      for (int line = 2; line <= kDataLines + 1; ++line) expected += line % 97;
      EXPECT_EQ(world.sum(users), expected) << "block " << block;
    }
}

TEST(InteractionReader, EveryFieldIsReadAsWritten) {
  // 40 scenes, quoted ids, some with doubled quotes, decimal and integer values, and
  // timestamps; the records gathered from every rank must be the lines written (the reference),
  // whatever the block size.
  const mpi::Communicator world = mpi::Communicator::world();
  std::string text = "timestamp,item,user,value,scene\n";
  std::vector<std::string> want;
  for (int line = 0; line < kDataLines; ++line) {
    const std::string user = line % 7 == 0 ? "\"u,\"\"" + std::to_string(line % 31) + "\""
                                           : "u" + std::to_string(line % 31);
    const std::string user_id = line % 7 == 0 ? "u,\"" + std::to_string(line % 31) : user;
    const std::string item = "i" + std::to_string(line % 53);
    const std::string scene = "scene-" + std::to_string(line % 40);
    const std::string value = line % 2 == 0 ? std::to_string(1 + line % 5) : "0.25";
    const std::string timestamp = std::to_string(1700000000 + 17 * line);
    text += timestamp + "," + item + "," + user + "," + value + "," + scene + "\n";
    want.push_back(user_id + "|" + item + "|" + scene + "|" + std::to_string(std::stod(value)) +
                   "|" + timestamp);
  }
  std::sort(want.begin(), want.end());
  for (const std::int64_t block : kBlockBytes) {
    const ReadResult read = read_interactions(world, options_for(world, text, false, block));
    EXPECT_TRUE(read.has_timestamps);
    std::vector<std::string> mine;
    for (const ReadRecord& r : read.records)
      mine.push_back(std::string(read.users[r.user]) + "|" + std::string(read.items[r.item]) + "|" +
                     std::string(read.scenes[r.scene]) + "|" +
                     std::to_string(static_cast<double>(r.value)) + "|" +
                     std::to_string(r.timestamp));
    std::vector<std::string> all = world.allgatherv_strings(mine);
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, want) << "block " << block;
  }
}

TEST(InteractionReader, ABadLineIsNamedByItsLineInTheFile) {
  const mpi::Communicator world = mpi::Communicator::world();
  for (const std::int64_t block : kBlockBytes)
    for (const int bad : {2, 251, 500, 501, 502, 750, kDataLines + 1}) {
      try {
        read_interactions(world,
                          options_for(world, csv_with_bad_lines({bad, bad + 3}), false, block));
        ADD_FAILURE() << "no error for line " << bad;
      } catch (const AgreedError& e) {
        EXPECT_EQ(e.code(), ExitCode::kBadInput);
        EXPECT_NE(std::string(e.what()).find("log.csv:" + std::to_string(bad) +
                                             ": expected 4 fields, found 3"),
                  std::string::npos)
            << e.what() << " (block " << block << ")";
      }
    }
}

TEST(InteractionReader, SkippedLinesAreCountedAndTheFirstIsNamed) {
  const mpi::Communicator world = mpi::Communicator::world();
  for (const std::int64_t block : kBlockBytes)
    for (const int bad : {2, 499, 900}) {
      const ReadResult read = read_interactions(
          world,
          options_for(world, csv_with_bad_lines({bad, bad + 50, 1001}, "\r\n"), true, block));
      EXPECT_EQ(read.skipped_lines, 3);
      EXPECT_EQ(read.total_records, kDataLines - 3);
      EXPECT_NE(read.first_skipped.find("log.csv:" + std::to_string(bad) + ": expected 4 fields"),
                std::string::npos)
          << read.first_skipped << " (block " << block << ")";
    }
}

}  // namespace
}  // namespace sceneals::io
