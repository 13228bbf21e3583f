#include "app/tune_stage.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "app/preemption.h"
#include "app/small_scenes.h"
#include "eval/evaluator.h"
#include "io/id_hash.h"
#include "mpi/error.h"
#include "mpi/error_agreement.h"
#include "solver/embedding_export.h"
#include "solver/feature_items.h"
#include "solver/pooled_layout.h"
#include "solver/scene_layout.h"
#include "tune/blend.h"
#include "tune/choice.h"
#include "tune/halving.h"
#include "tune/validation_sample.h"

namespace sceneals::app {

namespace {

/// The validation rows that score the candidates of an early rung (all but the last), about
/// (tune/validation_sample.h); the last rung and the per-scene choices see every user.
constexpr std::int64_t kEarlyRungValidationRows = 15000;

/// A candidate trained on the validation split's training part.
struct TrainedModel {
  tune::Setting setting;
  std::unique_ptr<solver::Trainer> trainer;  // not movable itself: it refers to the grid
};

/// Trains, serves and scores candidates on the validation split: the layouts are built once and
/// copied into each candidate's trainer.
class CandidateRunner {
 public:
  /// `can_pool`: pooled candidates may run (the job's grid, which trains the choice, decides).
  CandidateRunner(const mpi::Communicator& comm, const mpi::ProcessGrid& grid,
                  const io::ShardedData& data, const io::SplitRatings& validation,
                  const TuningRequest& request, bool can_pool)
      : comm_(comm), grid_(grid), data_(data), validation_(validation), request_(request) {
    layouts_ = solver::build_scene_layouts(grid, data, validation.train);
    const SkippedScenes skipped =
        find_skipped_scenes(comm, data.scenes, layouts_, validation, request.base.als.factors);
    test_ = skipped.any() ? evaluable_test(validation.test, skipped) : validation.test;
    early_test_ = tune::sample_validation_users(
        test_, comm.sum(static_cast<std::int64_t>(test_.size())), kEarlyRungValidationRows,
        request.seed,
        [&](std::int64_t row) { return std::string_view(data.users.id_of_row(row)); });
    if (can_pool) pooled_ = solver::pool_layouts(grid, data.items, layouts_);
    for (const solver::SceneLayout& layout : layouts_)
      counts_.push_back(solver::item_counts(grid.group_comm, layout));
    if (request.base.item_features != nullptr)
      untrained_feature_items_ =
          solver::untrained_feature_items(grid, *request.base.item_features, layouts_);
  }

  /// nullopt when a signal asked the job to stop.
  std::optional<TrainedModel> train(const tune::Setting& setting, int iterations) const {
    solver::TrainOptions options = request_.base;
    options.als.lambda = setting.lambda;
    options.als.alpha = setting.alpha;
    options.iterations = iterations;
    const bool pooled = setting.kind == solver::ModelKind::kPooled;
    options.mu =
        pooled ? std::vector<float>(data_.scenes.size(), 0.0f) : setting.mu.resolve(data_.scenes);
    options.scene_map_ridge = setting.scene_map_ridge;
    options.feature_weight = setting.feature_weight;
    options.learn_item_bias = true;
    TrainedModel model{
        setting,
        std::make_unique<solver::Trainer>(
            grid_, data_, pooled ? std::vector<solver::SceneLayout>{pooled_->layout} : layouts_,
            options)};
    solver::TrainControl control;
    control.stop_requested = preemption_requested;
    if (!model.trainer->train([](const solver::IterationStats&) {}, control)) return std::nullopt;
    if (!pooled) model.trainer->fit_bridges(request_.default_ridge);
    return model;
  }

  std::vector<solver::ServedScene> serve(const TrainedModel& model) const {
    std::vector<solver::ServedScene> served =
        model.setting.kind == solver::ModelKind::kPooled
            ? solver::serve_pooled(data_, layouts_, *pooled_, *model.trainer)
            : solver::serve_model(data_, *model.trainer, model.setting.kind);
    if (const io::ItemFeatureTable* features = request_.base.item_features)
      solver::serve_from_features(grid_, *features, request_.base.feature_ridge,
                                  untrained_feature_items_, layouts_, served);
    return served;
  }

