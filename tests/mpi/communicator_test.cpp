// Collectives checked the rabit way: every rank computes the expected answer in closed form from
// its own rank and checks it. Runs at 1, 2 and 4 ranks.
#include "mpi/communicator.h"

#include <gtest/gtest.h>

#include <string>

#include "mpi/error_agreement.h"

namespace sceneals::mpi {
namespace {

TEST(Communicator, ReductionsMatchClosedForms) {
  const Communicator world = Communicator::world();
  const int n = world.size(), r = world.rank();
  EXPECT_EQ(world.sum<std::int64_t>(r), std::int64_t{n} * (n - 1) / 2);
  EXPECT_EQ(world.max(r), n - 1);
  EXPECT_EQ(world.min(r + 5), 5);
  EXPECT_EQ(world.exclusive_prefix_sum<std::int64_t>(r + 1), std::int64_t{r} * (r + 1) / 2);
  EXPECT_TRUE(world.any(r == n - 1));
  EXPECT_FALSE(world.any(false));
  std::vector<double> v = {1.0 * r, 2.0, -1.0 * r};
  world.allreduce_in_place(v, ReduceOp::kSum);
  EXPECT_DOUBLE_EQ(v[0], n * (n - 1) / 2.0);
  EXPECT_DOUBLE_EQ(v[1], 2.0 * n);
  std::vector<float> reduced = {static_cast<float>(r + 1)};
  world.reduce_in_place(reduced.data(), 1, ReduceOp::kMax, 0);
  if (r == 0) {
    EXPECT_FLOAT_EQ(reduced[0], static_cast<float>(n));
  }
}

TEST(Communicator, GathersInRankOrder) {
  const Communicator world = Communicator::world();
  const int n = world.size(), r = world.rank();
  EXPECT_EQ(world.allgather<std::int32_t>(r * 10)[static_cast<std::size_t>(n - 1)], (n - 1) * 10);
  // Rank q contributes q copies of q (rank 0 contributes nothing).
  std::vector<std::int64_t> counts;
  const std::vector<std::int32_t> all =
      world.allgatherv(std::vector<std::int32_t>(static_cast<std::size_t>(r), r), &counts);
  std::vector<std::int32_t> expected;
  for (int q = 0; q < n; ++q) expected.insert(expected.end(), static_cast<std::size_t>(q), q);
  EXPECT_EQ(all, expected);
  for (int q = 0; q < n; ++q) EXPECT_EQ(counts[static_cast<std::size_t>(q)], q);
  const std::vector<std::string> names = world.allgatherv_strings({"rank" + std::to_string(r), ""});
  ASSERT_EQ(names.size(), static_cast<std::size_t>(2 * n));
  for (int q = 0; q < n; ++q) {
    EXPECT_EQ(names[static_cast<std::size_t>(2 * q)], "rank" + std::to_string(q));
    EXPECT_EQ(names[static_cast<std::size_t>(2 * q + 1)], "");
  }
}

struct Record {
  std::int32_t from;
  std::int32_t to;
  double payload;
};

TEST(Communicator, AlltoallvDeliversEveryBlockToItsRank) {
  const Communicator world = Communicator::world();
  const int n = world.size(), r = world.rank();
  // Rank r sends d + 1 records to rank d.
  std::vector<std::vector<Record>> send(static_cast<std::size_t>(n));
  for (int d = 0; d < n; ++d)
    for (int i = 0; i <= d; ++i) send[static_cast<std::size_t>(d)].push_back({r, d, r * 100.0 + i});
  std::vector<std::int64_t> counts;
  const std::vector<Record> received = world.alltoallv(send, &counts);
  ASSERT_EQ(received.size(), static_cast<std::size_t>(n * (r + 1)));
  std::size_t at = 0;
  for (int source = 0; source < n; ++source) {
    EXPECT_EQ(counts[static_cast<std::size_t>(source)], r + 1);
    for (int i = 0; i <= r; ++i, ++at) {
      EXPECT_EQ(received[at].from, source);
      EXPECT_EQ(received[at].to, r);
      EXPECT_DOUBLE_EQ(received[at].payload, source * 100.0 + i);
    }
  }
  std::vector<std::vector<std::string>> words(static_cast<std::size_t>(n));
  for (int d = 0; d < n; ++d)
    words[static_cast<std::size_t>(d)] = {std::to_string(r) + ">" + std::to_string(d)};
  const std::vector<std::string> got = world.alltoallv_strings(words);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  for (int source = 0; source < n; ++source)
    EXPECT_EQ(got[static_cast<std::size_t>(source)],
              std::to_string(source) + ">" + std::to_string(r));
}

TEST(Communicator, AlltoallvFromOneBufferMatchesPerDestinationVectors) {
  const Communicator world = Communicator::world();
  const int n = world.size(), r = world.rank();
  // Rank r sends (r + 2 d) % 3 records to rank d (none to some): one buffer in destination
  // order, and the same records as one vector per destination (the reference).
  std::vector<Record> buffer;
  std::vector<std::int64_t> send_counts;
  std::vector<std::vector<Record>> send(static_cast<std::size_t>(n));
  for (int d = 0; d < n; ++d) {
    send_counts.push_back((r + 2 * d) % 3);
    for (int i = 0; i < send_counts.back(); ++i) {
      buffer.push_back({r, d, r * 100.0 + d * 10.0 + i});
      send[static_cast<std::size_t>(d)].push_back(buffer.back());
    }
  }
  std::vector<std::int64_t> counts, reference_counts;
  const std::vector<Record> got = world.alltoallv(buffer.data(), send_counts, &counts);
  const std::vector<Record> reference = world.alltoallv(send, &reference_counts);
  EXPECT_EQ(counts, reference_counts);
  ASSERT_EQ(got.size(), reference.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].from, reference[k].from);
    EXPECT_EQ(got[k].to, r);
    EXPECT_DOUBLE_EQ(got[k].payload, reference[k].payload);
  }
  for (int source = 0; source < n; ++source)
    EXPECT_EQ(counts[static_cast<std::size_t>(source)], (source + 2 * r) % 3);
}

