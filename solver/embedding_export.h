// What a trained model serves, per scene of this rank's group, and how it becomes this rank's
// blocks of the embedding file (docs/embedding-file.md). Every model kind is expressed as factor
// rows, so one file format, one reader and one evaluation serve them all:
//   colearn      users [x_us, 1]; users without training data in s get [B_s' [z_u, 1], 1]
//                (or [z_u, 1] when s has no bridge); items [y_is, b_is]
//   independent  as colearn without the bridge: users without data in s get [0, 1], and the
//                item bias column holds 1e-6 x popularity / max popularity, so such users get the
//                scene's most popular items while trained users' rankings are unchanged up to
//                near-ties (the trained bias is 0)
//   popularity   every user [0, 1], items [0, popularity]: the most popular items of the scene
#pragma once

#include <optional>
#include <vector>

#include "io/embedding_writer.h"
#include "io/sharded_data.h"
#include "mpi/process_grid.h"
#include "solver/trainer.h"

namespace sceneals::solver {

struct ServedScene {
  /// The served rows of every user of this rank's shard ((k+1) columns, catalogue order),
  /// computed on demand: dense, they are every shard user times every scene of the group. The
  /// source reads the trainer (or model) it was served from, which must outlive it.
  io::RowSource users;
  /// The rows of this shard's users active in the scene, in layout order (what the file stores;
  /// readers compute the other users' rows as `users` does, from z and the bridge).
  io::RowSource active_users;
  /// Item rows (k+1 columns) of the scene in layout item_rows order, from position items_first:
  /// every item of the scene (items_first 0), or only this rank's (items_first = item_begin),
  /// which is all the file needs.
  Matrix items;
  std::int64_t items_first = 0;
  std::optional<Matrix> bridge;     ///< B_s, colearn only
  std::optional<Matrix> scene_map;  ///< [a_s; c_s] (2 x k), when trained with the scene map
  /// Items served from features (solver/feature_items.h): sorted global rows, rows x (k+1), and
  /// the feature map in raw units ((d+1) x (k+1), on the rank that writes it). Empty without
  /// --item-features.
  std::vector<std::int64_t> feature_item_rows;
  Matrix feature_items;
  std::optional<Matrix> feature_map;
};

/// Which item rows serve_model serves: every item of each scene (what the evaluation, the
/// feature maps and the popularity blend read; each scene's Y_s is gathered), or this rank's.
enum class ServedItems { kWholeScene, kThisRank };

/// Collective over the group (popularity and, for kWholeScene, the item rows travel). One entry
/// per layout of the trainer.
std::vector<ServedScene> serve_model(const io::ShardedData& data, const Trainer& trainer,
                                     ModelKind kind, ServedItems items = ServedItems::kWholeScene);

/// What a model of `kind` serves a user with no row in a scene, as the file's cold_user_rows
/// names it: "bridge" (colearn, pooled: [B_s' [z_u, 1], 1], or [z_u, 1] without a bridge) or
/// "unit" (independent, popularity: [0, 1]).
const char* cold_user_rows(ModelKind kind);

/// Collective over the grid. This rank's blocks of the file: its shard's rows of every dataset of
/// its group's scenes (the active users' rows only), and, on the ranks of scene group 0, the ids
/// and shared factors of its shard.
/// `scenes` are the per-scene layouts `served` belongs to (the trainer's, or the ones a pooled
/// model was built from); `shared` is z_u of the shard's users. The served row sources move
/// into the blocks, and the shared rows are read from `shared` as they are written: it must
/// outlive the content. The served items move into the blocks as well. `feature_names`: the item
/// features' names when the model has them (then every scene gets item_from_features).
io::EmbeddingFileContent export_embeddings(const mpi::ProcessGrid& grid,
                                           const io::ShardedData& data, const Matrix& shared,
                                           const std::vector<SceneLayout>& scenes,
                                           std::vector<ServedScene>&& served, ModelKind kind,
                                           const std::vector<std::string>& feature_names = {});

}  // namespace sceneals::solver
