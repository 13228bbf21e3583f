// The users file of `recommend --users FILE`: one user id per line, read in parallel. Each rank
// gets the whole lines of its byte range (io/text_chunk.h), so the ranks' lists, concatenated in
// rank order, are the file's users in file order, and no rank holds the whole list.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mpi/communicator.h"

namespace sceneals::io {

struct UserList {
  std::vector<std::string> ids;
  std::vector<std::int64_t> lines;  ///< 1-based line number of each id, for messages
};

/// Pure: the ids of `text` (whole lines, the first numbered `first_line`), a trailing '\r'
/// removed, blank lines skipped. Appended to `out`.
void parse_user_lines(const std::string& text, std::int64_t first_line, UserList& out);

/// Collective over `comm`. AgreedError (exit 1) naming the file when it cannot be read or holds
/// no id.
UserList read_user_list(const mpi::Communicator& comm, const std::string& path);

/// Pure: the range [first, second) of `total` rows that part `part` of `parts` takes when the
/// rows are dealt in whole blocks of `block` rows, contiguous and in order (the last block may be
/// short). Parts differ by at most one block.
std::pair<std::int64_t, std::int64_t> block_aligned_share(std::int64_t total, std::int64_t block,
                                                          int part, int parts);

/// Collective over `comm`: moves the entries of every rank's list (in rank order, the file's
/// order) so that rank r holds block_aligned_share(total, block, r, size) of them, in order.
UserList deal_in_blocks(const mpi::Communicator& comm, UserList list, std::int64_t block);

}  // namespace sceneals::io
