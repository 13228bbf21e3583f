// The distributed evaluation stage: each rank scores its own (user, scene) test pairs against the
// scene's items with blocked matrix products, masks the user's training items, takes the top K
// by partial selection and adds the per-pair metrics to a MetricSums; only those sums travel
// (MPI_Reduce to rank 0). Warm pairs are scored with x_us; cold-scene pairs (no training data in
// the scene) with the shared factor z_u.
#pragma once

#include <vector>

#include "eval/metric_sums.h"
#include "io/sharded_data.h"
#include "mpi/process_grid.h"
#include "solver/trainer.h"

namespace sceneals::eval {

/// Collective over the grid. `test` is this rank's test ratings (sorted by scene, user, item),
/// `ks` the cut-offs. The returned sums are complete on world rank 0 only.
MetricSums evaluate_model(const mpi::ProcessGrid& grid, const io::ShardedData& data,
                          const solver::Trainer& trainer, const std::vector<io::Rating>& test,
                          const std::vector<int>& ks);

/// The rank-0 table: one row per (scene or overall, cohort, K).
std::string format_metrics_table(const MetricSums& sums, const std::vector<std::string>& scenes,
                                 const std::vector<int>& ks);

}  // namespace sceneals::eval
