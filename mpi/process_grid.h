// The process grid: scene groups x user shards. World rank = group * user_shards + shard, so the
// ranks of one scene group are neighbours (on one node when the group fits there) and the item
// step's gathers stay local, while the cross-scene averaging runs across groups.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mpi/communicator.h"

namespace sceneals::mpi {

struct GridPlan {
  int scene_groups = 1;
  int user_shards = 1;
  std::vector<int> group_of_scene;       ///< scene index -> scene group
  std::vector<std::int64_t> group_load;  ///< interactions per scene group

  int world_size() const { return scene_groups * user_shards; }
  int group_of_rank(int world_rank) const { return world_rank / user_shards; }
  int shard_of_rank(int world_rank) const { return world_rank % user_shards; }
  int rank_of(int group, int shard) const { return group * user_shards + shard; }
  std::string describe() const;  ///< "2x2 (2 scene groups x 2 user shards)"
};

/// Pure planning function (no MPI). Deals scenes to groups largest-first, each to the least
/// loaded group. With requested_groups = 0 it picks the largest divisor G of world_size with
/// G <= number of scenes whose dealt groups stay within 25% of the mean load (more groups means
/// each rank gathers fewer scenes' user factors), else G = 1. A requested G must divide
/// world_size and not exceed the scene count; otherwise InputError.
GridPlan plan_process_grid(int world_size, const std::vector<std::int64_t>& scene_loads,
                           int requested_groups = 0);

/// The three communicators of a rank: world, its scene group (ranks ordered by shard), and its
/// user shard's averaging communicator (ranks ordered by group).
struct ProcessGrid {
  GridPlan plan;
  int group = 0;
  int shard = 0;
  Communicator group_comm;
  Communicator shard_comm;
};

/// Collective over world: splits it according to the plan.
ProcessGrid make_process_grid(const Communicator& world, GridPlan plan);

}  // namespace sceneals::mpi
