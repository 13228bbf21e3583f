// The distributed multi-scene co-learning ALS of docs/design.md. One iteration reads like the
// algorithm:
//   1. user step, per scene:          bring the item rows this rank's users need (all of Y_s
//                                     when that is cheaper), x_us = argmin (Y_s'Y_s trick, prior
//                                     mu_s w_us z_u)
//   2. cross-scene average:           z_u = sum_s mu_s w_us x_us / sum_s mu_s w_us  (Allreduce
//                                     over the ranks of the user shard)
//   3. item step, per scene:          bring the user rows this rank's items need (all of X_s
//                                     when that is cheaper), solve this rank's items
// A rank holds only its own users' x rows and its own items' y rows (solver/row_supply.h).
// Each step minimises the objective over its own variables, so the objective never increases.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/item_feature_table.h"
#include "io/sharded_data.h"
#include "mpi/process_grid.h"
#include "solver/als_params.h"
#include "solver/factor_types.h"
#include "solver/row_supply.h"
#include "solver/scene_layout.h"
#include "solver/scene_map.h"
#include "solver/solve_block.h"

namespace sceneals::solver {

enum class AverageWeight { kOne, kCount };

struct TrainOptions {
  AlsParams als;
  int iterations = 15;
  std::vector<float> mu;  ///< per global scene index
  AverageWeight average_weight = AverageWeight::kOne;
  std::uint64_t seed = 42;
  bool learn_item_bias = true;  ///< false: item rows are [y_is, 0] (the independent kind)
  /// The ridge G of the per-scene map (solver/scene_map.h): x_us is pulled toward a_s z_u + c_s.
  /// 0: the identity map (x_us pulled toward z_u), the model without the map.
  double scene_map_ridge = 0;
  /// Item content features (solver/feature_map.h); null: none. With feature_weight > 0 every
  /// scene's item step pulls the items with features toward W_s' [f_i, 1] with that weight.
  const io::ItemFeatureTable* item_features = nullptr;
  double feature_weight = 0;
  double feature_ridge = 1;  ///< G of the feature map
  /// The bound on the other side's rows a rank receives for one batch of its rows, and sends to
  /// one rank per round, in both steps (solver/row_exchange.h). A scene whose whole X_s (Y_s)
  /// fits in it is gathered whole instead when that copies at most twice the rows
  /// (solver/row_supply.h).
  std::int64_t exchange_buffer_bytes = std::int64_t{64} << 20;
};

/// The objective of docs/design.md split into its terms (sums over all ranks).
struct Objective {
  double data = 0;            ///< sum_s sum_(u,i) c (p - x.y)^2 (explicit: observed squared error)
  double regularisation = 0;  ///< lambda terms of users and items
  /// sum_s mu_s sum_u w_us |x_us - a_s z_u - c_s|^2 over users of two or more scenes, plus
  /// sum_s mu_s G (|a_s - 1|^2 + |c_s|^2) with the scene map (a_s = 1, c_s = 0 without it), plus
  /// with the feature prior sum_s eta (sum_i |y_is - W_s' [f_i, 1]|^2 + G_f |W_s|^2)
  double penalty = 0;
  double total() const { return data + regularisation + penalty; }
};

enum class Phase { kUserStep, kAveraging, kItemStep };

struct IterationStats {
  int iteration = 0;  ///< 1-based
  Objective objective;
  double seconds = 0;                         ///< wall time of the iteration (max over ranks)
  double phase_seconds[3] = {};               ///< user step, averaging, item step (max over ranks)
  std::int64_t phase_max_bytes_sent[3] = {};  ///< per phase, the most any rank sent
  /// The averaging once every rank of the shard has arrived (its Allreduce and the division),
  /// max over ranks: phase_seconds[1] less the wait for the slowest rank's user step. 0 when
  /// the averaging did not run.
  double averaging_transfer_seconds = 0;
  std::int64_t max_bytes_sent = 0;  ///< over ranks, this iteration
  std::int64_t min_bytes_sent = 0;
};

/// Where training stands: `iteration` whole iterations done, then `phases_done` (0-2) phases
/// of the next. What a checkpoint records and a resumed run starts from.
struct TrainProgress {
  int iteration = 0;
  int phases_done = 0;
};
/// Checkpoints and preemption. `stop_requested` is asked on every rank after every phase and
/// the answers are agreed (any rank asked -> all stop); `checkpoint` is called on every rank.
struct TrainControl {
  TrainProgress start;
  int checkpoint_every = 0;  ///< iterations; 0: only when stopping
  std::function<bool()> stop_requested;
  std::function<void(const TrainProgress&)> checkpoint;
};

class Trainer {
 public:
  /// Collective. `train` is this rank's training ratings, sorted by (scene, user, item).
  Trainer(const mpi::ProcessGrid& grid, const io::ShardedData& data,
          const std::vector<io::Rating>& train, TrainOptions options);
  /// Collective. Trains on prepared layouts (the pooled model's single layout).
  Trainer(const mpi::ProcessGrid& grid, const io::ShardedData& data,
          std::vector<SceneLayout> layouts, TrainOptions options);