TEST(Communicator, SplitFormsSubgroupsAndCountsTraffic) {
  const Communicator world = Communicator::world();
  const int r = world.rank();
  const Communicator halves = world.split(r % 2, r);
  EXPECT_EQ(halves.size(), (world.size() + 1 - r % 2) / 2);
  EXPECT_EQ(halves.rank(), r / 2);
  EXPECT_EQ(halves.sum(1), halves.size());
  EXPECT_EQ(halves.broadcast_string(r < 2 ? "root" + std::to_string(r) : "x", 0),
            "root" + std::to_string(r % 2));
  // Traffic of split communicators is counted on the shared meter.
  const std::int64_t before = world.bytes_sent();
  std::vector<double> block(100, 1.0);
  (void)halves.allgatherv(block);
  // 800 bytes of payload plus the 8-byte count exchanged first, to each of the other ranks.
  EXPECT_EQ(world.bytes_sent() - before, (800 + 8) * (halves.size() - 1));
}

TEST(ErrorAgreement, EveryRankThrowsTheLowestFailingRanksMessage) {
  const Communicator world = Communicator::world();
  const int n = world.size();
  // The last rank and (when there are 4) rank 2 fail; every rank must see the lower one's text.
  const int lowest = n == 4 ? 2 : n - 1;
  try {
    run_agreed(world, [&] {
      if (world.rank() == n - 1 || (n == 4 && world.rank() == 2))
        throw InputError("data.csv", 10 + world.rank(), "bad value");
    });
    ADD_FAILURE() << "no AgreedError thrown";
  } catch (const AgreedError& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_EQ(std::string(e.what()), "data.csv:" + std::to_string(10 + lowest) + ": bad value");
  }
  EXPECT_NO_THROW(run_agreed(world, [] {}));
}

}  // namespace
}  // namespace sceneals::mpi