  /// Collective over the group; the sums at K = 20, complete on every rank of it. `early`: on
  /// the sample of users that scores early rungs.
  eval::MetricSums evaluate(const std::vector<solver::ServedScene>& served,
                            bool early = false) const {
    std::vector<eval::SceneModel> models;
    for (std::size_t l = 0; l < layouts_.size(); ++l)
      models.push_back({layouts_[l].scene, &served[l].users, &layouts_[l].item_rows,
                        &served[l].items, nullptr, &served[l].feature_item_rows,
                        &served[l].feature_items, nullptr});
    eval::MetricSums sums = eval::evaluate_model(
        grid_, data_.users, validation_.train, early ? early_test_ : test_, models,
        {tune::kChoiceK},
        request_.base.item_features != nullptr || request_.split.cold_item_fraction > 0);
    comm_.broadcast(sums.data().data(), static_cast<std::int64_t>(sums.data().size()), 0);
    return sums;
  }

  /// The served rows with every scene blended by `beta` (a copy: the items are small).
  std::vector<solver::ServedScene> blended(const std::vector<solver::ServedScene>& served,
                                           const std::vector<double>& beta_by_scene) const {
    std::vector<solver::ServedScene> out = served;
    for (std::size_t l = 0; l < layouts_.size(); ++l)
      tune::apply_popularity_blend(out[l].items, counts_[l],
                                   beta_by_scene[static_cast<std::size_t>(layouts_[l].scene)]);
    return out;
  }

 private:
  const mpi::Communicator& comm_;  ///< the search group's ranks (the world with one group)
  const mpi::ProcessGrid& grid_;
  const io::ShardedData& data_;
  const io::SplitRatings& validation_;
  const TuningRequest& request_;
  std::vector<solver::SceneLayout> layouts_;
  std::vector<io::Rating> test_;
  std::vector<io::Rating> early_test_;  ///< test_ of the sampled users (kEarlyRungValidationRows)
  std::optional<solver::PooledLayout> pooled_;
  std::vector<std::vector<float>> counts_;             ///< per layout: the items' training counts
  std::vector<std::int64_t> untrained_feature_items_;  ///< served from features (with features)
};

/// The candidates in the order they are tried, cut to fit the budget: when all of them do not,
/// a seeded shuffle decides which stay (the first candidate of the space, the plain setting
/// nearest the defaults, always stays first).
std::vector<tune::Setting> candidates_within_budget(std::vector<tune::Setting> all,
                                                    const TuningRequest& request, bool can_pool,
                                                    std::string& note) {
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const tune::Setting& s) {
                             return s.kind == solver::ModelKind::kPooled && !can_pool;
                           }),
            all.end());
  if (all.empty())
    throw InputError(
        "--tune: the search space is empty (pooled candidates need a grid of one "
        "scene group: --grid 1xN or auto)");
  int fewest = all.front().iterations;
  for (const tune::Setting& s : all) fewest = std::min(fewest, s.iterations);
  if (fewest > request.budget_iterations)
    throw InputError("--tune-budget allows " + std::to_string(request.budget_iterations) +
                     " iterations in all, too few to train one candidate (" +
                     std::to_string(fewest) + " iterations)");
  std::vector<std::pair<std::uint64_t, std::size_t>> order;
  for (std::size_t c = 1; c < all.size(); ++c)
    order.emplace_back(io::hash_combine(request.seed, c), c);
  std::sort(order.begin(), order.end());
  std::vector<std::size_t> kept = {0};
  for (const auto& [hash, c] : order) kept.push_back(c);
  const auto cost_of = [&](const std::vector<std::size_t>& candidates) {
    std::vector<int> iterations;
    for (std::size_t c : candidates) iterations.push_back(all[c].iterations);
    return tune::schedule_cost(iterations);
  };
  while (kept.size() > 1 && cost_of(kept) > request.budget_iterations) kept.pop_back();
  if (kept.size() < all.size())
    note = " (" + std::to_string(all.size() - kept.size()) + " of " + std::to_string(all.size()) +
           " left out to fit --tune-budget)";
  // Back to the space's order, so that ties go to the earlier candidate of the space.
  std::sort(kept.begin(), kept.end());
  std::vector<tune::Setting> ordered;
  for (std::size_t c : kept) ordered.push_back(all[c]);
  return ordered;
}

