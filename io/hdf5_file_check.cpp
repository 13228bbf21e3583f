#include "io/hdf5_file_check.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "io/binary_signature.h"

namespace sceneals::io {
namespace {

// HDF5 File Format Specification 3.0, section II.A (the superblock).
constexpr std::string_view kSignature = "\x89HDF\r\n\x1a\n";
constexpr std::int64_t kFirstUserBlockSize = 512;
constexpr std::uint64_t kUndefinedAddress = ~std::uint64_t{0};

/// Little-endian unsigned number of `bytes.size()` bytes; nullopt when it does not fit 64 bits
/// (undefined addresses, all bits set, come back as kUndefinedAddress).
std::optional<std::uint64_t> little_endian(std::string_view bytes) {
  if (bytes.find_first_not_of('\xff') == std::string_view::npos) return kUndefinedAddress;
  std::uint64_t value = 0;
  for (std::size_t i = bytes.size(); i-- > 0;) {
    if (i >= 8) {
      if (bytes[i] != 0) return std::nullopt;
      continue;
    }
    value = value << 8 | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

/// The checks of a superblock, `block` its first bytes.
std::string superblock_problem(std::string_view block, std::int64_t file_size) {
  if (block.size() < kSignature.size() + 1) return "the file is truncated inside its superblock";
  const int version = static_cast<unsigned char>(block[8]);
  if (version > 3)
    return "damaged HDF5 superblock (version " + std::to_string(version) +
           "; HDF5 1.10 writes 0 to 3)";
  // Where the size of offsets is and where the addresses start, by superblock version; the
  // end-of-file address is the third address in every version.
  const std::size_t offset_size_at = version <= 1 ? 13 : 9;
  const std::size_t addresses_at = version == 0 ? 24 : version == 1 ? 28 : 12;
  if (block.size() <= offset_size_at) return "the file is truncated inside its superblock";
  const std::size_t offset_size = static_cast<unsigned char>(block[offset_size_at]);
  if (offset_size != 2 && offset_size != 4 && offset_size != 8 && offset_size != 16 &&
      offset_size != 32)
    return "damaged HDF5 superblock (addresses of " + std::to_string(offset_size) + " bytes)";
  const std::size_t eof_at = addresses_at + 2 * offset_size;
  if (block.size() < eof_at + offset_size) return "the file is truncated inside its superblock";
  const std::optional<std::uint64_t> end = little_endian(block.substr(eof_at, offset_size));
  if (end == kUndefinedAddress) return {};
  // The test HDF5 1.10 makes when it opens a file (H5F__super_read): files it writes record
  // the absolute end, user block included.
  if (!end || *end > static_cast<std::uint64_t>(file_size))
    return "the file is truncated: it has " + std::to_string(file_size) +
           " bytes, its HDF5 superblock says " + (end ? std::to_string(*end) : "more") +
           " (an incomplete copy?)";
  return {};
}

}  // namespace

std::string hdf5_file_problem(std::int64_t file_size, const ByteReader& read) {
  if (file_size <= 0) return "the file is empty";
  constexpr std::size_t kSuperblockBytes = 256;  // past the end-of-file address of any version
  for (std::int64_t base = 0; base + static_cast<std::int64_t>(kSignature.size()) <= file_size;
       base = base == 0 ? kFirstUserBlockSize : base * 2) {
    if (read(base, kSignature.size()) != kSignature) continue;
    return superblock_problem(read(base, kSuperblockBytes), file_size);
  }
  const std::optional<std::string> format = binary_format_name(read(0, 4096));
  return format ? "not an HDF5 file (it is a " + *format + " file)" : "not an HDF5 file";
}

std::string hdf5_file_problem(std::int64_t file_size, std::istream& file) {
  return hdf5_file_problem(file_size, [&file](std::int64_t offset, std::size_t length) {
    std::string bytes(length, '\0');
    file.clear();
    file.seekg(offset);
    file.read(bytes.data(), static_cast<std::streamsize>(length));
    bytes.resize(static_cast<std::size_t>(std::max<std::streamsize>(file.gcount(), 0)));
    return bytes;
  });
}

}  // namespace sceneals::io
