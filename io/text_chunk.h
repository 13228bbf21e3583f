// Each rank's share of a text file: whole lines of a byte range, cut at line ends, so that no
// rank ever holds the whole input. The chunk knows the absolute line number of its first line
// for error messages (found by an exclusive prefix sum of line counts).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mpi/communicator.h"

namespace sceneals::io {

struct TextChunk {
  std::string text;             ///< whole lines; the last may lack its '\n' at end of file
  std::int64_t first_line = 0;  ///< 1-based line number of the first line of `text`
  std::string header;           ///< the file's first line without its line end (every rank)
  std::int64_t file_bytes = 0;
};

/// Pure: where rank `rank` of `ranks` starts reading, given the data region [data_begin, size)
/// and a way to find the first '\n' at or after an offset (returns size when there is none).
/// Rank 0 starts at data_begin; rank r starts after the first '\n' at or after its nominal start
/// minus one, so a line belongs to the rank whose nominal range holds its first byte... and
/// every line to exactly one rank.
template <class FindNewline>
std::int64_t chunk_start(int rank, int ranks, std::int64_t data_begin, std::int64_t size,
                         FindNewline&& find_newline) {
  if (rank == 0) return data_begin;
  if (rank >= ranks) return size;
  const std::int64_t nominal = data_begin + (size - data_begin) * rank / ranks;
  if (nominal <= data_begin) return data_begin;
  const std::int64_t newline = find_newline(nominal - 1);
  return newline >= size ? size : newline + 1;
}

/// This rank's share of a text file read a block of whole lines at a time, for inputs too large
/// to hold: a rank's share of S8 is 358 MB, and on this kind of VM allocating and first touching
/// that much memory took longer than reading the file from the page cache. The line numbers are
/// the caller's to count (it parses every line anyway); read_text_chunk holds the whole share.
class TextChunkStream {
 public:
  /// Collective over `comm`: opens the file, reads the header line when `has_header` and finds
  /// this rank's byte range. A file that cannot be opened or read, is empty or is binary gives
  /// an AgreedError naming the file. `block_bytes` is the size read at a time (tests use tiny
  /// ones).
  TextChunkStream(const mpi::Communicator& comm, const std::string& path, bool has_header,
                  std::int64_t block_bytes = std::int64_t{4} << 20);
  ~TextChunkStream();
  TextChunkStream(const TextChunkStream&) = delete;
  TextChunkStream& operator=(const TextChunkStream&) = delete;

  /// Local (no communication): the next whole lines of this rank's range, each with its '\n'
  /// except perhaps the range's last; empty once the range is read. A line longer than a block
  /// comes whole (the buffer grows). The view is valid until the next call. Throws InputError
  /// when the file cannot be read.
  std::string_view next_lines();

  const std::string& header() const { return header_; }
  std::int64_t header_lines() const { return has_header_ ? 1 : 0; }
  std::int64_t file_bytes() const { return file_bytes_; }
  std::int64_t range_bytes() const { return end_ - begin_; }

 private:
  class File;
  std::unique_ptr<File> file_;
  std::string path_;
  std::string header_;
  bool has_header_ = false;
  std::int64_t file_bytes_ = 0;
  std::int64_t begin_ = 0, end_ = 0;  ///< this rank's byte range
  std::int64_t next_read_ = 0;        ///< file offset of the next block
  std::int64_t block_bytes_ = 0;
  std::string buffer_;  ///< [0, filled_) read; [0, handed_out_) returned last time
  std::size_t filled_ = 0;
  std::size_t handed_out_ = 0;
};

/// Collective over `comm`. Skips the header line (the file's first line) when `has_header`.
/// A file that cannot be opened or read, or is empty, gives an AgreedError naming the file.
TextChunk read_text_chunk(const mpi::Communicator& comm, const std::string& path, bool has_header);

}  // namespace sceneals::io
