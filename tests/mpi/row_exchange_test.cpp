// RowExchange against the closed form: row p of the partitioned table is (p, p / 2, -p), so
// every rank knows what each fetched row must hold. Slices are uneven (one rank holds none at 4
// ranks, another has no block rows), blocks are random, and the budget is a few rows so that
// there are many rounds. Runs at 1, 2 and 4 ranks.
#include "solver/row_exchange.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "mpi/communicator.h"

namespace sceneals::solver {
namespace {

constexpr int kWidth = 3;
constexpr std::int64_t kRowBytes = kWidth * sizeof(float);

std::int64_t slice_rows(int rank) { return rank == 2 ? 0 : 23 + 11 * rank; }

Eigen::RowVectorXf row_value(std::int64_t position) {
  const auto p = static_cast<float>(position);
  Eigen::RowVectorXf row(kWidth);
  row << p, p / 2, -p;
  return row;
}

struct Block {
  std::vector<std::int64_t> offsets{0};
  std::vector<std::int32_t> index;
  std::vector<float> value;
  SparseRows view() const {
    return SparseRows{offsets.data(), index.data(), value.data(),
                      static_cast<std::int64_t>(offsets.size()) - 1};
  }
};

/// Random rows of distinct sorted columns; row 5 (when there is one) names `wide` columns.
Block random_block(int rank, std::int64_t rows, std::int64_t list_rows, std::int64_t wide) {
  std::mt19937 random(static_cast<unsigned>(1234 + rank));
  Block block;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::set<std::int32_t> columns;
    const std::int64_t want = r == 5 ? wide : 1 + static_cast<std::int64_t>(random() % 6);
    while (static_cast<std::int64_t>(columns.size()) < std::min(want, list_rows))
      columns.insert(static_cast<std::int32_t>(random() % static_cast<unsigned>(list_rows)));
    for (std::int32_t c : columns) {
      block.index.push_back(c);
      block.value.push_back(static_cast<float>(block.value.size()));  // the entry's own number
    }
    block.offsets.push_back(static_cast<std::int64_t>(block.index.size()));
  }
  return block;
}

TEST(RowExchange, EachBatchGetsExactlyTheRowsItNamesWithinTheBudget) {
  const mpi::Communicator world = mpi::Communicator::world();
  const int n = world.size(), me = world.rank();
  std::vector<std::int64_t> slice_begin{0};
  for (int r = 0; r < n; ++r) slice_begin.push_back(slice_begin.back() + slice_rows(r));
  const std::int64_t list_rows = slice_begin.back();
  const auto owner = [&](std::int32_t column) {
    return static_cast<int>(std::upper_bound(slice_begin.begin(), slice_begin.end(), column) -
                            slice_begin.begin()) -
           1;
  };
  Matrix local(slice_rows(me), kWidth);
  for (std::int64_t i = 0; i < local.rows(); ++i) local.row(i) = row_value(slice_begin[me] + i);
  const std::int64_t block_rows = me == 1 ? 0 : 40 + 5 * me;
  const std::int64_t cap = 4;  // rows from one rank per batch
  const Block block = random_block(me, block_rows, list_rows, /*wide=*/4 * cap * n);

  const RowExchange exchange(world, block.view(), local.rows(), kRowBytes, cap * n * kRowBytes);
  EXPECT_EQ(exchange.rounds(), world.max(exchange.batches()));
  if (block_rows > 0) {
    EXPECT_GT(exchange.batches(), 3);  // the budget cuts the block
  }
  EXPECT_EQ(exchange.batch_first_row(0), 0);
  EXPECT_EQ(exchange.batch_first_row(exchange.batches()), block_rows);

  Matrix rows;
  std::int64_t received_from_others = 0, largest = 0;
  for (int round = 0; round < exchange.rounds(); ++round) {
    const SparseRows batch = exchange.fetch(round, block.view(), local, rows);
    if (round >= exchange.batches()) {
      EXPECT_EQ(batch.rows, 0);
      EXPECT_EQ(rows.rows(), 0);
      continue;
    }
    const std::int64_t first = exchange.batch_first_row(round);
    ASSERT_EQ(batch.rows, exchange.batch_first_row(round + 1) - first);
    std::set<std::int32_t> distinct;
    for (std::int64_t r = 0; r < batch.rows; ++r) {
      for (std::int64_t e = batch.offsets[r]; e < batch.offsets[r + 1]; ++e) {
        const std::int32_t column = block.index[static_cast<std::size_t>(e)];
        distinct.insert(column);
        ASSERT_LT(batch.index[e], rows.rows());
        EXPECT_EQ(rows.row(batch.index[e]), row_value(column)) << "round " << round;
        EXPECT_EQ(batch.value[e], static_cast<float>(e));
      }
    }
    EXPECT_EQ(rows.rows(), static_cast<Eigen::Index>(distinct.size()));  // no row twice
    std::map<int, std::int64_t> from;
    for (std::int32_t column : distinct) ++from[owner(column)];
    for (const auto& [rank, count] : from) {
      if (batch.rows > 1) {  // a single row's columns may exceed the budget
        EXPECT_LE(count, cap) << "round " << round << " from rank " << rank;
      }
      if (rank != me) received_from_others += count;
    }
    // Batches are as large as the budget allows: the next block row would break it.
    if (round + 1 < exchange.batches()) {
      const std::int64_t next = exchange.batch_first_row(round + 1);
      std::map<int, std::int64_t> with_next = from;
      for (std::int64_t e = block.offsets[static_cast<std::size_t>(next)];
           e < block.offsets[static_cast<std::size_t>(next) + 1]; ++e) {
        const std::int32_t column = block.index[static_cast<std::size_t>(e)];
        if (distinct.count(column) == 0) ++with_next[owner(column)];
      }
      bool over = false;
      for (const auto& [rank, count] : with_next) over |= count > cap;
      EXPECT_TRUE(over) << "round " << round << " could have taken block row " << next;
    }
    largest = std::max(largest, static_cast<std::int64_t>(distinct.size()));
  }
  EXPECT_EQ(exchange.received_rows(), received_from_others);
  EXPECT_EQ(exchange.largest_batch_rows(), largest);
}

TEST(RowExchange, AGenerousBudgetTakesOneRound) {
  const mpi::Communicator world = mpi::Communicator::world();
  const int me = world.rank();
  std::int64_t begin = 0;
  for (int r = 0; r < me; ++r) begin += slice_rows(r);
  const std::int64_t list_rows = world.sum(slice_rows(me));
  Matrix local(slice_rows(me), kWidth);
  for (std::int64_t i = 0; i < local.rows(); ++i) local.row(i) = row_value(begin + i);
  const Block block = random_block(me, 30, list_rows, 10);
  const RowExchange exchange(world, block.view(), local.rows(), kRowBytes, std::int64_t{1} << 30);
  ASSERT_EQ(exchange.rounds(), 1);
  Matrix rows;
  const SparseRows batch = exchange.fetch(0, block.view(), local, rows);
  ASSERT_EQ(batch.rows, 30);
  for (std::size_t e = 0; e < block.index.size(); ++e)
    EXPECT_EQ(rows.row(batch.index[e]), row_value(block.index[e]));
}

}  // namespace
}  // namespace sceneals::solver