io::MetricRecord record(const std::string& scene, const char* cohort, const char* metric,
                        double value, double pairs, const std::string& setting) {
  io::MetricRecord r;
  r.scene = scene;
  r.cohort = cohort;
  r.k = tune::kChoiceK;
  r.metric = metric;
  r.value = value;
  r.pairs = static_cast<std::int64_t>(pairs);
  r.setting = setting;
  return r;
}

/// This rank's part of the search: the communicator of its group of ranks, the data the group
/// trains on (the job's own when one group searches; else a copy the group reads, shards and
/// splits itself, the same split since a split depends on ids and seeds only), and a runner.
/// Held in place: the runner refers to the members before it.
struct SearchGroup {
  int index = 0;
  int count = 1;
  std::optional<mpi::Communicator> split_comm;  // groups > 1
  std::optional<io::ShardingResult> sharded;    // groups > 1
  io::SplitRatings validation;                  // groups > 1
  std::optional<CandidateRunner> runner;

  const mpi::Communicator& comm(const mpi::Communicator& world) const {
    return split_comm ? *split_comm : world;
  }
};

std::unique_ptr<SearchGroup> make_search_group(
    const mpi::Communicator& world, const mpi::ProcessGrid& grid, const io::ShardedData& data,
    const io::SplitRatings& validation, const TuningRequest& request, int groups, bool can_pool) {
  auto group = std::make_unique<SearchGroup>();
  group->count = groups;
  if (groups == 1) {
    group->runner.emplace(world, grid, data, validation, request, can_pool);
    return group;
  }
  // Contiguous blocks of ranks, so that a group stays on as few nodes as it can.
  group->index = static_cast<int>(static_cast<std::int64_t>(world.rank()) * groups / world.size());
  group->split_comm.emplace(world.split(group->index, world.rank()));
  const mpi::Communicator& comm = *group->split_comm;
  // The features' items join the group's catalogue as they joined the job's, so that the rows,
  // a function of the set of ids, are the job's and the job's feature table applies.
  std::vector<std::string> feature_ids;
  if (const io::ItemFeatureTable* features = request.base.item_features)
    for (std::size_t i = static_cast<std::size_t>(comm.rank()); i < features->ids().size();
         i += static_cast<std::size_t>(comm.size()))
      feature_ids.push_back(features->ids()[i]);
  group->sharded.emplace(
      io::shard_interactions(comm, io::read_interactions(comm, request.read), 1, feature_ids));
  const mpi::ProcessGrid& own_grid = group->sharded->grid;
  io::ShardedData& own = group->sharded->data;
  io::SplitRatings split = io::split_ratings(own_grid, own, own.ratings, request.split);
  std::vector<io::Rating>().swap(own.ratings);
  group->validation = io::carve_validation(own_grid, own, split.train, request.split);
  mpi::run_agreed(world, [&] {
    check_invariant(own.scenes == data.scenes, "a search group read other scenes than the job");
    check_invariant(own.items.total() == data.items.total(),
                    "a search group numbered other items than the job");
  });
  group->runner.emplace(comm, own_grid, own, group->validation, request, can_pool);
  return group;
}

