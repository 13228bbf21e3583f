// app/stage_runner.h: each stage's own peak resident memory, and the peak so far, at 1, 2 and 4
// ranks. A stage that touches 128 MB and frees it must show it in its own peak; the idle stage
// after it must not (where the kernel lets a process reset its peak), while the peak so far
// keeps it.
#include "app/stage_runner.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "mpi/communicator.h"

namespace sceneals {
namespace {

constexpr std::int64_t kHeld = std::int64_t{128} << 20;

TEST(StageRunner, EachStagePeakIsItsOwnAndThePeakSoFarKeepsTheLargest) {
  const mpi::Communicator world = mpi::Communicator::world();
  const bool resets = app::reset_peak_resident();
  app::StageRunner stages(world);
  stages.run("hold", [] {
    std::vector<char> block(static_cast<std::size_t>(kHeld));
    for (std::size_t at = 0; at < block.size(); at += 4096) block[at] = 1;  // touch every page
    EXPECT_EQ(block[4096], 1);
  });
  stages.run("idle", [] {});
  const app::StageRecord& hold = stages.record("hold");
  const app::StageRecord& idle = stages.record("idle");
  EXPECT_GE(hold.stage_peak_resident_bytes, kHeld);
  EXPECT_GE(hold.peak_resident_bytes, hold.stage_peak_resident_bytes);
  EXPECT_GE(idle.peak_resident_bytes, hold.stage_peak_resident_bytes);
  if (!resets) GTEST_SKIP() << "this kernel does not reset the peak (/proc/self/clear_refs)";
  EXPECT_LT(idle.stage_peak_resident_bytes, hold.stage_peak_resident_bytes - kHeld / 2);
}

}  // namespace
}  // namespace sceneals
