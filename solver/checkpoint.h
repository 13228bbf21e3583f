// Checkpoints: the full training state written as an embedding file (x of every active user, Y of
// every scene item, z) with the progress in two root attributes, collectively and atomically
// (temporary name, renamed when complete: a crash mid-write leaves the previous checkpoint
// intact). Rows are global, so a run can resume on another number of ranks or grid.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "io/embedding_writer.h"
#include "io/sharded_data.h"
#include "mpi/process_grid.h"
#include "solver/trainer.h"

namespace sceneals::solver {

/// Collective. Writes DIR/checkpoint-<iteration>-<phases done>.h5 and keeps the newest two.
void write_checkpoint(const mpi::Communicator& world, const mpi::ProcessGrid& grid,
                      const io::ShardedData& data, const Trainer& trainer,
                      const TrainProgress& progress, const std::string& directory,
                      std::vector<std::pair<std::string, io::AttributeValue>> attributes);

/// Collective. Restores the trainer from the newest checkpoint in DIR that can be read and
/// matches this run (same ids, scenes and factors); unreadable ones are skipped with a message
/// from rank 0. Returns where training stands, or nullopt when DIR holds no usable checkpoint.
std::optional<TrainProgress> resume_from_checkpoint(const mpi::Communicator& world,
                                                    const mpi::ProcessGrid& grid,
                                                    const io::ShardedData& data, Trainer& trainer,
                                                    const std::string& directory);

}  // namespace sceneals::solver