  /// Runs the configured iterations from `control.start`; `on_iteration` is called on every
  /// rank after each. Returns false when it stopped early on request (after checkpointing).
  bool train(const std::function<void(const IterationStats&)>& on_iteration,
             const TrainControl& control = TrainControl());

  /// Replaces the state with a checkpoint's: per layout the x rows of this rank's users (taken
  /// from `shard_users`, this shard's rows in catalogue order) and the rows of every scene item
  /// (`items`, in layout item_rows order). Throws InputError when the
  /// checkpoint's scene items differ from this run's (another input or split). Local: z follows
  /// from x, so run the averaging phase after it.
  void restore(const std::vector<const Matrix*>& shard_users,
               const std::vector<const Matrix*>& items);
  /// Collective over the group, after restore(): the copies of Y_s the user step keeps where
  /// item rows are gathered whole (restore is local, so that it can run in an agreed section).
  void refresh_replicas();
  /// With the scene map: replaces every layout's map (scale, shift) and z (this shard's rows in
  /// catalogue order) with a checkpoint's, after restore(). z is stored rather than recomputed
  /// because with a map it is not a function of x alone. Collective over the shard: the sums the
  /// bridges read are recomputed from x and the map.
  void restore_scene_maps(const std::vector<SceneMap>& maps, const Matrix& shard_shared);
  /// What a warm start replaces in place: per layout this rank's x rows and [y, b] rows (the
  /// order of user_factors(l) and item_factors(l)), and the maps (used with the scene map only).
  using RowReplacer = std::function<void(std::vector<Matrix>& users, std::vector<Matrix>& items,
                                         std::vector<SceneMap>& maps)>;
  /// Collective. Starts training from other rows than the seeded ones (a warm start,
  /// solver/warm_start.h): `replace`, run on every rank (and collective if it likes), changes
  /// them in place, so that no copy of them is held; then z follows from them, as after an
  /// averaging, without refitting the maps. When `replace` throws, the trainer is left partly
  /// replaced: end the run.
  void start_from(const RowReplacer& replace);
  /// Whether the trainer fits the per-scene map (scene_map_ridge given and some mu_s > 0).
  bool has_scene_map() const { return scene_map_on_; }
  /// a_s, c_s of layouts()[i] (the identity without the map).
  const SceneMap& scene_map(std::size_t layout) const { return scene_maps_[layout]; }

  /// One phase of an iteration (public so tests can check the objective between half-steps).
  /// Collective; ends with a check that every factor it produced is finite, which throws the
  /// same AgreedError on every rank (exit code 1, naming the scene and the step) if not.
  void run_phase(Phase phase);
  /// Collective over world.
  Objective objective() const;
  /// With the feature prior: each layout's W_s from the current item rows, the exact minimiser
  /// of the prior's terms (collective over the group), and the prior's weight and target of this
  /// rank's items. The item step runs it first; public so that tests can check the objective
  /// between it and the item solve.
  void fit_feature_maps();

