// The .npy writer against the format's definition (NumPy's "format version 1.0"): the exact
// header bytes for a 2-D and a 1-D array, aligned to 64 bytes, the data after it in C order, and
// a file that appears only when complete.
#include "io/npy_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "mpi/error.h"

namespace sceneals::io {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "sceneals-npy-test";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(NpyFile, HeaderIsVersion1WithTheDictPaddedTo64Bytes) {
  const std::string header = npy_header("<f4", {3, 4});
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  ASSERT_EQ(header.size() % 64, 0u);
  EXPECT_EQ(header.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t length = static_cast<unsigned char>(header[8]) +
                             256 * static_cast<std::size_t>(static_cast<unsigned char>(header[9]));
  EXPECT_EQ(length, header.size() - 10);
  EXPECT_EQ(header.substr(10, dict.size()), dict);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header.find_first_not_of(' ', 10 + dict.size()), header.size() - 1);

  // A 1-D shape is a one-element tuple, "(5,)".
  EXPECT_NE(npy_header("|u1", {5}).find("'shape': (5,), }"), std::string::npos);
}

TEST(NpyFile, WriterAppendsRowsAndRenamesWhenComplete) {
  const std::string path = scratch("matrix.npy");
  std::filesystem::remove(path);
  const float values[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, 7.0f};
  {
    NpyWriter writer(path, "<f4", sizeof(float), {3, 2});
    writer.append(values, 4);
    EXPECT_FALSE(std::filesystem::exists(path)) << "visible before it is complete";
    writer.append(values + 4, 2);
    writer.commit();
  }
  const std::string bytes = read_all(path);
  const std::string header = npy_header("<f4", {3, 2});
  ASSERT_EQ(bytes.size(), header.size() + sizeof(values));
  EXPECT_EQ(bytes.substr(0, header.size()), header);
  EXPECT_EQ(bytes.substr(header.size()), std::string(reinterpret_cast<const char*>(values), 24));
}

TEST(NpyFile, AnIncompleteArrayIsNeverWritten) {
  const std::string path = scratch("short.npy");
  std::filesystem::remove(path);
  {
    NpyWriter writer(path, "<f4", sizeof(float), {2, 2});
    const float one = 1.0f;
    writer.append(&one, 1);
    EXPECT_THROW(writer.commit(), InternalError);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  for (const auto& entry : std::filesystem::directory_iterator(scratch("")))
    EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
  EXPECT_THROW(NpyWriter(scratch("no/such/dir/x.npy"), "<f4", 4, {1}), InputError);
}

}  // namespace
}  // namespace sceneals::io
