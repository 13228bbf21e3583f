// Turns a trained model into this rank's blocks of the embedding file (DESIGN.md layout): the
// rows of its user shard and item shard for the scenes of its group, and, on the ranks of scene
// group 0, the ids and shared factors of its shard (exactly one rank writes each row).
#pragma once

#include <string>

#include "io/embedding_writer.h"
#include "io/sharded_data.h"
#include "mpi/process_grid.h"
#include "solver/trainer.h"

namespace sceneals::solver {

/// Users without training data in a scene get [z_u, 1] in that scene's user_factors (until the
/// per-scene bridge exists), flagged 0 in user_active; absent items get zero rows.
io::EmbeddingFileContent export_embeddings(const mpi::ProcessGrid& grid,
                                           const io::ShardedData& data, const Trainer& trainer);

}  // namespace sceneals::solver