/// The validation recall of every candidate of a rung, complete on every rank: each group's
/// first rank contributes its candidates' packed recalls (tune::pack_recall), the others zeros;
/// the last entry counts the groups a signal stopped.
struct RungResults {
  explicit RungResults(std::size_t candidates)
      : values(tune::kPackedRecall * candidates + 1, 0.0) {}
  std::vector<double> values;
  tune::CohortRecall recall(std::size_t c) const {
    return tune::unpack_recall(values.data() + tune::kPackedRecall * c);
  }
  void set(std::size_t c, const tune::CohortRecall& r) {
    tune::pack_recall(r, values.data() + tune::kPackedRecall * c);
  }
  bool stopped() const { return values.back() > 0; }
};

/// Per scene, on the winner, without training again: the bridge's ridge (colearn; only the rows
/// of users cold in the scene change), then the popularity blend. Collective over the group that
/// trained the winner. Packs, per scene and then overall, the chosen model's and popularity's
/// validation recall (tune::pack_recall each) after the scenes' ridge and beta.
std::vector<double> choose_per_scene(const CandidateRunner& runner, TrainedModel& best,
                                     const TuningRequest& request, std::size_t scenes) {
  std::vector<double> ridge_by_scene(scenes, request.default_ridge);
  std::vector<double> beta_by_scene(scenes, 0.0);
  const auto pick = [&](const std::vector<eval::MetricSums>& options, std::vector<double>& chosen,
                        const std::vector<double>& values) {
    for (std::size_t s = 0; s < scenes; ++s) {
      std::vector<double> scores;
      for (const eval::MetricSums& sums : options)
        scores.push_back(tune::recall_of(sums, static_cast<int>(s), 0).score());
      chosen[s] = values[tune::best_index(scores)];
    }
  };
  const bool colearn = best.setting.kind == solver::ModelKind::kColearn;
  if (colearn && request.space.ridge.size() > 1) {
    std::vector<eval::MetricSums> by_ridge;
    for (double ridge : request.space.ridge) {
      best.trainer->fit_bridges(ridge);
      by_ridge.push_back(runner.evaluate(runner.serve(best)));
    }
    pick(by_ridge, ridge_by_scene, request.space.ridge);
  }
  if (colearn) best.trainer->fit_bridges(ridge_by_scene);
  const std::vector<solver::ServedScene> served = runner.serve(best);
  std::vector<double> betas = request.space.beta;
  std::sort(betas.begin(), betas.end());  // ties go to the smaller blend
  std::vector<eval::MetricSums> by_beta;
  for (double beta : betas)
    by_beta.push_back(runner.evaluate(runner.blended(served, std::vector<double>(scenes, beta))));
  pick(by_beta, beta_by_scene, betas);
  const eval::MetricSums chosen = runner.evaluate(runner.blended(served, beta_by_scene));
  const eval::MetricSums popularity =
      runner.evaluate(runner.blended(served, std::vector<double>(scenes, tune::kPopularityBeta)));
  std::vector<double> packed = ridge_by_scene;
  packed.insert(packed.end(), beta_by_scene.begin(), beta_by_scene.end());
  for (std::size_t s = 0; s <= scenes; ++s) {
    const int scene = s < scenes ? static_cast<int>(s) : -1;
    for (const eval::MetricSums* sums : {&chosen, &popularity}) {
      packed.resize(packed.size() + tune::kPackedRecall);
      tune::pack_recall(tune::recall_of(*sums, scene, 0),
                        packed.data() + packed.size() - tune::kPackedRecall);
    }
  }
  return packed;
}

}  // namespace