  const std::vector<SceneLayout>& layouts() const { return layouts_; }
  /// How layouts()[i]'s item step gets other ranks' user rows.
  RowSource user_row_source(std::size_t layout) const { return user_rows_[layout].source(); }
  /// How layouts()[i]'s user step gets other ranks' item rows.
  RowSource item_row_source(std::size_t layout) const { return item_rows_[layout].source(); }
  /// Collective over all ranks: the item step's (user_row_plan) or the user step's
  /// (item_row_plan) choices of every scene group, summed.
  RowPlan user_row_plan() const { return row_plan(user_rows_); }
  RowPlan item_row_plan() const { return row_plan(item_rows_); }
  /// This rank's floating-point operations in one iteration, per phase (user step, averaging,
  /// item step), by the formulas of solver/flop_count.h.
  std::array<double, 3> local_flops_per_iteration() const;
  /// x_us rows ([x, 1]) of this rank's users of layouts()[i], in layout order.
  const Matrix& user_factors(std::size_t layout) const { return user_factors_[layout]; }
  /// [y, b] rows of this rank's items of layouts()[i] (item_begin to item_end of its items).
  const Matrix& item_factors(std::size_t layout) const { return item_factors_[layout]; }
  /// Collective over the group: [y, b] rows of every item of layouts()[i], in item_rows order
  /// (what serving reads; training never holds them all unless they are replicated).
  Matrix gather_item_factors(std::size_t layout) const;
  /// Floats of the scene's item rows held whole for the user step (0 unless replicated).
  std::int64_t replicated_item_floats(std::size_t layout) const {
    return static_cast<std::int64_t>(replicated_items_[layout].size());
  }
  /// z_u for every user of this rank's shard (rows in data.users order), k columns: complete
  /// after train() (and in checkpoints).
  const Matrix& shared_factors() const;
  const TrainOptions& options() const { return options_; }
  /// The floats the averaging sums over the shard: a row of k + 1 (twice that when some but not
  /// all mu are 0) per user of the shard active in two or more scene groups.
  std::int64_t exchanged_floats() const {
    return static_cast<std::int64_t>(exchanged_.size()) * (k_ + 1) * (average_mixed_ ? 2 : 1);
  }

  /// Collective over the group. Fits every scene's bridge B_s (ridge regression of x_us on the
  /// leave-one-out average z'_us, docs/design.md) from the current factors. A scene without users
  /// active elsewhere gets no bridge.
  void fit_bridges(double ridge);
  /// The same with each scene's own ridge, indexed by global scene.
  void fit_bridges(const std::vector<double>& ridge_by_scene);
  /// Collective over the group: the number of training interactions of every item of
  /// layouts()[i] (in item_rows order), the popularity the baselines rank by.
  std::vector<float> item_popularity(std::size_t layout) const;
  /// B_s of layouts()[i] ((k+1) x k), when fitted.
  const std::optional<Matrix>& bridge(std::size_t layout) const { return bridges_[layout]; }

 private:
  void initialise_factors();
  void user_step();
  void plan_averaging();
  /// Each scene's map from the current x and z (exact minimiser; collective over the group).
  void fit_scene_maps();
  /// z_u from x and the maps, and the sums (weights) the bridges read.
  void average_across_scenes();
  /// Collective over the shard: z for the shard users of other groups (once, before z is
  /// written; training reads only its own group's users).
  void complete_shared();
  /// Weight of x_us in z_u: mu_s w_us, or w_us when the mu weights are dropped.
  double averaging_weight(std::size_t layout, std::int64_t local_user) const;
  /// Chooses each layout's RowSource of both steps by the bytes each way (solver/row_supply.h).
  void plan_row_supplies();
  /// Y_s whole on this rank when the user step's item rows are replicated (after they changed).
  void replicate_items(std::size_t layout);
  /// Collective over the group: sum over its ranks of local' local (local alone for kLocal).
  Eigen::MatrixXf group_gram(const Matrix& local, const RowSupply& supply) const;
  /// Solves `mine`, this rank's block `needs` of a step, for its first `unknowns` coordinates,
  /// against the other side's rows: `others` (this rank's slice, or all of them when
  /// replicated or local), fetched batch by batch when the supply exchanges them.
  void solve_block(const RowSupply& supply, const SparseRows& needs, const Matrix& others,
                   int unknowns, const Eigen::MatrixXf& gram, const float* prior_weights,
                   PriorRows priors, Matrix& mine) const;
  RowPlan row_plan(const std::vector<RowSupply>& supplies) const;
  /// The item rows the user step of layouts()[l] solves against: Y_s when replicated, else this
  /// rank's own (all of them in a group of one; the rest are fetched by the exchange).
  const Matrix& user_step_items(std::size_t layout) const;
  /// Collective over the group: this rank's users' part of the objective's data term.
  double data_term(std::size_t layout) const;
  void item_step();
  bool feature_prior_on() const { return !feature_positions_.empty(); }
  float user_weight(std::size_t layout, std::int64_t local_user) const;
  void check_finite(Phase phase) const;

