// Each rank's share of a text file: whole lines of a byte range, cut at line ends, so that no
// rank ever holds the whole input. The chunk knows the absolute line number of its first line
// for error messages (found by an exclusive prefix sum of line counts).
#pragma once

#include <cstdint>
#include <string>

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

/// Collective over `comm`. Skips the header line (the file's first line) when `has_header`.
/// A file that cannot be opened or read, or is empty, gives an AgreedError naming the file.
TextChunk read_text_chunk(const mpi::Communicator& comm, const std::string& path, bool has_header);

}  // namespace sceneals::io
