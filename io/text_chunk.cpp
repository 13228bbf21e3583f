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

/// A file opened for random-access reads, with InputErrors naming it.
class TextChunkStream::File {
 public:
  explicit File(const std::string& path) : path_(path), stream_(path, std::ios::binary) {
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
    read_into(begin, static_cast<std::int64_t>(out.size()), out.data());
    return out;
  }

  /// Reads [begin, begin + bytes) into `out`.
  void read_into(std::int64_t begin, std::int64_t bytes, char* out) {
    if (bytes == 0) return;
    stream_.clear();
    stream_.seekg(begin);
    stream_.read(out, static_cast<std::streamsize>(bytes));
    if (stream_.gcount() != static_cast<std::streamsize>(bytes))
      throw InputError(path_, "read failed at byte " + std::to_string(begin));
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

namespace {

std::int64_t count_lines(const std::string& text) {
  if (text.empty()) return 0;
  const std::int64_t newlines = std::count(text.begin(), text.end(), '\n');
  return newlines + (text.back() == '\n' ? 0 : 1);
}

}  // namespace

TextChunkStream::TextChunkStream(const mpi::Communicator& comm, const std::string& path,
                                 bool has_header, std::int64_t block_bytes)
    : path_(path), has_header_(has_header), block_bytes_(std::max<std::int64_t>(1, block_bytes)) {
  mpi::run_agreed(comm, [&] {
    file_ = std::make_unique<File>(path);
    file_bytes_ = file_->size();
    if (file_bytes_ == 0) throw InputError(path, "the file is empty");
    constexpr std::int64_t kSniffBytes = 4096;
    if (const auto format = binary_format_name(file_->read(0, std::min(file_bytes_, kSniffBytes))))
      throw InputError(path, binary_format_message(path, *format));
    std::int64_t data_begin = 0;
    if (has_header) {
      const std::int64_t header_end = file_->find_newline(0);
      header_ = file_->read(0, header_end);
      if (!header_.empty() && header_.back() == '\r') header_.pop_back();
      data_begin = std::min(file_bytes_, header_end + 1);
    }
    auto find = [this](std::int64_t from) { return file_->find_newline(from); };
    begin_ = chunk_start(comm.rank(), comm.size(), data_begin, file_bytes_, find);
    end_ =
        std::max(begin_, chunk_start(comm.rank() + 1, comm.size(), data_begin, file_bytes_, find));
  });
  next_read_ = begin_;
}

TextChunkStream::~TextChunkStream() = default;

std::string_view TextChunkStream::next_lines() {
  // What was handed out last time is done with; an unfinished line moves to the front. The
  // buffer keeps its size, so it is allocated (and first touched) once, not once per block.
  std::memmove(buffer_.data(), buffer_.data() + handed_out_, filled_ - handed_out_);
  filled_ -= handed_out_;
  handed_out_ = 0;
  for (;;) {
    const std::int64_t want = std::min(block_bytes_, end_ - next_read_);
    if (want == 0) {  // the range is read: the rest is its last line (or nothing)
      handed_out_ = filled_;
      return std::string_view(buffer_.data(), filled_);
    }
    if (buffer_.size() < filled_ + static_cast<std::size_t>(want))
      buffer_.resize(filled_ + static_cast<std::size_t>(want));
    file_->read_into(next_read_, want, buffer_.data() + filled_);
    next_read_ += want;
    // The carried part holds no line end (it was cut after the last one): search the new bytes.
    const std::size_t newline =
        std::string_view(buffer_.data() + filled_, static_cast<std::size_t>(want)).rfind('\n');
    const std::size_t searched_from = filled_;
    filled_ += static_cast<std::size_t>(want);
    if (newline != std::string_view::npos) {
      handed_out_ = searched_from + newline + 1;
      return std::string_view(buffer_.data(), handed_out_);
    }
    // No line end yet: a line longer than a block; read on.
  }
}

TextChunk read_text_chunk(const mpi::Communicator& comm, const std::string& path, bool has_header) {
  TextChunkStream stream(comm, path, has_header);
  TextChunk chunk;
  chunk.header = stream.header();
  chunk.file_bytes = stream.file_bytes();
  mpi::run_agreed(comm, [&] {
    chunk.text.reserve(static_cast<std::size_t>(stream.range_bytes()));
    for (std::string_view lines = stream.next_lines(); !lines.empty(); lines = stream.next_lines())
      chunk.text.append(lines);
  });
  chunk.first_line = 1 + stream.header_lines() + comm.exclusive_prefix_sum(count_lines(chunk.text));
  return chunk;
}

}  // namespace sceneals::io
