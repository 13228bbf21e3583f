#include "io/binary_signature.h"

#include <array>

namespace sceneals::io {

namespace {

struct Signature {
  std::string_view magic;
  const char* format;
  const char* decompress;  ///< the command that turns it into text, or nullptr
};

using namespace std::string_view_literals;

// Magic numbers from each format's specification (gzip: RFC 1952; zstd: RFC 8878).
constexpr std::array<Signature, 6> kSignatures = {{
    {"\x1f\x8b"sv, "gzip", "zcat"},
    {"BZh"sv, "bzip2", "bzcat"},
    {"\xfd\x37\x7a\x58\x5a\x00"sv, "xz", "xzcat"},
    {"\x28\xb5\x2f\xfd"sv, "zstd", "zstdcat"},
    {"PK\x03\x04"sv, "zip", "unzip -p"},
    {"\x89HDF\r\n\x1a\n"sv, "HDF5", nullptr},
}};

}  // namespace

std::optional<std::string> binary_format_name(std::string_view head) {
  for (const Signature& signature : kSignatures) {
    if (head.substr(0, signature.magic.size()) == signature.magic) return signature.format;
  }
  if (head.find('\0') != std::string_view::npos) return "binary";
  return std::nullopt;
}

std::string binary_format_message(const std::string& path, const std::string& format) {
  for (const Signature& signature : kSignatures) {
    if (format != signature.format) continue;
    if (signature.decompress == nullptr)
      return "this is a " + format + " file, not a CSV/TSV interaction log";
    return "this is a " + format + "-compressed file; decompress it first (" +
           signature.decompress + " " + path + " > FILE.csv)";
  }
  return "this is a binary file (it holds NUL bytes), not a CSV/TSV interaction log";
}

}  // namespace sceneals::io
