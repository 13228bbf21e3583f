// Partitioned factor rows brought to where they are needed. A factor table (one scene's user
// rows, say) is split over the ranks of a communicator in contiguous slices: rank r holds the
// rows [slice_begin[r], slice_begin[r + 1]) of the scene's list. A rank's CSR block (its items'
// observations, whose columns are positions in that list) needs only the rows its columns name.
// RowExchange fetches exactly those, instead of gathering the whole table on every rank.
//
// The block's rows are cut into batches, in order, so that for each batch the rows this rank
// receives from any one rank number at most budget / (row bytes x ranks): the rows received for
// a batch stay within the budget, and so do the rows a rank sends in one round, whatever the
// data. (One block row whose own columns exceed that gets a batch to itself; its solve needs
// them all at once.) Each round is one MPI_Alltoallv; every rank takes part in every round, with
// nothing to receive once its batches are done.
#pragma once

#include <cstdint>
#include <vector>

#include "mpi/communicator.h"
#include "solver/factor_types.h"

namespace sceneals::solver {

class RowExchange {
 public:
  /// Collective over `comm`. `needs`: this rank's block, its columns positions in the
  /// partitioned list (sorted within each row); `local_rows`: how many rows of the list this
  /// rank holds; `row_bytes`: the size of one row; `budget_bytes`: see above.
  RowExchange(const mpi::Communicator& comm, const SparseRows& needs, std::int64_t local_rows,
              std::int64_t row_bytes, std::int64_t budget_bytes);

  /// Rounds of fetch(): the most batches of any rank, the same on every rank.
  int rounds() const { return rounds_; }
  /// This rank's batches (at most rounds()).
  int batches() const { return static_cast<int>(batch_first_.size()) - 1; }
  /// First block row of batch b and one past its last; b == batches() gives the block's end.
  std::int64_t batch_first_row(int b) const { return batch_first_[static_cast<std::size_t>(b)]; }

  /// Collective over the communicator of the constructor, called for every round in order.
  /// Fills `rows` with the rows this rank's batch `round` needs (none beyond its batches), from
  /// `local` (this rank's slice, one row per held position), and returns the batch's
  /// observations with columns renumbered into `rows`. `needs` is the constructor's block.
  SparseRows fetch(int round, const SparseRows& needs, const Matrix& local, Matrix& rows) const;
  /// Collective, like fetch(): runs every round and calls fn(batch, first_row, rows) for each of
  /// this rank's batches, `batch` its observations renumbered into the fetched `rows`, starting
  /// at block row `first_row`.
  template <class Fn>
  void for_each_batch(const SparseRows& needs, const Matrix& local, Fn&& fn) const {
    Matrix rows;
    for (int round = 0; round < rounds_; ++round) {
      const SparseRows batch = fetch(round, needs, local, rows);
      if (batch.rows > 0) fn(batch, batch_first_row(round), static_cast<const Matrix&>(rows));
    }
  }

  /// Rows received from other ranks over all rounds (the bytes the plan costs, per row).
  std::int64_t received_rows() const { return received_rows_; }
  /// The most rows received for one batch (what the buffer held at its fullest).
  std::int64_t largest_batch_rows() const { return largest_batch_rows_; }

 private:
  const mpi::Communicator* comm_;
  int rounds_ = 0;
  std::vector<std::int64_t> batch_first_{0};  // block rows where batches begin, then the end
  // Columns renumbered: entry e of the block names row local_index_[e] of its batch's rows.
  std::vector<std::int32_t> local_index_;
  // What this rank sends: for round r and destination d, the local rows
  // send_rows_[send_offsets_[r * ranks + d] .. send_offsets_[r * ranks + d + 1]).
  std::vector<std::int32_t> send_rows_;
  std::vector<std::int64_t> send_offsets_{0};
  // Rows this rank receives in round r from rank d: receive_rows_[r * ranks + d].
  std::vector<std::int64_t> receive_rows_;
  std::int64_t received_rows_ = 0;
  std::int64_t largest_batch_rows_ = 0;
};

}  // namespace sceneals::solver
