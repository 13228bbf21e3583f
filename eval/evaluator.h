// The distributed evaluation stage: each rank scores its own (user, scene) test pairs against the
// scene's items with blocked matrix products, masks the user's training items, takes the top K
// by partial selection and adds the per-pair metrics to a MetricSums; only those sums travel
// (MPI_Reduce to rank 0). Warm pairs are scored with x_us; cold-scene pairs (no training data in
// the scene) with the row the file holds for them (the bridged vector). Catalogue coverage needs
// the union of all top-K lists of a scene: one byte per item, combined with MAX over the scene's
// group (all users of a scene live there) and counted on the group's rank 0. Diversity and
// novelty (eval/list_metrics.h) are per-pair sums like the ranking metrics.
#pragma once

#include <vector>

#include "eval/metric_report.h"  // format_metrics_table, which callers print with the sums
#include "eval/metric_sums.h"
#include "io/computed_rows.h"
#include "io/sharded_data.h"
#include "mpi/process_grid.h"
#include "solver/factor_types.h"

namespace sceneals::eval {

/// One scene of this rank's scene group, as the embedding file holds it.
struct SceneModel {
  int scene = 0;  ///< global scene index
  /// This shard's users x (k+1), catalogue order, as the file holds them; asked a row at a
  /// time, so that they need not be held dense
  const io::RowSource* shard_users = nullptr;
  const std::vector<std::int64_t>* item_rows = nullptr;  ///< the scene's items (sorted global rows)
  const solver::Matrix* items = nullptr;                 ///< item_rows x (k+1)
  /// The items' vectors for diversity (item_rows x d: their features); null: their factors.
  const solver::Matrix* item_vectors = nullptr;
  /// Items served from features (no training data at all; sorted global rows), their rows
  /// W_s' [f_i, 1] and features; null or empty: none. The candidates of the cold-item cohort.
  const std::vector<std::int64_t>* feature_item_rows = nullptr;
  const solver::Matrix* feature_items = nullptr;
  const solver::Matrix* feature_item_vectors = nullptr;
};

/// Collective over the grid. `train` and `test` are this rank's ratings (sorted by scene, user,
/// item); a (user, scene) test pair is warm when the user has training ratings in the scene
/// (they are masked), cold otherwise. With `cold_item_cohort` (the run has item features or held
/// items out), test ratings on items that no scene trained (no model's item_rows holds them:
/// held out, new, or whose every interaction fell in the test split) form a third cohort,
/// cold-item, ranked among the scene's feature items (none without features: such items cannot
/// be recommended); without it they stay relevant items of their warm or cold pair that can never
/// be ranked. `models` lists the scenes of this rank's group, in the same order and with the same
/// item lists on every rank of the group. Coverage@K of a (scene, cohort) is over the cohort's
/// candidates. Novelty counts the training ratings of `train`. Returns sums complete on world
/// rank 0 only.
MetricSums evaluate_model(const mpi::ProcessGrid& grid, const io::Catalogue& users,
                          const std::vector<io::Rating>& train, const std::vector<io::Rating>& test,
                          const std::vector<SceneModel>& models, const std::vector<int>& ks,
                          bool cold_item_cohort);

}  // namespace sceneals::eval
