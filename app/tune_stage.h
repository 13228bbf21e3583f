// `sceneals train --tune`: the stage that chooses the model on a validation split carved from
// the training part, before the chosen model is trained on the whole training part. Candidates
// (tune/search_space.h) go through successive halving (tune/halving.h), each scored by the
// distributed evaluator on the validation pairs (tune/choice.h states the rule); the winner's
// bridge ridge and popularity blend are then chosen per scene on the same pairs, without training
// again. With several groups of ranks (MPI_Comm_split of the world), the groups train the
// candidates of a rung side by side, each on its own copy of the data; a rung's results meet in one
// Allreduce.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "io/interaction_reader.h"
#include "io/metric_record.h"
#include "io/sharded_data.h"
#include "io/split.h"
#include "mpi/communicator.h"
#include "mpi/process_grid.h"
#include "solver/trainer.h"
#include "tune/search_space.h"

namespace sceneals::app {

struct TuningRequest {
  tune::SearchSpace space;
  std::int64_t budget_iterations = 0;  ///< all candidates' iterations together, at most
  solver::TrainOptions base;           ///< what candidates do not vary (factors, solver, seed...)
                                       ///< and the item features (base.item_features), if any
  double default_ridge = 100;          ///< the ridge candidates are scored with
  std::uint64_t seed = 42;             ///< orders the candidates when the budget drops some
  /// Groups of ranks training candidates side by side (0: automatic); each group of more than
  /// one reads, shards and splits the input again by itself.
  int groups = 1;
  io::ReadOptions read;
  io::SplitOptions split;
};

struct TuningChoice {
  tune::Setting setting;
  std::vector<double> ridge_by_scene;  ///< per global scene
  std::vector<double> beta_by_scene;   ///< per global scene; tune::kPopularityBeta: popularity
  /// The validation table and the choice, as records for /tuning and the metrics JSON (rank 0;
  /// empty elsewhere): metric "validation_recall" per candidate and rung, "chosen" per scene.
  std::vector<io::MetricRecord> records;
};

/// Collective over the grid. nullopt when a signal asked the job to stop (nothing to save: a
/// resumed job chooses again, with the same result). InputError (agreed) when no candidate fits
/// the budget or the space is empty.
std::optional<TuningChoice> run_tuning(const mpi::Communicator& world, const mpi::ProcessGrid& grid,
                                       const io::ShardedData& data,
                                       const io::SplitRatings& validation,
                                       const TuningRequest& request);

}  // namespace sceneals::app
