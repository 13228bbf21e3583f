// binary_signature: the formats are told apart by their published magic numbers, and text
// (including UTF-8 and a byte-order mark) is never mistaken for one.
#include "io/binary_signature.h"

#include <gtest/gtest.h>

#include <string>

namespace sceneals::io {
namespace {

using namespace std::string_literals;

TEST(BinarySignature, RecognisesCompressedFormatsByMagicNumber) {
  EXPECT_EQ(binary_format_name("\x1f\x8b\x08\x00rest"s), "gzip");
  EXPECT_EQ(binary_format_name("BZh91AY&SY"s), "bzip2");
  EXPECT_EQ(binary_format_name("\xfd\x37\x7a\x58\x5a\x00\x00"s), "xz");
  EXPECT_EQ(binary_format_name("\x28\xb5\x2f\xfd\x24"s), "zstd");
  EXPECT_EQ(binary_format_name("PK\x03\x04\x14\x00"s), "zip");
  EXPECT_EQ(binary_format_name("\x89HDF\r\n\x1a\n\x00\x00"s), "HDF5");
}

TEST(BinarySignature, NulByteMeansBinary) {
  EXPECT_EQ(binary_format_name("user,item\n\x00\x01"s), "binary");
}

TEST(BinarySignature, TextIsNotBinary) {
  EXPECT_FALSE(binary_format_name("user,item,scene,value\nu1,i1,s1,1\n"));
  EXPECT_FALSE(binary_format_name("\xef\xbb\xbfuser,item,scene\n"s));           // UTF-8 BOM
  EXPECT_FALSE(binary_format_name("user\titem\tscene\n\xc3\xa9t\xc3\xa9\n"s));  // UTF-8 text
  EXPECT_FALSE(binary_format_name("B"));  // a prefix of "BZh" is not bzip2
  EXPECT_FALSE(binary_format_name(""));
}

TEST(BinarySignature, MessageSaysHowToDecompress) {
  EXPECT_EQ(binary_format_message("log.csv", "gzip"),
            "this is a gzip-compressed file; decompress it first (zcat log.csv > FILE.csv)");
  EXPECT_EQ(binary_format_message("m.h5", "HDF5"),
            "this is a HDF5 file, not a CSV/TSV interaction log");
  EXPECT_EQ(binary_format_message("x", "binary"),
            "this is a binary file (it holds NUL bytes), not a CSV/TSV interaction log");
}

}  // namespace
}  // namespace sceneals::io
