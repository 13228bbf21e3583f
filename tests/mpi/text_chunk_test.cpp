// Every line of a file reaches exactly one rank, in order, with its true line number, whatever
// the number of ranks — including files with fewer lines than ranks and no final newline.
#include "io/text_chunk.h"

#include <gtest/gtest.h>

#include <sstream>

#include "mpi/error.h"
#include "mpi_test_support.h"

namespace sceneals::io {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// Reads `text` as a file on every rank and checks the chunks reassemble it exactly.
void check_chunks(const std::string& text, bool header) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "chunks");
  const std::string path = dir + "/f.txt";
  testing::write_file_on_root(world, path, text);
  const TextChunk chunk = read_text_chunk(world, path, header);
  // Each rank reports (line number, text) of its lines; rank 0 checks the whole file.
  std::vector<std::string> mine;
  std::int64_t number = chunk.first_line;
  for (const std::string& line : lines_of(chunk.text))
    mine.push_back(std::to_string(number++) + ":" + line);
  const std::vector<std::string> all = world.allgatherv_strings(mine);
  const std::vector<std::string> expected_lines = lines_of(text);
  std::vector<std::string> expected;
  for (std::size_t i = header ? 1 : 0; i < expected_lines.size(); ++i)
    expected.push_back(std::to_string(i + 1) + ":" + expected_lines[i]);
  EXPECT_EQ(all, expected);
  if (header) {
    EXPECT_EQ(chunk.header, expected_lines.empty() ? "" : expected_lines[0]);
  }
  EXPECT_EQ(chunk.file_bytes, static_cast<std::int64_t>(text.size()));
}

TEST(TextChunk, ManyLinesWithHeader) {
  std::string text = "user,item,scene\n";
  for (int i = 0; i < 1000; ++i) text += "u" + std::to_string(i * 7919 % 1000) + ",i,s\n";
  check_chunks(text, true);
}

TEST(TextChunk, FewerLinesThanRanksAndNoFinalNewline) {
  check_chunks("h\na", true);
  check_chunks("h\n", true);
  check_chunks("one line only", false);
  check_chunks("x\ny\n", false);
}

TEST(TextChunk, LongLinesCrossingNominalBoundaries) {
  std::string text = "header\n" + std::string(5000, 'a') + "\nb\n" + std::string(3000, 'c') + "\n";
  check_chunks(text, true);
}

/// Reads `text` as a file through a stream of `block` bytes at a time on every rank and checks
/// that the blocks hold whole lines and reassemble the file (without its header) in order.
void check_stream(const std::string& text, bool header, std::int64_t block) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "stream");
  const std::string path = dir + "/f.txt";
  testing::write_file_on_root(world, path, text);
  TextChunkStream stream(world, path, header, block);
  std::string mine;
  std::vector<std::string> blocks;
  for (std::string_view lines = stream.next_lines(); !lines.empty(); lines = stream.next_lines()) {
    blocks.emplace_back(lines);
    mine.append(lines);
  }
  // Every block but the range's last ends a line.
  for (std::size_t b = 0; b + 1 < blocks.size(); ++b)
    EXPECT_EQ(blocks[b].back(), '\n') << "block " << b << " of " << block << " bytes";
  EXPECT_EQ(stream.range_bytes(), static_cast<std::int64_t>(mine.size()));
  const std::vector<std::string> all = world.allgatherv_strings({mine});
  std::string joined;
  for (const std::string& part : all) joined += part;
  const std::size_t data_begin = header ? text.find('\n') + 1 : 0;
  EXPECT_EQ(joined, text.substr(data_begin)) << "block " << block;
  EXPECT_EQ(stream.header(), header ? text.substr(0, data_begin - 1) : "");
  EXPECT_EQ(stream.header_lines(), header ? 1 : 0);
}

TEST(TextChunkStream, BlocksOfWholeLinesReassembleTheFile) {
  std::string text = "user,item\n";
  for (int i = 0; i < 200; ++i)
    text += "u" + std::to_string(i * 37) + ",i" + std::to_string(i) + "\n";
  for (const std::int64_t block : {1, 2, 3, 7, 16, 64, 1000, 1 << 20}) {
    check_stream(text, true, block);
    check_stream(text.substr(0, text.size() - 1), true, block);  // no final newline
    check_stream(text, false, block);
  }
}

TEST(TextChunkStream, LinesLongerThanABlockComeWhole) {
  const std::string text = "h\n" + std::string(5000, 'a') + "\nb\n" + std::string(3000, 'c');
  for (const std::int64_t block : {1, 100, 4999, 5000, 5001}) check_stream(text, true, block);
}

TEST(TextChunk, MissingAndEmptyFilesAreAgreedInputErrors) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "missing");
  try {
    read_text_chunk(world, dir + "/nope.csv", true);
    ADD_FAILURE() << "no error for a missing file";
  } catch (const AgreedError& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find(dir + "/nope.csv: cannot open"), std::string::npos)
        << e.what();
  }
  testing::write_file_on_root(world, dir + "/empty.csv", "");
  try {
    read_text_chunk(world, dir + "/empty.csv", true);
    ADD_FAILURE() << "no error for an empty file";
  } catch (const AgreedError& e) {
    EXPECT_NE(std::string(e.what()).find("empty.csv: the file is empty"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sceneals::io