std::optional<TuningChoice> run_tuning(const mpi::Communicator& world, const mpi::ProcessGrid& grid,
                                       const io::ShardedData& data,
                                       const io::SplitRatings& validation,
                                       const TuningRequest& request) {
  const bool root = world.is_root();
  const bool can_pool = grid.plan.scene_groups == 1;
  std::string note;
  std::vector<tune::Setting> alive;
  mpi::run_agreed(world, [&] {
    alive = candidates_within_budget(request.space.candidates(), request, can_pool, note);
    for (const tune::MuValue& mu : request.space.mu) mu.resolve(data.scenes);  // known scenes
  });
  const int groups = tune::search_groups(request.groups, world.size());
  const std::unique_ptr<SearchGroup> group =
      make_search_group(world, grid, data, validation, request, groups, can_pool);
  const mpi::Communicator& group_comm = group->comm(world);
  const CandidateRunner& runner = *group->runner;
  const int rungs = tune::rung_count(static_cast<int>(alive.size()));
  TuningChoice choice;
  if (root) {
    std::printf(
        "tuning on the validation split: %zu candidates%s, %d rung%s of successive halving, "
        "budget %lld iterations, %d group%s of ranks side by side\n",
        alive.size(), note.c_str(), rungs, rungs == 1 ? "" : "s",
        static_cast<long long>(request.budget_iterations), groups, groups == 1 ? "" : "s");
    std::printf("%4s %5s %10s %10s %10s %8s  %s\n", "rung", "iters", "warm_R@20", "cold_R@20",
                "c-item_R@20", "score", "setting");
  }

  // Candidate c of a rung is trained by group c % groups; the last rung's best model of each
  // group is kept for the per-scene choices.
  std::optional<TrainedModel> best;
  std::size_t winner = 0;
  for (int rung = 0; rung < rungs; ++rung) {
    RungResults results(alive.size());
    double best_score = -1;
    bool stopped = false;
    for (std::size_t c = 0; c < alive.size() && !stopped; ++c) {
      if (static_cast<int>(c % static_cast<std::size_t>(groups)) != group->index) continue;
      const int iterations = tune::rung_iterations(alive[c].iterations, rung, rungs);
      std::optional<TrainedModel> model = runner.train(alive[c], iterations);
      if (!model) {
        stopped = true;
        break;
      }
      const tune::CohortRecall recall =
          tune::recall_of(runner.evaluate(runner.serve(*model), rung < rungs - 1), -1, 0);
      if (group_comm.is_root()) results.set(c, recall);
      if (rung == rungs - 1 && recall.score() > best_score) {  // ties: the earlier candidate
        best_score = recall.score();
        best = std::move(model);
      }
    }
    if (group_comm.is_root() && stopped) results.values.back() = 1;
    world.allreduce_in_place(results.values, mpi::ReduceOp::kSum);
    if (results.stopped()) return std::nullopt;

    std::vector<double> scores;
    for (std::size_t c = 0; c < alive.size(); ++c) {
      const tune::CohortRecall recall = results.recall(c);
      scores.push_back(recall.score());
      if (!root) continue;
      const int iterations = tune::rung_iterations(alive[c].iterations, rung, rungs);
      std::printf("%4d %5d %10.4f %10.4f %10.4f %8.4f  %s\n", rung, iterations, recall.warm,
                  recall.cold, recall.cold_item, recall.score(), alive[c].describe().c_str());
      const std::string label = alive[c].describe() + " (rung " + std::to_string(rung) + ", " +
                                std::to_string(iterations) + " iterations)";
      choice.records.push_back(
          record("overall", "warm", "validation_recall", recall.warm, recall.warm_pairs, label));
      choice.records.push_back(
          record("overall", "cold", "validation_recall", recall.cold, recall.cold_pairs, label));
      if (recall.cold_item_pairs > 0)
        choice.records.push_back(record("overall", "cold-item", "validation_recall",
                                        recall.cold_item, recall.cold_item_pairs, label));
    }
    if (root) std::fflush(stdout);
    if (rung == rungs - 1) {
      winner = tune::best_index(scores);
      break;
    }
    // The best third, in the space's order.
    std::vector<std::size_t> ranked(alive.size());
    for (std::size_t c = 0; c < ranked.size(); ++c) ranked[c] = c;
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    ranked.resize(static_cast<std::size_t>(tune::survivors(static_cast<int>(alive.size()))));
    std::sort(ranked.begin(), ranked.end());
    std::vector<tune::Setting> next;
    for (std::size_t c : ranked) next.push_back(alive[c]);
    alive = std::move(next);
  }
  choice.setting = alive[winner];

  // The group that trained the winner (it is that group's best too) chooses per scene and
  // hands the result to every rank from its first rank.
  const std::size_t scenes = data.scenes.size();
  const int winner_group = static_cast<int>(winner % static_cast<std::size_t>(groups));
  int winner_root = 0;
  while (static_cast<std::int64_t>(winner_root) * groups / world.size() != winner_group)
    ++winner_root;
  std::vector<double> packed(2 * scenes + 2 * tune::kPackedRecall * (scenes + 1), 0.0);
  if (group->index == winner_group) {
    check_invariant(best && best->setting.describe() == choice.setting.describe(),
                    "the winner's group does not hold the winner");
    packed = choose_per_scene(runner, *best, request, scenes);
  }
  world.broadcast(packed.data(), static_cast<std::int64_t>(packed.size()), winner_root);
  choice.ridge_by_scene.assign(packed.begin(),
                               packed.begin() + static_cast<std::ptrdiff_t>(scenes));
  choice.beta_by_scene.assign(packed.begin() + static_cast<std::ptrdiff_t>(scenes),
                              packed.begin() + static_cast<std::ptrdiff_t>(2 * scenes));

  if (root) {
    std::printf("chosen: %s\n", choice.setting.describe().c_str());
    std::printf("%-20s %8s %10s %10s %10s %10s %10s %10s %10s\n", "scene", "ridge", "beta",
                "warm_R@20", "cold_R@20", "c-item_R@20", "pop_warm", "pop_cold", "pop_c-item");
    for (std::size_t s = 0; s <= scenes; ++s) {
      const double* numbers = packed.data() + 2 * scenes + 2 * tune::kPackedRecall * s;
      const tune::CohortRecall mine = tune::unpack_recall(numbers);
      const tune::CohortRecall base = tune::unpack_recall(numbers + tune::kPackedRecall);
      const std::string name = s < scenes ? data.scenes[s] : "overall";
      const bool bridged = s < scenes && choice.setting.kind == solver::ModelKind::kColearn;
      const std::string ridge = bridged ? tune::beta_text(choice.ridge_by_scene[s]) : "-";
      const std::string beta = s < scenes ? tune::beta_text(choice.beta_by_scene[s]) : "-";
      std::printf("%-20s %8s %10s %10.4f %10.4f %10.4f %10.4f %10.4f %10.4f\n", name.c_str(),
                  ridge.c_str(), beta.c_str(), mine.warm, mine.cold, mine.cold_item, base.warm,
                  base.cold, base.cold_item);
      const std::string setting =
          choice.setting.describe() +
          (s < scenes ? (bridged ? " ridge=" + ridge : "") + " beta=" + beta : std::string());
      choice.records.push_back(
          record(name, "warm", "chosen_recall", mine.warm, mine.warm_pairs, setting));
      choice.records.push_back(
          record(name, "cold", "chosen_recall", mine.cold, mine.cold_pairs, setting));
      choice.records.push_back(
          record(name, "warm", "popularity_recall", base.warm, base.warm_pairs, "popularity"));
      choice.records.push_back(
          record(name, "cold", "popularity_recall", base.cold, base.cold_pairs, "popularity"));
      if (mine.cold_item_pairs > 0) {
        choice.records.push_back(record(name, "cold-item", "chosen_recall", mine.cold_item,
                                        mine.cold_item_pairs, setting));
        choice.records.push_back(record(name, "cold-item", "popularity_recall", base.cold_item,
                                        base.cold_item_pairs, "popularity"));
      }
    }
    std::fflush(stdout);
  }
  return choice;
}

}  // namespace sceneals::app
