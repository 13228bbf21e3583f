// Warm start (`train --init-from MODEL.h5`): a new run on a grown log starts from a previous
// embedding file instead of the seeded factors, so that a few iterations refresh the model.
// Everything is matched by id and scene name, never by row: the file's rows follow the hash
// order of its own ids and may come from any number of ranks or grid.
//
// What each trained row starts from (docs/usage.md, "Warm start"):
//   - a user active in a scene the file holds: the file's row there if the user was active in
//     it then, else, when the file trained the user elsewhere (z_u is not zero), the row the
//     file serves the user (B_s' [z_u, 1] through the bridge);
//   - the pooled kind's user row: the file's z_u (a pooled file's z_u is its user vector);
//   - an item of a scene the file holds: its trained row, or the row the file served it from its
//     features; else, with --item-features of the same names, the file's feature map applied to
//     its features (W_s' [f_i, 1]); the bias starts at 0 where --tune blended popularity into it;
//   - with --scene-map-ridge, each scene's map a_s, c_s when the file has it;
//   - anything else, and any row whose factors are all zero (ALS would keep a zero row: an
//     independent model's [0, 1], a scene --tune served by popularity, [0, count]), the seeded row.
// z_u is then the average of the user's rows, as after an averaging: for a user active in the
// same scenes (with the same weights) it is the file's z_u. Ids and scenes gone from the log are
// dropped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/sharded_data.h"
#include "mpi/communicator.h"
#include "mpi/process_grid.h"
#include "solver/trainer.h"

namespace sceneals::solver {

/// Where a warm start's rows came from (sums over all ranks; the same on every rank).
struct WarmStartReport {
  std::string path;
  std::int64_t format_version = 0;
  std::string model_kind;
  std::int64_t users_in_model = 0, users_new = 0, users_dropped = 0;  ///< ids
  std::int64_t items_in_model = 0, items_new = 0, items_dropped = 0;
  std::vector<std::string> scenes_in_model, scenes_new, scenes_dropped;
  /// Trained (user, scene) rows: the file's own row, the row it serves a user who was not active
  /// in the scene (through the bridge), or seeded.
  std::int64_t user_rows_stored = 0, user_rows_served = 0, user_rows_new = 0;
  /// Trained (item, scene) rows: trained in the file, from a feature map, or seeded.
  std::int64_t item_rows_stored = 0, item_rows_from_features = 0, item_rows_new = 0;
  int scene_maps = 0;      ///< scene maps taken from the file
  int blended_scenes = 0;  ///< scenes whose item biases held --tune's popularity blend
  double seconds = 0;      ///< reading and matching, slowest rank
};

/// Collective over world. Refuses, before any work, a file that cannot start a run with k
/// factors: unreadable or damaged, another k, or a popularity model (no factors). AgreedError
/// (exit code 1) naming the file.
void check_warm_start_model(const mpi::Communicator& world, const std::string& path, int factors);

/// Collective over world. Replaces the trainer's seeded rows by the file's, as above (call it
/// before training), in place, reading at most --exchange-buffer-mb of rows at a time.
/// AgreedError (exit code 1) naming the file when it cannot be read, has another k, holds
/// non-finite values or an id twice; the trainer is then left partly replaced: end the run.
WarmStartReport warm_start(const mpi::Communicator& world, const mpi::ProcessGrid& grid,
                           const io::ShardedData& data, Trainer& trainer, const std::string& path);

/// The report as `train` prints it: a line each for users, items, scenes and rows.
std::string format_warm_start_report(const WarmStartReport& report);

}  // namespace sceneals::solver
