// hdf5_file_check: files that HDF5 itself writes (superblock versions 0 and 3, with and without a
// user block before the superblock) pass whole and are called truncated when cut short, as
// HDF5's own H5Fopen agrees; empty files, other formats and impossible superblock fields get
// their reasons.
#include "io/hdf5_file_check.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "io/hdf5_handle.h"

namespace sceneals::io {
namespace {

std::string problem_of(const std::string& bytes) {
  return hdf5_file_problem(static_cast<std::int64_t>(bytes.size()),
                           [&bytes](std::int64_t offset, std::size_t length) {
                             const auto at = static_cast<std::size_t>(offset);
                             return at < bytes.size() ? bytes.substr(at, length) : std::string();
                           });
}

std::string scratch_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("hdf5_file_check_" + std::to_string(getpid()) + "_" + name))
      .string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The bytes of an HDF5 file with one small dataset, written by HDF5: with the latest file
/// format (superblock version 3) or the default one (version 0), after a `user_block`.
std::string hdf5_file(bool latest_format, std::size_t user_block) {
  const std::string path = scratch_path("written.h5");
  PropertyListHandle create(H5Pcreate(H5P_FILE_CREATE));
  PropertyListHandle access(H5Pcreate(H5P_FILE_ACCESS));
  if (user_block > 0) H5Pset_userblock(create.get(), static_cast<hsize_t>(user_block));
  if (latest_format) H5Pset_libver_bounds(access.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  {
    FileHandle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, create.get(), access.get()));
    const hsize_t dims[1] = {10};
    DataspaceHandle space(H5Screate_simple(1, dims, nullptr));
    DatasetHandle data(H5Dcreate2(file.get(), "/values", H5T_NATIVE_INT, space.get(), H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT));
    const int values[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    EXPECT_GE(H5Dwrite(data.get(), H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), 0);
  }
  std::string bytes = read_file(path);
  std::filesystem::remove(path);
  return bytes;
}

/// HDF5's own verdict: can it open `bytes` as a file?
bool hdf5_opens(const std::string& bytes) {
  const std::string path = scratch_path("opened.h5");
  std::ofstream(path, std::ios::binary) << bytes;
  Hdf5ErrorPrintingOff quiet;
  const bool opens = FileHandle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)).get() >= 0;
  std::filesystem::remove(path);
  return opens;
}

struct Layout {
  bool latest_format;
  std::size_t user_block;
};
const Layout kLayouts[] = {{false, 0}, {true, 0}, {false, 512}, {true, 2048}};

TEST(Hdf5FileCheck, WholeFilesPassAndCutOnesAreTruncated) {
  for (const Layout& layout : kLayouts) {
    SCOPED_TRACE("latest format " + std::to_string(layout.latest_format) + ", user block " +
                 std::to_string(layout.user_block));
    const std::string whole = hdf5_file(layout.latest_format, layout.user_block);
    ASSERT_TRUE(hdf5_opens(whole));
    EXPECT_EQ(problem_of(whole), "");
    const std::string size = std::to_string(whole.size());
    // Any cut past the superblock: HDF5 refuses the file too.
    for (std::size_t cut : {whole.size() - 1, (layout.user_block + whole.size()) / 2}) {
      const std::string part = whole.substr(0, cut);
      EXPECT_FALSE(hdf5_opens(part)) << cut;
      EXPECT_EQ(problem_of(part), "the file is truncated: it has " + std::to_string(cut) +
                                      " bytes, its HDF5 superblock says " + size +
                                      " (an incomplete copy?)");
    }
    const std::string stub = whole.substr(0, layout.user_block + 12);
    EXPECT_EQ(problem_of(stub), "the file is truncated inside its superblock");
  }
}

TEST(Hdf5FileCheck, OtherFilesAreNamed) {
  using namespace std::string_literals;
  EXPECT_EQ(problem_of(""), "the file is empty");
  EXPECT_EQ(problem_of("user,item,scene\nu1,i1,s1\n"), "not an HDF5 file");
  EXPECT_EQ(problem_of("\x1f\x8b\x08\x00\x00\x00"s), "not an HDF5 file (it is a gzip file)");
  EXPECT_EQ(problem_of("\x00\x01\x02\x03 some binary"s), "not an HDF5 file (it is a binary file)");
  // The signature somewhere HDF5 does not look (not at 0 or a power of two from 512).
  EXPECT_EQ(problem_of(std::string(100, ' ') + "\x89HDF\r\n\x1a\n" + std::string(600, ' ')),
            "not an HDF5 file");
}

TEST(Hdf5FileCheck, ImpossibleSuperblockFieldsAreDamage) {
  const std::string whole = hdf5_file(false, 0);  // superblock version 0 at offset 0
  std::string version = whole;
  version[8] = 9;
  EXPECT_EQ(problem_of(version), "damaged HDF5 superblock (version 9; HDF5 1.10 writes 0 to 3)");
  std::string offsets = whole;
  offsets[13] = 3;
  EXPECT_EQ(problem_of(offsets), "damaged HDF5 superblock (addresses of 3 bytes)");
  // An end-of-file address beyond 64 bits (16-byte addresses with high bytes set).
  std::string huge = whole;
  huge[13] = 16;
  huge.replace(24 + 2 * 16, 16, std::string(15, '\0') + '\x01');
  EXPECT_EQ(problem_of(huge), "the file is truncated: it has " + std::to_string(whole.size()) +
                                  " bytes, its HDF5 superblock says more (an incomplete copy?)");
}

}  // namespace
}  // namespace sceneals::io
