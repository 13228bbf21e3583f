#include "solver/row_exchange.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "mpi/error.h"

namespace sceneals::solver {

namespace {

/// Rank holding each position of a list split in contiguous slices (slice_begin has ranks + 1
/// entries, the last the list's length).
int owner_of(const std::vector<std::int64_t>& slice_begin, std::int64_t position) {
  const auto after = std::upper_bound(slice_begin.begin() + 1, slice_begin.end(), position);
  return static_cast<int>(after - (slice_begin.begin() + 1));
}

}  // namespace

RowExchange::RowExchange(const mpi::Communicator& comm, const SparseRows& needs,
                         std::int64_t local_rows, std::int64_t row_bytes, std::int64_t budget_bytes)
    : comm_(&comm) {
  const int ranks = comm.size();
  const auto ranks_size = static_cast<std::size_t>(ranks);
  const std::vector<std::int64_t> held = comm.allgather(local_rows);
  std::vector<std::int64_t> slice_begin(ranks_size + 1, 0);
  std::partial_sum(held.begin(), held.end(), slice_begin.begin() + 1);
  const std::int64_t list_rows = slice_begin.back();
  check_invariant(list_rows < std::numeric_limits<std::int32_t>::max(),
                  "a partitioned list has fewer than 2^31 rows");
  // Rows one batch may take from one rank.
  const std::int64_t cap = std::max<std::int64_t>(1, budget_bytes / row_bytes / ranks);
  const auto entries = [&](std::int64_t row) {
    return std::make_pair(needs.offsets[row], needs.offsets[row + 1]);
  };

  // Cut the block into batches: a row joins the open batch unless the new columns it brings
  // would take more than `cap` rows from some rank.
  {
    std::vector<std::int32_t> batch_of_column(static_cast<std::size_t>(list_rows), -1);
    std::vector<std::int64_t> from_rank(ranks_size, 0), row_new(ranks_size, 0);
    std::int32_t batch = 0;
    const auto count_new = [&](std::int64_t row) {
      std::fill(row_new.begin(), row_new.end(), 0);
      const auto [begin, end] = entries(row);
      for (std::int64_t e = begin; e < end; ++e)
        if (batch_of_column[static_cast<std::size_t>(needs.index[e])] != batch)
          ++row_new[static_cast<std::size_t>(owner_of(slice_begin, needs.index[e]))];
    };
    for (std::int64_t row = 0; row < needs.rows; ++row) {
      count_new(row);
      bool over = false;
      for (std::size_t r = 0; r < ranks_size; ++r) over |= from_rank[r] + row_new[r] > cap;
      if (over && row > batch_first_.back()) {
        batch_first_.push_back(row);
        ++batch;
        std::fill(from_rank.begin(), from_rank.end(), 0);
        count_new(row);
      }
      const auto [begin, end] = entries(row);
      for (std::int64_t e = begin; e < end; ++e)
        batch_of_column[static_cast<std::size_t>(needs.index[e])] = batch;
      for (std::size_t r = 0; r < ranks_size; ++r) from_rank[r] += row_new[r];
    }
    if (needs.rows > 0) batch_first_.push_back(needs.rows);
  }
  rounds_ = comm.max(batches());

  // Per batch: its distinct columns in order (the order in which its rows arrive: by owner,
  // then position), the entries renumbered into them, and the requests to each owner.
  local_index_.resize(static_cast<std::size_t>(needs.rows > 0 ? needs.offsets[needs.rows] : 0));
  std::vector<std::int64_t> request_counts(ranks_size * static_cast<std::size_t>(rounds_), 0);
  std::vector<std::vector<std::int32_t>> requests(ranks_size);
  std::vector<std::int32_t> columns;
  const int me = comm.rank();
  for (int b = 0; b < batches(); ++b) {
    const std::int64_t begin = needs.offsets[batch_first_row(b)];
    const std::int64_t end = needs.offsets[batch_first_row(b + 1)];
    columns.assign(needs.index + begin, needs.index + end);
    std::sort(columns.begin(), columns.end());
    columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
    for (std::int64_t e = begin; e < end; ++e)
      local_index_[static_cast<std::size_t>(e)] = static_cast<std::int32_t>(
          std::lower_bound(columns.begin(), columns.end(), needs.index[e]) - columns.begin());
    for (std::int32_t column : columns) {
      const int owner = owner_of(slice_begin, column);
      const auto d = static_cast<std::size_t>(owner);
      requests[d].push_back(static_cast<std::int32_t>(column - slice_begin[d]));
      ++request_counts[d * static_cast<std::size_t>(rounds_) + static_cast<std::size_t>(b)];
      if (owner != me) ++received_rows_;
    }
    largest_batch_rows_ = std::max(largest_batch_rows_, static_cast<std::int64_t>(columns.size()));
  }

  receive_rows_.resize(request_counts.size());
  for (std::size_t d = 0; d < ranks_size; ++d)
    for (int round = 0; round < rounds_; ++round)
      receive_rows_[static_cast<std::size_t>(round) * ranks_size + d] =
          request_counts[d * static_cast<std::size_t>(rounds_) + static_cast<std::size_t>(round)];

  // Tell every owner what to send in each round. It receives, per source rank, the source's
  // counts of all rounds and then its requests in round order.
  std::vector<std::int64_t> sources_counts =
      comm.alltoallv(request_counts.data(),
                     std::vector<std::int64_t>(ranks_size, static_cast<std::int64_t>(rounds_)));
  std::vector<std::int64_t> request_sizes;
  const std::vector<std::int32_t> wanted = comm.alltoallv(requests, &request_sizes);
  requests.clear();
  // Reorder from (source, round) to (round, destination): send_offsets_ indexes round * ranks + d.
  // Each source's block holds its requests in round order, so one cursor per source walks it.
  std::vector<std::int64_t> cursor(ranks_size, 0);
  std::partial_sum(request_sizes.begin(), request_sizes.end() - 1, cursor.begin() + 1);
  send_rows_.reserve(wanted.size());
  for (int round = 0; round < rounds_; ++round) {
    for (std::size_t q = 0; q < ranks_size; ++q) {
      const std::int64_t count =
          sources_counts[q * static_cast<std::size_t>(rounds_) + static_cast<std::size_t>(round)];
      const auto first = wanted.begin() + cursor[q];
      for (auto at = first; at != first + count; ++at)
        check_invariant(*at >= 0 && *at < local_rows, "a requested row is held by this rank");
      send_rows_.insert(send_rows_.end(), first, first + count);
      send_offsets_.push_back(static_cast<std::int64_t>(send_rows_.size()));
      cursor[q] += count;
    }
  }
}

SparseRows RowExchange::fetch(int round, const SparseRows& needs, const Matrix& local,
                              Matrix& rows) const {
  const auto ranks = static_cast<std::size_t>(comm_->size());
  const auto base = static_cast<std::size_t>(round) * ranks;
  const Eigen::Index width = local.cols();
  std::vector<std::int64_t> send_counts(ranks), receive_counts(ranks);
  std::int64_t received = 0;
  for (std::size_t d = 0; d < ranks; ++d) {
    receive_counts[d] = receive_rows_[base + d] * width;
    received += receive_rows_[base + d];
  }
  Matrix packed(send_offsets_[base + ranks] - send_offsets_[base], width);
  Eigen::Index at = 0;
  for (std::size_t d = 0; d < ranks; ++d) {
    const std::int64_t first = send_offsets_[base + d], last = send_offsets_[base + d + 1];
    for (std::int64_t s = first; s < last; ++s)
      packed.row(at++) = local.row(send_rows_[static_cast<std::size_t>(s)]);
    send_counts[d] = (last - first) * width;
  }
  rows.resize(received, width);
  comm_->alltoallv_known(packed.data(), send_counts, receive_counts, rows.data());
  if (round >= batches()) return SparseRows{};
  const std::int64_t first = batch_first_row(round);
  return SparseRows{needs.offsets + first, local_index_.data(), needs.value,
                    batch_first_row(round + 1) - first};
}

}  // namespace sceneals::solver
