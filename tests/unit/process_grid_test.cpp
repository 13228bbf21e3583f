// The process-grid plan is a pure function: checked here at 1 to 64 "ranks" without MPI.
#include "mpi/process_grid.h"

#include <gtest/gtest.h>

#include <numeric>

#include "mpi/error.h"

namespace sceneals::mpi {
namespace {

void expect_valid(const GridPlan& plan, int world, const std::vector<std::int64_t>& loads) {
  EXPECT_EQ(plan.scene_groups * plan.user_shards, world);
  ASSERT_EQ(plan.group_of_scene.size(), loads.size());
  std::vector<std::int64_t> recomputed(static_cast<std::size_t>(plan.scene_groups), 0);
  for (std::size_t s = 0; s < loads.size(); ++s) {
    ASSERT_GE(plan.group_of_scene[s], 0);
    ASSERT_LT(plan.group_of_scene[s], plan.scene_groups);
    recomputed[static_cast<std::size_t>(plan.group_of_scene[s])] += loads[s];
  }
  EXPECT_EQ(recomputed, plan.group_load);
  for (int r = 0; r < world; ++r)
    EXPECT_EQ(plan.rank_of(plan.group_of_rank(r), plan.shard_of_rank(r)), r);
}

TEST(ProcessGridPlan, ValidForEveryWorldSizeAndSceneCount) {
  for (int world = 1; world <= 64; ++world) {
    for (int scenes : {1, 2, 3, 8, 27}) {
      std::vector<std::int64_t> loads(static_cast<std::size_t>(scenes));
      for (int s = 0; s < scenes; ++s) loads[static_cast<std::size_t>(s)] = 1000 + 37 * s * s;
      const GridPlan plan = plan_process_grid(world, loads);
      expect_valid(plan, world, loads);
      EXPECT_LE(plan.scene_groups, scenes);
    }
  }
}

TEST(ProcessGridPlan, OneSceneMeansOneGroup) {
  const GridPlan plan = plan_process_grid(8, {500});
  EXPECT_EQ(plan.scene_groups, 1);
  EXPECT_EQ(plan.user_shards, 8);
}

TEST(ProcessGridPlan, EqualScenesGetOneGroupEach) {
  const GridPlan plan = plan_process_grid(4, {100, 100});
  EXPECT_EQ(plan.scene_groups, 2);
  EXPECT_EQ(plan.user_shards, 2);
  EXPECT_NE(plan.group_of_scene[0], plan.group_of_scene[1]);
}

TEST(ProcessGridPlan, UnbalancedScenesStayInOneGroup) {
  // Two groups would put 900 on one and 100 on the other: far beyond 25% over the mean.
  const GridPlan plan = plan_process_grid(2, {900, 100});
  EXPECT_EQ(plan.scene_groups, 1);
}

TEST(ProcessGridPlan, DealsLargestFirstToTheLightestGroup) {
  // LPT on {7,5,4,3,1} over 2 groups: 7->g0, 5->g1, 4->g1 (9), 3->g0 (10), 1->g1 (10).
  const GridPlan plan = plan_process_grid(2, {7, 5, 4, 3, 1}, 2);
  EXPECT_EQ(plan.group_of_scene, (std::vector<int>{0, 1, 1, 0, 1}));
  EXPECT_EQ(plan.group_load, (std::vector<std::int64_t>{10, 10}));
}

TEST(ProcessGridPlan, RejectsImpossibleRequests) {
  EXPECT_THROW(plan_process_grid(4, {1, 2, 3}, 3), InputError);  // 3 does not divide 4
  EXPECT_THROW(plan_process_grid(4, {1}, 2), InputError);        // more groups than scenes
  EXPECT_THROW(plan_process_grid(4, {}, 0), InputError);
}

TEST(ProcessGridPlan, DescribesItself) {
  EXPECT_EQ(plan_process_grid(4, {10, 10}, 2).describe(), "2x2 (2 scene groups x 2 user shards)");
}

}  // namespace
}  // namespace sceneals::mpi