  const mpi::ProcessGrid& grid_;
  const io::ShardedData& data_;
  TrainOptions options_;
  int k_ = 0;
  std::vector<SceneLayout> layouts_;
  std::vector<Matrix> user_factors_;      // per layout: local users x (k+1)
  std::vector<Matrix> item_factors_;      // per layout: local items x (k+1)
  std::vector<RowSupply> user_rows_;      // per layout: how the item step gets other ranks' x rows
  std::vector<RowSupply> item_rows_;      // per layout: how the user step gets other ranks' y rows
  std::vector<Matrix> replicated_items_;  // per layout: Y_s whole when item rows are replicated
  Matrix shared_;                         // shard users x k
  // The averaging's plan, built once. Only users active in two or more scene groups travel;
  // the others' z is a local sum. Rows are positions in this shard (data.users order).
  std::vector<std::int32_t> group_users_;  // shard rows active in this rank's group, ascending
  std::vector<std::int32_t> group_index_;  // shard row -> position in group_users_, or -1
  std::vector<std::int32_t> exchanged_;    // shard rows active in >= 2 groups (same on the shard)
  // Per shard row, 1 where the user is active in two or more scenes with mu_s > 0. Only those
  // users carry the penalty: for a user of one such scene, min over z of mu |x - z|^2 is 0 at
  // z = x (mapped back with the scene map), so z is
  // eliminated exactly and the user step solves x without a prior. (Kept, the prior would only
  // hold x back toward its previous value: a damping of strength mu, no coupling.)
  std::vector<std::uint8_t> multi_scene_;
  // Per shard row, 1 where this group trains the user and no lower rank of the shard
  // communicator does: this rank supplies its z when z is completed for every shard user
  // (before it is written).
  std::vector<std::uint8_t> supplies_;
  // With the map: per layout a_s, c_s, and per group user sum_s mu_s w_us a_s^2 (k values), the
  // denominator of z and of the bridges' leave-one-out averages.
  bool scene_map_on_ = false;
  std::vector<SceneMap> scene_maps_;
  Matrix average_scale_;
  // Per group user, the total weight of the last averaging and whether z came from the plain
  // w-weighted mean (some mu_s are 0 and the user is active only there): z and its weight give
  // the sums back, which the leave-one-out averages of the bridges need.
  std::vector<float> average_weight_;
  std::vector<std::uint8_t> average_plain_;
  bool average_mixed_ = false;
  // False while only the group users' rows of shared_ are current (after an averaging).
  bool shared_complete_ = false;
  std::vector<std::optional<Matrix>> bridges_;
  // The feature prior (empty when off): per layout, the positions in the feature table of this
  // rank's items (-1: no features), W_s, and the items' prior weights and targets.
  std::vector<std::vector<std::int64_t>> feature_positions_;
  std::vector<Matrix> feature_maps_;
  std::vector<std::vector<float>> feature_prior_weights_;
  std::vector<Matrix> feature_prior_targets_;
  bool mu_weights_dropped_ = false;  // every mu_s is 0: z is the plain w-weighted mean
  // With every mu_s = 0, z pulls on nothing while training: the averaging runs only where z is
  // read (the last iteration, before a checkpoint). True while z is older than the x's.
  bool shared_stale_ = false;
  double averaging_wait_seconds_ = 0;  // the last averaging's wait for the other ranks
  /// Brings z up to date for every shard user before it is written (collective).
  void refresh_shared();
};

}  // namespace sceneals::solver
