#include "solver/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <numeric>

#include "mpi/error.h"
#include "solver/bridge.h"
#include "solver/factor_init.h"
#include "solver/feature_map.h"
#include "solver/finite_check.h"
#include "solver/flop_count.h"
#include "solver/gram.h"
#include "solver/row_loss.h"
#include "solver/scene_map.h"
#include "solver/solve_block.h"

namespace sceneals::solver {

namespace {

using Clock = std::chrono::steady_clock;

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Gathers the rows every rank of `comm` holds into one matrix, in rank order.
void gather_rows(const mpi::Communicator& comm, const Matrix& local, Matrix& out) {
  const auto cols = local.cols();
  comm.allgatherv_to(local.data(), local.size(), [&](std::int64_t total) {
    out.resize(static_cast<Eigen::Index>(total) / cols, cols);
    return out.data();
  });
}

Matrix gather_rows(const mpi::Communicator& comm, const Matrix& local) {
  Matrix out;
  gather_rows(comm, local, out);
  return out;
}

/// Sums rows over `comm` (an Allreduce of `width` floats per row of `rows`), a slice at a time
/// so the buffer stays small: `pack(row, out)` writes this rank's terms of a row (zeros where it
/// has none), `unpack(row, sum)` takes the sum over every rank back.
template <class Pack, class Unpack>
void sum_rows_over(const mpi::Communicator& comm, const std::vector<std::int32_t>& rows,
                   Eigen::Index width, Pack&& pack, Unpack&& unpack) {
  constexpr std::size_t kSliceRows = 1 << 15;
  Matrix slice;
  for (std::size_t begin = 0; begin < rows.size(); begin += kSliceRows) {
    const std::size_t count = std::min(kSliceRows, rows.size() - begin);
    slice.resize(static_cast<Eigen::Index>(count), width);
    for (std::size_t i = 0; i < count; ++i)
      pack(rows[begin + i], slice.row(static_cast<Eigen::Index>(i)).data());
    comm.allreduce_in_place(slice.data(), slice.size(), mpi::ReduceOp::kSum);
    for (std::size_t i = 0; i < count; ++i)
      unpack(rows[begin + i], slice.row(static_cast<Eigen::Index>(i)).data());
  }
}

}  // namespace

Trainer::Trainer(const mpi::ProcessGrid& grid, const io::ShardedData& data,
                 const std::vector<io::Rating>& train, TrainOptions options)
    : Trainer(grid, data, build_scene_layouts(grid, data, train), std::move(options)) {}

Trainer::Trainer(const mpi::ProcessGrid& grid, const io::ShardedData& data,
                 std::vector<SceneLayout> layouts, TrainOptions options)
    : grid_(grid),
      data_(data),
      options_(std::move(options)),
      k_(options_.als.factors),
      layouts_(std::move(layouts)) {
  check_invariant(options_.mu.size() == data.scenes.size(), "one mu per scene");
  bridges_.assign(layouts_.size(), std::nullopt);
  mu_weights_dropped_ =
      std::all_of(options_.mu.begin(), options_.mu.end(), [](float mu) { return mu == 0.0f; });
  check_invariant(options_.scene_map_ridge >= 0, "the scene map's ridge is not negative");
  scene_map_on_ = options_.scene_map_ridge > 0 && !mu_weights_dropped_;
  scene_maps_.assign(layouts_.size(), SceneMap::identity(k_));
  check_invariant(options_.feature_weight >= 0 && options_.feature_ridge > 0,
                  "the feature prior's weight and ridge are valid");
  // The prior works on per-scene layouts; the pooled model's single layout has none.
  const bool pooled = layouts_.size() == 1 && !layouts_[0].item_scene.empty();
  if (options_.item_features != nullptr && options_.feature_weight > 0 && !pooled)
    for (const SceneLayout& layout : layouts_)
      feature_positions_.push_back(feature_positions(*options_.item_features, layout.item_rows,
                                                     layout.item_begin, layout.item_end));
  initialise_factors();
  plan_row_supplies();
}

void Trainer::initialise_factors() {
  const std::size_t n = layouts_.size();
  user_factors_.resize(n);
  item_factors_.resize(n);
  for (std::size_t l = 0; l < n; ++l) {
    const SceneLayout& layout = layouts_[l];
    const std::string& scene = layout.name;
    Matrix& x = user_factors_[l];
    x.resize(layout.local_users(), k_ + 1);
    for (std::int64_t u = 0; u < layout.local_users(); ++u) {
      const std::int64_t row = layout.local_user_row(u);
      init_factor_row(data_.users.id_of_row(row), scene, "user", options_.seed, k_,
                      x.row(u).data());
      x(u, k_) = 1.0f;
    }
    Matrix& my_items = item_factors_[l];
    my_items.resize(layout.local_items(), k_ + 1);
    for (std::int64_t i = 0; i < layout.local_items(); ++i) {
      const std::int64_t row = layout.item_rows[static_cast<std::size_t>(layout.item_begin + i)];
      const std::string& item_scene =
          layout.item_scene.empty()
              ? scene
              : data_.scenes[static_cast<std::size_t>(
                    layout.item_scene[static_cast<std::size_t>(layout.item_begin + i)])];
      init_factor_row(data_.items.id_of_row(row), item_scene, "item", options_.seed, k_,
                      my_items.row(i).data());
      my_items(i, k_) = 0.0f;  // the bias starts at 0
    }
  }
  shared_ = Matrix::Zero(data_.users.size(), k_);
  plan_averaging();
  average_across_scenes();  // z from the initial x, so the first user step has a prior
}

float Trainer::user_weight(std::size_t layout, std::int64_t local_user) const {
  if (options_.average_weight == AverageWeight::kOne) return 1.0f;
  const CsrBlock& csr = layouts_[layout].by_user;
  const auto u = static_cast<std::size_t>(local_user);
  return static_cast<float>(csr.offsets[u + 1] - csr.offsets[u]);
}

std::array<double, 3> Trainer::local_flops_per_iteration() const {
  std::array<double, 3> flops{};
  const int width = k_ + 1;
  const int item_unknowns = options_.learn_item_bias ? k_ + 1 : k_;
  for (const SceneLayout& layout : layouts_) {
    flops[0] += gram_flops(layout.local_items(), width) +  // then summed over the group
                block_solve_flops(layout.by_user, k_, width, options_.als);
    flops[1] += 4.0 * k_ * static_cast<double>(layout.local_users());
    flops[2] += gram_flops(layout.local_users(), width) +  // then summed over the group
                block_solve_flops(layout.by_item, item_unknowns, width, options_.als);
  }
  return flops;
}

void Trainer::user_step() {
  std::vector<std::int32_t> prior_rows;  // each local user's row of z (shared_)
  std::vector<float> prior_weights;
  Matrix mapped_prior;
  for (std::size_t l = 0; l < layouts_.size(); ++l) {
    const SceneLayout& layout = layouts_[l];
    const float mu = options_.mu[static_cast<std::size_t>(layout.scene)];
    const Eigen::MatrixXf gram_y = group_gram(item_factors_[l], item_rows_[l]);  // Y_s'Y_s
    prior_rows.resize(static_cast<std::size_t>(layout.local_users()));
    prior_weights.resize(static_cast<std::size_t>(layout.local_users()));
    for (std::int64_t u = 0; u < layout.local_users(); ++u) {
      const auto row =
          static_cast<std::int32_t>(layout.local_user_row(u) - data_.users.row_begin());
      prior_rows[static_cast<std::size_t>(u)] = row;
      prior_weights[static_cast<std::size_t>(u)] =
          multi_scene_[static_cast<std::size_t>(row)] ? mu * user_weight(l, u) : 0.0f;
    }
    PriorRows priors(&shared_, prior_rows.data());
    if (scene_map_on_) {
      // The prior is the mapped shared factor a_s z_u + c_s, one row per local user.
      const SceneMap& map = scene_maps_[l];
      mapped_prior.resize(layout.local_users(), k_);
      for (std::int64_t u = 0; u < layout.local_users(); ++u)
        mapped_prior.row(u) = map.apply(shared_.row(prior_rows[static_cast<std::size_t>(u)]));
      priors = PriorRows(&mapped_prior);
    }
    solve_block(item_rows_[l], layout.by_user.view(), user_step_items(l), k_, gram_y,
                prior_weights.data(), priors, user_factors_[l]);
  }
}

double Trainer::averaging_weight(std::size_t layout, std::int64_t local_user) const {
  const double mu =
      mu_weights_dropped_ ? 1.0 : options_.mu[static_cast<std::size_t>(layouts_[layout].scene)];
  return mu * user_weight(layout, local_user);
}

void Trainer::plan_averaging() {
  const auto shard_users = static_cast<std::size_t>(data_.users.size());
  check_invariant(data_.users.size() < std::numeric_limits<std::int32_t>::max(),
                  "a user shard holds fewer than 2^31 users");
  std::vector<std::int32_t> held(shard_users, 0);  // 1 where this group has the user
  // The user's scenes in this group that pull toward z (mu_s > 0): with one such scene, z is
  // that scene's x (mapped back) whatever the others, and the penalty is eliminated.
  std::vector<std::int32_t> scenes(shard_users, 0);
  for (const SceneLayout& layout : layouts_) {
    const bool pulls = options_.mu[static_cast<std::size_t>(layout.scene)] > 0.0f;
    for (std::int64_t u = 0; u < layout.local_users(); ++u) {
      const auto row = static_cast<std::size_t>(layout.local_user_row(u) - data_.users.row_begin());
      held[row] = 1;
      if (pulls) ++scenes[row];
    }
  }
  group_index_.assign(shard_users, -1);
  group_users_.clear();
  for (std::size_t row = 0; row < shard_users; ++row)
    if (held[row]) {
      group_index_[row] = static_cast<std::int32_t>(group_users_.size());
      group_users_.push_back(static_cast<std::int32_t>(row));
    }
  // Once per run: how many groups hold each user, and the lowest shard rank that holds it.
  const std::int32_t me = grid_.shard_comm.rank();
  const std::int32_t nobody = grid_.shard_comm.size();
  std::vector<std::int32_t> lowest(shard_users);
  for (std::size_t row = 0; row < shard_users; ++row) lowest[row] = held[row] ? me : nobody;
  grid_.shard_comm.allreduce_in_place(held, mpi::ReduceOp::kSum);
  grid_.shard_comm.allreduce_in_place(lowest, mpi::ReduceOp::kMin);
  grid_.shard_comm.allreduce_in_place(scenes, mpi::ReduceOp::kSum);
  multi_scene_.assign(shard_users, 0);
  for (std::size_t row = 0; row < shard_users; ++row) multi_scene_[row] = scenes[row] >= 2;
  exchanged_.clear();
  supplies_.assign(shard_users, 0);
  for (std::size_t row = 0; row < shard_users; ++row) {
    if (held[row] >= 2) exchanged_.push_back(static_cast<std::int32_t>(row));
    supplies_[row] = lowest[row] == me;
  }
}

void Trainer::fit_scene_maps() {
  std::vector<SceneMapStatistics> stats(layouts_.size(), SceneMapStatistics(k_));
  for (std::size_t l = 0; l < layouts_.size(); ++l) {
    const SceneLayout& layout = layouts_[l];
    if (options_.mu[static_cast<std::size_t>(layout.scene)] == 0.0f) continue;  // no penalty
    for (std::int64_t u = 0; u < layout.local_users(); ++u) {
      const std::int64_t row = layout.local_user_row(u) - data_.users.row_begin();
      if (!multi_scene_[static_cast<std::size_t>(row)]) continue;
      stats[l].add(shared_.row(row).data(), user_factors_[l].row(u).data(), user_weight(l, u));
    }
  }
  allreduce_statistics(grid_.group_comm, stats);
  for (std::size_t l = 0; l < layouts_.size(); ++l)
    if (options_.mu[static_cast<std::size_t>(layouts_[l].scene)] != 0.0f)
      scene_maps_[l] = stats[l].solve(options_.scene_map_ridge);
}

void Trainer::average_across_scenes() {
  // Per group user: sum_s mu_s w_us a_s (x_us - c_s) and sum_s mu_s w_us (then z is their
  // quotient) and, with the map, sum_s mu_s w_us a_s^2 (then z is the quotient by it, per
  // coordinate). Without the map a_s = 1, c_s = 0: the weighted mean.
  // When some but not all mu_s are 0, a user active only in mu = 0 scenes has no weight; it
  // then gets the plain w-weighted mean, summed in `plain`.
  average_mixed_ = !mu_weights_dropped_ && std::any_of(options_.mu.begin(), options_.mu.end(),
                                                       [](float mu) { return mu == 0.0f; });
  const auto group_size = static_cast<Eigen::Index>(group_users_.size());
  const Eigen::Index scale_width = scene_map_on_ ? k_ : 0;
  // The numerators are summed in z's own rows, which then become z in place: a matrix of their
  // own would be as large as z, the largest thing the step allocates.
  Matrix& numerator = shared_;
  for (std::int32_t row : group_users_) numerator.row(row).setZero();
  average_weight_.assign(group_users_.size(), 0.0f);
  average_scale_ = Matrix::Zero(group_size, scale_width);
  Matrix plain = Matrix::Zero(average_mixed_ ? group_size : 0, k_ + 1);
  for (std::size_t l = 0; l < layouts_.size(); ++l) {
    const SceneLayout& layout = layouts_[l];
    const SceneMap& map = scene_maps_[l];
    for (std::int64_t u = 0; u < layout.local_users(); ++u) {
      const auto row =
          static_cast<std::int32_t>(layout.local_user_row(u) - data_.users.row_begin());
      const auto at = static_cast<Eigen::Index>(group_index_[static_cast<std::size_t>(row)]);
      const auto weight = static_cast<float>(averaging_weight(l, u));
      const auto x = user_factors_[l].row(u).head(k_);
      if (scene_map_on_) {
        numerator.row(row) +=
            weight * (x - map.shift.transpose()).cwiseProduct(map.scale.transpose());
        average_scale_.row(at) += weight * map.scale.transpose().cwiseAbs2();
      } else {
        numerator.row(row) += weight * x;
      }
      average_weight_[static_cast<std::size_t>(at)] += weight;
      if (average_mixed_) {
        const float w = user_weight(l, u);
        plain.row(at).head(k_) += w * x;
        plain(at, k_) += w;
      }
    }
  }
  // Timed apart: what the exchange costs, and what is waiting for a slower rank's user step.
  const Clock::time_point wait_start = Clock::now();
  grid_.shard_comm.barrier();
  averaging_wait_seconds_ = seconds_since(wait_start);
  // A row travels as [numerator, weight, (with the map) sum of weight a^2] then, when mixed,
  // [plain sum, its weight].
  const Eigen::Index mixed_at = k_ + 1 + scale_width;
  const Eigen::Index width = mixed_at + (average_mixed_ ? k_ + 1 : 0);
  sum_rows_over(
      grid_.shard_comm, exchanged_, width,
      [&](std::int32_t row, float* out) {
        const std::int32_t at = group_index_[static_cast<std::size_t>(row)];
        if (at < 0) {  // a user of other groups only
          Eigen::Map<Eigen::RowVectorXf>(out, width).setZero();
          return;
        }
        Eigen::Map<Eigen::RowVectorXf>(out, k_) = numerator.row(row);
        out[k_] = average_weight_[static_cast<std::size_t>(at)];
        Eigen::Map<Eigen::RowVectorXf>(out + k_ + 1, scale_width) = average_scale_.row(at);
        if (average_mixed_) Eigen::Map<Eigen::RowVectorXf>(out + mixed_at, k_ + 1) = plain.row(at);
      },
      [&](std::int32_t row, const float* sum) {
        const std::int32_t at = group_index_[static_cast<std::size_t>(row)];
        if (at < 0) return;
        numerator.row(row) = Eigen::Map<const Eigen::RowVectorXf>(sum, k_);
        average_weight_[static_cast<std::size_t>(at)] = sum[k_];
        average_scale_.row(at) = Eigen::Map<const Eigen::RowVectorXf>(sum + k_ + 1, scale_width);
        if (average_mixed_)
          plain.row(at) = Eigen::Map<const Eigen::RowVectorXf>(sum + mixed_at, k_ + 1);
      });
  average_plain_.assign(group_users_.size(), 0);
  Eigen::RowVectorXf z(k_);
  for (std::size_t at = 0; at < group_users_.size(); ++at) {
    const auto i = static_cast<Eigen::Index>(at);
    const std::int32_t row = group_users_[at];
    float& weight = average_weight_[at];
    if (weight > 0 && scene_map_on_) {
      // Coordinate d is free (any value minimises) where every a_sd of the user is 0.
      for (Eigen::Index d = 0; d < k_; ++d)
        z(d) = average_scale_(i, d) > 0 ? numerator(row, d) / average_scale_(i, d) : 0.0f;
    } else if (weight > 0) {
      z = numerator.row(row) / weight;
    } else if (average_mixed_ && plain(i, k_) > 0) {
      weight = plain(i, k_);
      z = plain.row(i).head(k_) / weight;
      average_plain_[at] = 1;
    } else {
      z.setZero();  // not active in any scene with training data
    }
    shared_.row(row) = z;
  }
  shared_complete_ = grid_.shard_comm.size() == 1;  // one group: all its users
}

void Trainer::complete_shared() {
  if (shared_complete_) return;
  // Each row of z is supplied by one rank (the lowest that trains the user); the others add 0.
  const auto shard_users = static_cast<std::size_t>(data_.users.size());
  for (std::size_t row = 0; row < shard_users; ++row)
    if (!supplies_[row]) shared_.row(static_cast<Eigen::Index>(row)).setZero();
  std::vector<std::int32_t> rows(shard_users);
  std::iota(rows.begin(), rows.end(), 0);
  sum_rows_over(
      grid_.shard_comm, rows, k_,
      [&](std::int32_t row, float* out) {
        Eigen::Map<Eigen::RowVectorXf>(out, k_) = shared_.row(row);
      },
      [&](std::int32_t row, const float* sum) {
        shared_.row(row) = Eigen::Map<const Eigen::RowVectorXf>(sum, k_);
      });
  shared_complete_ = true;
}

const Matrix& Trainer::shared_factors() const {
  check_invariant(shared_complete_, "z is complete before it is read (train() completes it)");
  return shared_;
}

void Trainer::fit_bridges(double ridge) {
  std::vector<double> ridge_by_scene(data_.scenes.size(), ridge);
  fit_bridges(ridge_by_scene);
}

void Trainer::fit_bridges(const std::vector<double>& ridge_by_scene) {
  std::vector<BridgeStatistics> stats(layouts_.size(), BridgeStatistics(k_));
  Eigen::VectorXf z_other(k_);
  for (std::size_t l = 0; l < layouts_.size(); ++l) {
    const SceneLayout& layout = layouts_[l];
    for (std::int64_t u = 0; u < layout.local_users(); ++u) {
      const std::int64_t shard_row = layout.local_user_row(u) - data_.users.row_begin();
      const auto at = static_cast<std::size_t>(group_index_[static_cast<std::size_t>(shard_row)]);
      // z'_us, the average without this scene's term: the sums are z times its total weight.
      const double weight = average_plain_[at] ? user_weight(l, u) : averaging_weight(l, u);
      const double total = average_weight_[at];
      const double others = total - weight;
      if (!(others > 1e-6 * total)) continue;  // no other scene
      const auto x = user_factors_[l].row(u).head(k_).cast<double>();
      const auto z = shared_.row(shard_row).cast<double>();
      if (scene_map_on_ && !average_plain_[at]) {
        // The same quotient without this scene's terms, per coordinate.
        const SceneMap& map = scene_maps_[l];
        for (int d = 0; d < k_; ++d) {
          const double a = map.scale(d);
          const double total_scale = average_scale_(static_cast<Eigen::Index>(at), d);
          const double rest = total_scale - weight * a * a;
          z_other(d) = rest > 1e-6 * total_scale
                           ? static_cast<float>(
                                 (total_scale * z(d) - weight * a * (x(d) - map.shift(d))) / rest)
                           : 0.0f;
        }
      } else {
        z_other = ((total * z - weight * x) / others).cast<float>();
      }
      stats[l].add(z_other.data(), user_factors_[l].row(u).data());
    }
  }
  allreduce_statistics(grid_.group_comm, stats);  // every scene of the group at once
  bridges_.assign(layouts_.size(), std::nullopt);
  for (std::size_t l = 0; l < stats.size(); ++l) {
    const double ridge = ridge_by_scene.at(static_cast<std::size_t>(layouts_[l].scene));
    if (stats[l].count() > 0) bridges_[l] = stats[l].solve(ridge);
  }
}

void Trainer::fit_feature_maps() {
  const io::ItemFeatureTable& features = *options_.item_features;
  const int unknowns = options_.learn_item_bias ? k_ + 1 : k_;
  std::vector<RidgeStatistics> stats(layouts_.size(),
                                     RidgeStatistics(features.dimensions(), unknowns));
  for (std::size_t l = 0; l < layouts_.size(); ++l)
    add_feature_examples(features, feature_positions_[l], item_factors_[l], 0, stats[l]);
  allreduce_statistics(grid_.group_comm, stats);  // every scene of the group at once
  feature_maps_.resize(layouts_.size());
  feature_prior_weights_.resize(layouts_.size());
  feature_prior_targets_.resize(layouts_.size());
  for (std::size_t l = 0; l < layouts_.size(); ++l) {
    feature_maps_[l] = stats[l].solve(options_.feature_ridge);
    const std::vector<std::int64_t>& positions = feature_positions_[l];
    std::vector<float>& weights = feature_prior_weights_[l];
    Matrix& targets = feature_prior_targets_[l];
    weights.assign(positions.size(), 0.0f);
    targets.setZero(static_cast<Eigen::Index>(positions.size()), unknowns);
    for (std::size_t i = 0; i < positions.size(); ++i) {
      if (positions[i] < 0) continue;
      weights[i] = static_cast<float>(options_.feature_weight);
      predict_from_features(feature_maps_[l], features.standardised().row(positions[i]).data(),
                            targets.row(static_cast<Eigen::Index>(i)).data());
    }
  }
}

void Trainer::plan_row_supplies() {
  const mpi::Communicator& group = grid_.group_comm;
  const auto row_bytes = static_cast<std::int64_t>(sizeof(float)) * (k_ + 1);
  const std::int64_t budget = options_.exchange_buffer_bytes;
  user_rows_.clear();
  item_rows_.clear();
  replicated_items_.assign(layouts_.size(), Matrix());
  for (std::size_t l = 0; l < layouts_.size(); ++l) {
    const SceneLayout& layout = layouts_[l];
    user_rows_.emplace_back(group, layout.by_item.view(), layout.local_users(), row_bytes, budget);
    item_rows_.emplace_back(group, layout.by_user.view(), layout.local_items(), row_bytes, budget);
    replicate_items(l);
  }
}

void Trainer::refresh_replicas() {
  for (std::size_t l = 0; l < layouts_.size(); ++l) replicate_items(l);
}

void Trainer::replicate_items(std::size_t layout) {
  if (item_rows_[layout].source() == RowSource::kReplicated)
    gather_rows(grid_.group_comm, item_factors_[layout], replicated_items_[layout]);
}

Matrix Trainer::gather_item_factors(std::size_t layout) const {
  return gather_rows(grid_.group_comm, item_factors_[layout]);
}

Eigen::MatrixXf Trainer::group_gram(const Matrix& local, const RowSupply& supply) const {
  Eigen::MatrixXf sum = gram(local);
  if (supply.source() != RowSource::kLocal)
    grid_.group_comm.allreduce_in_place(sum.data(), sum.size(), mpi::ReduceOp::kSum);
  return sum;
}

void Trainer::solve_block(const RowSupply& supply, const SparseRows& needs, const Matrix& others,
                          int unknowns, const Eigen::MatrixXf& gram, const float* prior_weights,
                          PriorRows priors, Matrix& mine) const {
  const RowExchange* exchange = supply.exchange();
  if (exchange == nullptr) {
    solve_rows(options_.als, unknowns, others, gram, needs, prior_weights, priors, mine);
    return;
  }
  Matrix batch_rows;
  exchange->for_each_batch(needs, others,
                           [&](const SparseRows& batch, std::int64_t first, const Matrix& fetched) {
                             batch_rows = mine.middleRows(first, batch.rows);
                             solve_rows(options_.als, unknowns, fetched, gram, batch,
                                        prior_weights != nullptr ? prior_weights + first : nullptr,
                                        priors.from(first), batch_rows);
                             mine.middleRows(first, batch.rows) = batch_rows;
                           });
}

const Matrix& Trainer::user_step_items(std::size_t layout) const {
  return item_rows_[layout].source() == RowSource::kReplicated ? replicated_items_[layout]
                                                               : item_factors_[layout];
}

double Trainer::data_term(std::size_t layout) const {
  const RowSupply& supply = item_rows_[layout];
  const Eigen::MatrixXf gram_y = group_gram(item_factors_[layout], supply);
  const SparseRows by_user = layouts_[layout].by_user.view();
  const Matrix& x = user_factors_[layout];
  const RowExchange* exchange = supply.exchange();
  if (exchange == nullptr)
    return data_loss(options_.als, user_step_items(layout), gram_y, by_user, x);
  // The rows travel once more than the user step fetched them: the objective is of the new Y_s.
  double sum = 0;
  Matrix batch_users;
  exchange->for_each_batch(by_user, item_factors_[layout],
                           [&](const SparseRows& batch, std::int64_t first, const Matrix& items) {
                             batch_users = x.middleRows(first, batch.rows);
                             sum += data_loss(options_.als, items, gram_y, batch, batch_users);
                           });
  return sum;
}

RowPlan Trainer::row_plan(const std::vector<RowSupply>& supplies) const {
  RowPlan plan;
  std::int64_t largest_batch_rows = 0;
  for (const RowSupply& supply : supplies) {
    if (grid_.group_comm.is_root()) ++plan.scenes[static_cast<int>(supply.source())];
    if (const RowExchange* exchange = supply.exchange()) {
      plan.most_rounds = std::max(plan.most_rounds, exchange->rounds());
      largest_batch_rows = std::max(largest_batch_rows, exchange->largest_batch_rows());
    }
  }
  // Over the world: over the group, then over the shard (every rank is in one of each).
  const mpi::Communicator& group = grid_.group_comm;
  const mpi::Communicator& shard = grid_.shard_comm;
  for (int& count : plan.scenes) count = shard.sum(group.sum(count));
  plan.most_rounds = shard.max(group.max(plan.most_rounds));
  plan.largest_batch_bytes = shard.max(group.max(largest_batch_rows)) *
                             static_cast<std::int64_t>(sizeof(float)) * (k_ + 1);
  return plan;
}

void Trainer::item_step() {
  if (feature_prior_on()) fit_feature_maps();  // W_s from the current Y_s, then Y_s given W_s
  Matrix gathered_users;
  const int unknowns = options_.learn_item_bias ? k_ + 1 : k_;  // k: the bias stays 0
  for (std::size_t l = 0; l < layouts_.size(); ++l) {
    const SceneLayout& layout = layouts_[l];
    const RowSupply& supply = user_rows_[l];
    // X_s'X_s from each rank's own users, summed over the group.
    const Eigen::MatrixXf gram_x = group_gram(user_factors_[l], supply);
    const bool replicated = supply.source() == RowSource::kReplicated;
    if (replicated) gather_rows(grid_.group_comm, user_factors_[l], gathered_users);
    // The feature prior, when on, pulls each item toward W_s' [f_i, 1] (weight 0: none).
    const bool prior = feature_prior_on();
    solve_block(supply, layout.by_item.view(), replicated ? gathered_users : user_factors_[l],
                unknowns, gram_x, prior ? feature_prior_weights_[l].data() : nullptr,
                prior ? &feature_prior_targets_[l] : nullptr, item_factors_[l]);
    if (replicated) gathered_users.resize(0, 0);  // not held with Y_s below
    replicate_items(l);
  }
}

std::vector<float> Trainer::item_popularity(std::size_t layout) const {
  return item_counts(grid_.group_comm, layouts_[layout]);
}

void Trainer::run_phase(Phase phase) {
  switch (phase) {
    case Phase::kUserStep:
      user_step();
      break;
    case Phase::kAveraging:
      if (scene_map_on_) fit_scene_maps();
      average_across_scenes();
      shared_stale_ = false;
      break;
    case Phase::kItemStep:
      item_step();
      break;
  }
  check_finite(phase);
}

void Trainer::check_finite(Phase phase) const {
  // Agree on the first failing scene over all ranks (by global scene index; -1 stands for the
  // shared user factors, `none` for all finite).
  const int none = std::numeric_limits<int>::max();
  int first = none;
  if (phase == Phase::kAveraging) {  // the averaging changed z only
    if (!all_finite(shared_)) first = -1;
  } else {
    for (std::size_t l = 0; l < layouts_.size(); ++l) {
      const Matrix& factors = phase == Phase::kItemStep ? item_factors_[l] : user_factors_[l];
      if (!all_finite(factors)) first = std::min(first, layouts_[l].scene);
    }
  }
  first = grid_.shard_comm.min(grid_.group_comm.min(first));
  if (first == none) return;
  const char* step = phase == Phase::kUserStep    ? "user step"
                     : phase == Phase::kAveraging ? "cross-scene averaging"
                                                  : "item step";
  const bool pooled = layouts_.size() == 1 && !layouts_[0].item_scene.empty();
  const std::string where = first < 0 ? "the shared user factors"
                            : pooled
                                ? "the " + layouts_[0].name + " model"
                                : "scene '" + data_.scenes[static_cast<std::size_t>(first)] + "'";
  throw AgreedError(ExitCode::kBadInput,
                    "training diverged: non-finite factors in " + where + " after the " + step +
                        " (values too large for --alpha " + format_number(options_.als.alpha) +
                        ", or --lambda too small?)");
}

Objective Trainer::objective() const {
  const bool explicit_feedback = options_.als.feedback == Feedback::kExplicit;
  const double lambda = options_.als.lambda;
  double terms[3] = {0, 0, 0};  // data, regularisation, penalty
  for (std::size_t l = 0; l < layouts_.size(); ++l) {
    const SceneLayout& layout = layouts_[l];
    const Matrix& x = user_factors_[l];
    const Matrix& y = item_factors_[l];  // this rank's items
    terms[0] += data_term(l);
    const double mu = options_.mu[static_cast<std::size_t>(layout.scene)];
    for (std::int64_t u = 0; u < layout.local_users(); ++u) {
      const double n_obs =
          static_cast<double>(layout.by_user.offsets[static_cast<std::size_t>(u) + 1] -
                              layout.by_user.offsets[static_cast<std::size_t>(u)]);
      const double norm = x.row(u).head(k_).cast<double>().squaredNorm();
      terms[1] += lambda * (explicit_feedback ? n_obs : 1.0) * norm;
      const std::int64_t shard_row = layout.local_user_row(u) - data_.users.row_begin();
      if (!multi_scene_[static_cast<std::size_t>(shard_row)]) continue;  // z = x eliminated
      const Eigen::RowVectorXf target = scene_maps_[l].apply(shared_.row(shard_row));
      terms[2] +=
          mu * user_weight(l, u) * (x.row(u).head(k_) - target).cast<double>().squaredNorm();
    }
    if (scene_map_on_ && grid_.group_comm.rank() == 0)  // once per scene
      terms[2] += mu * options_.scene_map_ridge *
                  ((scene_maps_[l].scale.array() - 1.0f).matrix().cast<double>().squaredNorm() +
                   scene_maps_[l].shift.cast<double>().squaredNorm());
    for (std::int64_t i = 0; i < layout.local_items(); ++i) {
      const auto at = static_cast<std::size_t>(i);
      const double n_obs =
          static_cast<double>(layout.by_item.offsets[at + 1] - layout.by_item.offsets[at]);
      terms[1] +=
          lambda * (explicit_feedback ? n_obs : 1.0) * y.row(i).cast<double>().squaredNorm();
      if (feature_prior_on() && feature_prior_weights_.size() == layouts_.size())
        terms[2] +=
            feature_prior_weights_[l][at] *
            (y.row(i).head(feature_prior_targets_[l].cols()) - feature_prior_targets_[l].row(i))
                .cast<double>()
                .squaredNorm();
    }
    if (feature_prior_on() && feature_maps_.size() == layouts_.size() &&
        grid_.group_comm.rank() == 0)  // once per scene
      terms[2] += options_.feature_weight * options_.feature_ridge *
                  feature_maps_[l].cast<double>().squaredNorm();
  }
  grid_.group_comm.allreduce_in_place(terms, 3, mpi::ReduceOp::kSum);
  grid_.shard_comm.allreduce_in_place(terms, 3, mpi::ReduceOp::kSum);
  return Objective{terms[0], terms[1], terms[2]};
}

bool Trainer::train(const std::function<void(const IterationStats&)>& on_iteration,
                    const TrainControl& control) {
  const mpi::Communicator& group = grid_.group_comm;
  const Phase phases[3] = {Phase::kUserStep, Phase::kAveraging, Phase::kItemStep};
  auto stop_agreed = [&] {
    const bool local = control.stop_requested && control.stop_requested();
    return grid_.shard_comm.any(group.any(local));
  };
  for (int iteration = control.start.iteration + 1; iteration <= options_.iterations; ++iteration) {
    IterationStats stats;
    stats.iteration = iteration;
    const std::int64_t bytes_before = group.bytes_sent();
    const Clock::time_point start = Clock::now();
    const int first_phase =
        iteration == control.start.iteration + 1 ? control.start.phases_done : 0;
    for (int p = first_phase; p < 3; ++p) {
      // Every mu_s = 0: no user step reads z, so averaging (an Allreduce of every shard user)
      // waits for the last iteration or a checkpoint. The factors are the same either way.
      if (phases[p] == Phase::kAveraging && mu_weights_dropped_ &&
          iteration < options_.iterations) {
        shared_stale_ = true;
        continue;
      }
      const Clock::time_point phase_start = Clock::now();
      const std::int64_t phase_bytes_before = group.bytes_sent();
      run_phase(phases[p]);
      stats.phase_seconds[p] = seconds_since(phase_start);
      stats.phase_max_bytes_sent[p] = group.bytes_sent() - phase_bytes_before;
      if (stop_agreed()) {  // every rank finished this half-step; save and leave together
        refresh_shared();
        if (control.checkpoint)
          control.checkpoint(p == 2 ? TrainProgress{iteration, 0}
                                    : TrainProgress{iteration - 1, p + 1});
        return false;
      }
    }
    stats.seconds = seconds_since(start);
    const std::int64_t bytes = group.bytes_sent() - bytes_before;
    stats.objective = objective();
    const double transfer =
        stats.phase_seconds[1] > 0 ? stats.phase_seconds[1] - averaging_wait_seconds_ : 0.0;
    double times[5] = {stats.seconds, stats.phase_seconds[0], stats.phase_seconds[1],
                       stats.phase_seconds[2], transfer};
    group.allreduce_in_place(times, 5, mpi::ReduceOp::kMax);
    grid_.shard_comm.allreduce_in_place(times, 5, mpi::ReduceOp::kMax);
    stats.seconds = times[0];
    std::copy(times + 1, times + 4, stats.phase_seconds);
    stats.averaging_transfer_seconds = times[4];
    group.allreduce_in_place(stats.phase_max_bytes_sent, 3, mpi::ReduceOp::kMax);
    grid_.shard_comm.allreduce_in_place(stats.phase_max_bytes_sent, 3, mpi::ReduceOp::kMax);
    stats.max_bytes_sent = grid_.shard_comm.max(group.max(bytes));
    stats.min_bytes_sent = grid_.shard_comm.min(group.min(bytes));
    on_iteration(stats);
    if (control.checkpoint && control.checkpoint_every > 0 &&
        iteration % control.checkpoint_every == 0 && iteration < options_.iterations) {
      refresh_shared();
      control.checkpoint(TrainProgress{iteration, 0});
    }
  }
  refresh_shared();  // z of every shard user, for what reads it next (export, bridges)
  return true;
}

void Trainer::refresh_shared() {
  if (shared_stale_) run_phase(Phase::kAveraging);
  complete_shared();
}

void Trainer::restore_scene_maps(const std::vector<SceneMap>& maps, const Matrix& shard_shared) {
  check_invariant(scene_map_on_ && maps.size() == layouts_.size() &&
                      shard_shared.rows() == shared_.rows() && shard_shared.cols() == k_,
                  "restore_scene_maps: a map per layout and a z row per shard user");
  scene_maps_ = maps;
  average_across_scenes();  // the sums the bridges read; z itself is the checkpoint's
  shared_ = shard_shared;
  shared_complete_ = true;
}

void Trainer::start_from(const RowReplacer& replace) {
  replace(user_factors_, item_factors_, scene_maps_);
  check_invariant(scene_maps_.size() == layouts_.size(), "start_from: a map per layout");
  for (std::size_t l = 0; l < layouts_.size(); ++l)
    check_invariant(user_factors_[l].rows() == layouts_[l].local_users() &&
                        user_factors_[l].cols() == k_ + 1 &&
                        item_factors_[l].rows() == layouts_[l].local_items() &&
                        item_factors_[l].cols() == k_ + 1,
                    "start_from: the rows of this rank's users and items");
  if (!scene_map_on_)  // without the map every scene's is the identity, whatever was replaced
    for (SceneMap& map : scene_maps_) map = SceneMap::identity(k_);
  refresh_replicas();
  average_across_scenes();  // z from the rows, so that the first user step has its prior
  shared_stale_ = false;
}

void Trainer::restore(const std::vector<const Matrix*>& shard_users,
                      const std::vector<const Matrix*>& items) {
  check_invariant(shard_users.size() == layouts_.size() && items.size() == layouts_.size(),
                  "restore: one block per layout");
  for (std::size_t l = 0; l < layouts_.size(); ++l) {
    const SceneLayout& layout = layouts_[l];
    if (items[l]->rows() != static_cast<Eigen::Index>(layout.item_rows.size()) ||
        items[l]->cols() != k_ + 1 || shard_users[l]->cols() != k_ + 1)
      throw InputError("the checkpoint's scene '" + layout.name +
                       "' does not match this run (other input, split or --factors?)");
    item_factors_[l] = items[l]->middleRows(layout.item_begin, layout.local_items());
    for (std::int64_t u = 0; u < layout.local_users(); ++u)
      user_factors_[l].row(u) =
          shard_users[l]->row(layout.local_user_row(u) - data_.users.row_begin());
  }
}

}  // namespace sceneals::solver
