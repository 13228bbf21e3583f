#include "io/text_chunk.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "io/binary_signature.h"
#include "mpi/error_agreement.h"

namespace sceneals::io {

namespace {

/// A file opened for random-access reads, with InputErrors naming it.
class RandomAccessFile {
 public:
  explicit RandomAccessFile(const std::string& path)
      : path_(path), stream_(path, std::ios::binary) {
    std::error_code ignored;
    // An ifstream opens a directory on Linux and fails only at the first read.
    if (std::filesystem::is_directory(path, ignored))
      throw InputError(path, "is a directory, not a file");
    if (!stream_) throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
    stream_.seekg(0, std::ios::end);
    size_ = static_cast<std::int64_t>(stream_.tellg());
    if (size_ < 0) throw InputError(path, "cannot determine the file size");
  }
  std::int64_t size() const { return size_; }

  std::string read(std::int64_t begin, std::int64_t end) {
    std::string out(static_cast<std::size_t>(std::max<std::int64_t>(0, end - begin)), '\0');
    if (out.empty()) return out;
    stream_.clear();
    stream_.seekg(begin);
    stream_.read(out.data(), static_cast<std::streamsize>(out.size()));
    if (stream_.gcount() != static_cast<std::streamsize>(out.size()))
      throw InputError(path_, "read failed at byte " + std::to_string(begin));
    return out;
  }

  /// Offset of the first '\n' at or after `from`, or size() when there is none.
  std::int64_t find_newline(std::int64_t from) {
    constexpr std::int64_t kBlock = 1 << 16;
    for (std::int64_t at = from; at < size_; at += kBlock) {
      const std::string block = read(at, std::min(size_, at + kBlock));
      const std::size_t hit = block.find('\n');
      if (hit != std::string::npos) return at + static_cast<std::int64_t>(hit);
    }
    return size_;
  }

 private:
  std::string path_;
  std::ifstream stream_;
  std::int64_t size_ = 0;
};

std::int64_t count_lines(const std::string& text) {
  if (text.empty()) return 0;
  const std::int64_t newlines = std::count(text.begin(), text.end(), '\n');
  return newlines + (text.back() == '\n' ? 0 : 1);
}

}  // namespace

TextChunk read_text_chunk(const mpi::Communicator& comm, const std::string& path, bool has_header) {
  TextChunk chunk;
  std::int64_t header_lines = 0;
  mpi::run_agreed(comm, [&] {
    RandomAccessFile file(path);
    chunk.file_bytes = file.size();
    if (file.size() == 0) throw InputError(path, "the file is empty");
    constexpr std::int64_t kSniffBytes = 4096;
    if (const auto format = binary_format_name(file.read(0, std::min(file.size(), kSniffBytes))))
      throw InputError(path, binary_format_message(path, *format));
    std::int64_t data_begin = 0;
    if (has_header) {
      const std::int64_t header_end = file.find_newline(0);
      chunk.header = file.read(0, header_end);
      if (!chunk.header.empty() && chunk.header.back() == '\r') chunk.header.pop_back();
      data_begin = std::min(file.size(), header_end + 1);
      header_lines = 1;
    }
    auto find = [&file](std::int64_t from) { return file.find_newline(from); };
    const std::int64_t begin = chunk_start(comm.rank(), comm.size(), data_begin, file.size(), find);
    const std::int64_t end =
        chunk_start(comm.rank() + 1, comm.size(), data_begin, file.size(), find);
    chunk.text = file.read(begin, std::max(begin, end));
  });
  chunk.first_line = 1 + header_lines + comm.exclusive_prefix_sum(count_lines(chunk.text));
  return chunk;
}

}  // namespace sceneals::io
