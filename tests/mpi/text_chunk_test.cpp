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
