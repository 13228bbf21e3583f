// The pooled model kind: all scenes in one matrix, items kept distinct per scene. One user row
// per user is trained against every (scene, item) pair, so a user's interactions in one scene
// shape the factor that ranks another scene's items — also for users cold in that scene.
// Built from the per-scene layouts of a single scene group (every rank holds all scenes of its
// user shard); each rank's (scene, item) pairs stay one contiguous slice, scene by scene.
#pragma once

#include <cstdint>
#include <vector>

#include "io/sharded_data.h"
#include "mpi/process_grid.h"
#include "solver/embedding_export.h"
#include "solver/scene_layout.h"
#include "solver/trainer.h"

namespace sceneals::solver {

struct PooledLayout {
  SceneLayout layout;  ///< one pseudo-scene "pooled"; item_scene names each item's real scene
  /// Per scene layout: the pooled position of each of its items (item_rows order).
  std::vector<std::vector<std::int32_t>> position_of_scene_item;
};

/// Collective over the grid, which must have one scene group.
PooledLayout pool_layouts(const mpi::ProcessGrid& grid, const io::Catalogue& items,
                          const std::vector<SceneLayout>& scenes);

/// What each scene serves from a trained pooled model: users [x_u, 1] (the same row in every
/// scene, users with no training data anywhere [0, 1]), the scene's items from the pooled items.
std::vector<ServedScene> serve_pooled(const io::ShardedData& data,
                                      const std::vector<SceneLayout>& scenes,
                                      const PooledLayout& pooled, const Trainer& trainer);

/// A trained pooled model's user vector x_u of every user of this rank's shard (k columns,
/// catalogue order; 0 for a user with no training data): what the file stores as z_u, so that
/// readers rebuild each scene's row [x_u, 1] of a user without data there exactly. (The
/// trainer's z is the weighted mean of the one x_u, which float division does not always give
/// back bit for bit.)
Matrix pooled_user_vectors(const io::ShardedData& data, const Trainer& trainer);

}  // namespace sceneals::solver
