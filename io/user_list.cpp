#include "io/user_list.h"

#include <algorithm>

#include "io/text_chunk.h"
#include "mpi/error.h"

namespace sceneals::io {

void parse_user_lines(const std::string& text, std::int64_t first_line, UserList& out) {
  std::int64_t line = first_line;
  for (std::size_t begin = 0; begin < text.size(); ++line) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::size_t stop = end;
    if (stop > begin && text[stop - 1] == '\r') --stop;
    if (stop > begin) {
      out.ids.emplace_back(text, begin, stop - begin);
      out.lines.push_back(line);
    }
    begin = end + 1;
  }
}

UserList read_user_list(const mpi::Communicator& comm, const std::string& path) {
  const TextChunk chunk = read_text_chunk(comm, path, /*has_header=*/false);
  UserList list;
  parse_user_lines(chunk.text, chunk.first_line, list);
  if (comm.sum<std::int64_t>(static_cast<std::int64_t>(list.ids.size())) == 0)
    throw AgreedError(ExitCode::kBadInput, path + ": no user ids (one id per line)");
  return list;
}

std::pair<std::int64_t, std::int64_t> block_aligned_share(std::int64_t total, std::int64_t block,
                                                          int part, int parts) {
  const std::int64_t blocks = (total + block - 1) / block;
  const std::int64_t first = blocks * part / parts, last = blocks * (part + 1) / parts;
  return {std::min(total, first * block), std::min(total, last * block)};
}

UserList deal_in_blocks(const mpi::Communicator& comm, UserList list, std::int64_t block) {
  const auto count = static_cast<std::int64_t>(list.ids.size());
  const std::int64_t offset = comm.exclusive_prefix_sum(count);
  const std::int64_t total = comm.sum(count);
  std::vector<std::vector<std::string>> ids(static_cast<std::size_t>(comm.size()));
  std::vector<std::vector<std::int64_t>> lines(ids.size());
  int rank = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    while (block_aligned_share(total, block, rank, comm.size()).second <= offset + i) ++rank;
    ids[static_cast<std::size_t>(rank)].push_back(std::move(list.ids[static_cast<std::size_t>(i)]));
    lines[static_cast<std::size_t>(rank)].push_back(list.lines[static_cast<std::size_t>(i)]);
  }
  // Every source sends a contiguous, ordered run, and sources are in file order: the received
  // concatenation in source-rank order is in file order.
  UserList out;
  out.ids = comm.alltoallv_strings(ids);
  out.lines = comm.alltoallv(lines);
  return out;
}

}  // namespace sceneals::io
