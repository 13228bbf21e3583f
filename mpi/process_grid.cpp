#include "mpi/process_grid.h"

#include <algorithm>
#include <numeric>

#include "mpi/error.h"

namespace sceneals::mpi {

std::string GridPlan::describe() const {
  return std::to_string(scene_groups) + "x" + std::to_string(user_shards) + " (" +
         std::to_string(scene_groups) + " scene group" + (scene_groups == 1 ? "" : "s") + " x " +
         std::to_string(user_shards) + " user shard" + (user_shards == 1 ? "" : "s") + ")";
}

namespace {

/// Longest-processing-time dealing: scenes by decreasing load, each to the least loaded group
/// (ties to the lower index, so the plan is deterministic).
GridPlan deal_scenes(int groups, int world_size, const std::vector<std::int64_t>& loads) {
  GridPlan plan;
  plan.scene_groups = groups;
  plan.user_shards = world_size / groups;
  plan.group_of_scene.assign(loads.size(), 0);
  plan.group_load.assign(static_cast<std::size_t>(groups), 0);
  std::vector<std::size_t> order(loads.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return loads[a] > loads[b]; });
  for (std::size_t scene : order) {
    const auto lightest = std::min_element(plan.group_load.begin(), plan.group_load.end());
    plan.group_of_scene[scene] = static_cast<int>(lightest - plan.group_load.begin());
    *lightest += loads[scene];
  }
  return plan;
}

bool balanced(const GridPlan& plan) {
  const std::int64_t total =
      std::accumulate(plan.group_load.begin(), plan.group_load.end(), std::int64_t{0});
  const std::int64_t heaviest = *std::max_element(plan.group_load.begin(), plan.group_load.end());
  // heaviest <= 1.25 * mean, in integers
  return 4 * heaviest * plan.scene_groups <= 5 * total;
}

}  // namespace

GridPlan plan_process_grid(int world_size, const std::vector<std::int64_t>& scene_loads,
                           int requested_groups) {
  if (world_size < 1) throw InternalError("plan_process_grid: world size must be >= 1");
  if (scene_loads.empty()) throw InputError("the input has no scenes");
  const int scenes = static_cast<int>(scene_loads.size());
  if (requested_groups > 0) {
    if (world_size % requested_groups != 0)
      throw InputError("--grid: " + std::to_string(requested_groups) +
                       " scene groups do not divide " + std::to_string(world_size) + " ranks");
    if (requested_groups > scenes)
      throw InputError("--grid: " + std::to_string(requested_groups) +
                       " scene groups but the input has only " + std::to_string(scenes) + " scene" +
                       (scenes == 1 ? "" : "s"));
    return deal_scenes(requested_groups, world_size, scene_loads);
  }
  for (int groups = std::min(world_size, scenes); groups > 1; --groups) {
    if (world_size % groups != 0) continue;
    GridPlan plan = deal_scenes(groups, world_size, scene_loads);
    if (balanced(plan)) return plan;
  }
  return deal_scenes(1, world_size, scene_loads);
}

ProcessGrid make_process_grid(const Communicator& world, GridPlan plan) {
  if (plan.world_size() != world.size())
    throw InternalError("process grid planned for " + std::to_string(plan.world_size()) +
                        " ranks but the job has " + std::to_string(world.size()));
  const int group = plan.group_of_rank(world.rank());
  const int shard = plan.shard_of_rank(world.rank());
  Communicator group_comm = world.split(group, shard);
  Communicator shard_comm = world.split(shard, group);
  return ProcessGrid{std::move(plan), group, shard, std::move(group_comm), std::move(shard_comm)};
}

}  // namespace sceneals::mpi
