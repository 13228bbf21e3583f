// main() for the MPI test binary: initialises MPI, silences GoogleTest's printer on every rank
// but 0, and exits with the largest failure code over all ranks, so a failure on any rank fails
// the ctest test. Tests must agree before asserting on rank-local data (an ASSERT that returns on
// one rank only would deadlock the next collective).
#include <gtest/gtest.h>

#include "mpi/communicator.h"
#include "mpi/environment.h"

int main(int argc, char** argv) {
  sceneals::mpi::Environment environment(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  sceneals::mpi::Communicator world = sceneals::mpi::Communicator::world();
  if (world.rank() != 0) {
    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int local_failure = RUN_ALL_TESTS();
  const int failure = world.max(local_failure);
  if (failure != 0 && world.rank() == 0) std::fprintf(stderr, "a test failed on some rank\n");
  environment.finalize();
  return failure;
}
