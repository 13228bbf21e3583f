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
#include "solver/pooled_layout.h"
#include "solver/scene_layout.h"
#include "tune/blend.h"
#include "tune/choice.h"
#include "tune/halving.h"

namespace sceneals::app {

namespace {

/// A candidate trained on the validation split's training part.
struct TrainedModel {
  tune::Setting setting;
  std::unique_ptr<solver::Trainer> trainer;  // not movable itself: it refers to the grid
};

/// Trains, serves and scores candidates on the validation split: the layouts are built once and
/// copied into each candidate's trainer.
class CandidateRunner {
 public:
  CandidateRunner(const mpi::Communicator& world, const mpi::ProcessGrid& grid,
                  const io::ShardedData& data, const io::SplitRatings& validation,
                  const TuningRequest& request)
      : world_(world), grid_(grid), data_(data), validation_(validation), request_(request) {
    layouts_ = solver::build_scene_layouts(grid, data, validation.train);
    const SkippedScenes skipped =
        find_skipped_scenes(world, data.scenes, layouts_, validation, request.base.als.factors);
    test_ = skipped.any() ? evaluable_test(validation.test, skipped) : validation.test;
    if (grid.plan.scene_groups == 1) pooled_ = solver::pool_layouts(grid, data.items, layouts_);
    for (const solver::SceneLayout& layout : layouts_)
      counts_.push_back(solver::item_counts(grid.group_comm, layout));
  }

  bool can_pool() const { return pooled_.has_value(); }

  /// nullopt when a signal asked the job to stop.
  std::optional<TrainedModel> train(const tune::Setting& setting, int iterations) const {
    solver::TrainOptions options = request_.base;
    options.als.lambda = setting.lambda;
    options.als.alpha = setting.alpha;
    options.iterations = iterations;
    const bool pooled = setting.kind == solver::ModelKind::kPooled;
    options.mu.assign(data_.scenes.size(), pooled ? 0.0f : setting.mu);
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
    return model.setting.kind == solver::ModelKind::kPooled
               ? solver::serve_pooled(data_, layouts_, *pooled_, *model.trainer)
               : solver::serve_model(data_, *model.trainer, model.setting.kind);
  }

  /// Collective; the sums at K = 20, complete on every rank.
  eval::MetricSums evaluate(const std::vector<solver::ServedScene>& served) const {
    std::vector<eval::SceneModel> models;
    for (std::size_t l = 0; l < layouts_.size(); ++l)
      models.push_back(
          {layouts_[l].scene, &served[l].users, &layouts_[l].item_rows, &served[l].items});
    eval::MetricSums sums = eval::evaluate_model(grid_, data_.users, validation_.train, test_,
                                                 models, {tune::kChoiceK});
    world_.broadcast(sums.data().data(), static_cast<std::int64_t>(sums.data().size()), 0);
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
  const mpi::Communicator& world_;
  const mpi::ProcessGrid& grid_;
  const io::ShardedData& data_;
  const io::SplitRatings& validation_;
  const TuningRequest& request_;
  std::vector<solver::SceneLayout> layouts_;
  std::vector<io::Rating> test_;
  std::optional<solver::PooledLayout> pooled_;
  std::vector<std::vector<float>> counts_;  ///< per layout: the items' training counts
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
  std::vector<tune::Setting> kept = {all.front()};
  for (const auto& [hash, c] : order) kept.push_back(all[c]);
  const std::size_t total = kept.size();
  const auto iterations_of = [](const std::vector<tune::Setting>& settings) {
    std::vector<int> out;
    for (const tune::Setting& s : settings) out.push_back(s.iterations);
    return out;
  };
  while (kept.size() > 1 && tune::schedule_cost(iterations_of(kept)) > request.budget_iterations)
    kept.pop_back();
  if (kept.size() < total)
    note = " (" + std::to_string(total - kept.size()) + " of " + std::to_string(total) +
           " left out to fit --tune-budget)";
  // Back to the space's order, so that ties go to the earlier candidate of the space.
  std::vector<tune::Setting> ordered;
  for (const tune::Setting& s : all)
    for (const tune::Setting& k : kept)
      if (k.describe() == s.describe()) ordered.push_back(s);
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

}  // namespace

std::optional<TuningChoice> run_tuning(const mpi::Communicator& world, const mpi::ProcessGrid& grid,
                                       const io::ShardedData& data,
                                       const io::SplitRatings& validation,
                                       const TuningRequest& request) {
  const bool root = world.is_root();
  const CandidateRunner runner(world, grid, data, validation, request);
  std::string note;
  std::vector<tune::Setting> alive;
  mpi::run_agreed(world, [&] {
    alive = candidates_within_budget(request.space.candidates(), request, runner.can_pool(), note);
  });
  const int rungs = tune::rung_count(static_cast<int>(alive.size()));
  TuningChoice choice;
  if (root) {
    std::printf(
        "tuning on the validation split: %zu candidates%s, %d rung%s of successive "
        "halving, budget %lld iterations\n",
        alive.size(), note.c_str(), rungs, rungs == 1 ? "" : "s",
        static_cast<long long>(request.budget_iterations));
    std::printf("%4s %5s %10s %10s %8s  %s\n", "rung", "iters", "warm_R@20", "cold_R@20", "score",
                "setting");
  }

  std::optional<TrainedModel> best;
  for (int rung = 0; rung < rungs; ++rung) {
    std::vector<double> scores;
    for (const tune::Setting& setting : alive) {
      const int iterations = tune::rung_iterations(setting.iterations, rung, rungs);
      std::optional<TrainedModel> model = runner.train(setting, iterations);
      if (!model) return std::nullopt;
      const eval::MetricSums sums = runner.evaluate(runner.serve(*model));
      const tune::CohortRecall recall = tune::recall_of(sums, -1, 0);
      scores.push_back(recall.score());
      const std::string label = setting.describe() + " (rung " + std::to_string(rung) + ", " +
                                std::to_string(iterations) + " iterations)";
      if (root) {
        std::printf("%4d %5d %10.4f %10.4f %8.4f  %s\n", rung, iterations, recall.warm, recall.cold,
                    recall.score(), setting.describe().c_str());
        std::fflush(stdout);
        choice.records.push_back(
            record("overall", "warm", "validation_recall", recall.warm, recall.warm_pairs, label));
        choice.records.push_back(
            record("overall", "cold", "validation_recall", recall.cold, recall.cold_pairs, label));
      }
      // The last rung keeps its best model for the per-scene choices below.
      if (rung == rungs - 1 && scores.size() - 1 == tune::best_index(scores))
        best = std::move(model);
    }
    if (rung == rungs - 1) {
      choice.setting = alive[tune::best_index(scores)];
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

  // Per scene, on the winner: the bridge's ridge (cold pairs only change), then the blend.
  const std::size_t scenes = data.scenes.size();
  choice.ridge_by_scene.assign(scenes, request.default_ridge);
  choice.beta_by_scene.assign(scenes, 0.0);
  const auto choose_per_scene = [&](const std::vector<eval::MetricSums>& options,
                                    std::vector<double>& chosen,
                                    const std::vector<double>& values) {
    for (std::size_t s = 0; s < scenes; ++s) {
      std::vector<double> scores;
      for (const eval::MetricSums& sums : options)
        scores.push_back(tune::recall_of(sums, static_cast<int>(s), 0).score());
      chosen[s] = values[tune::best_index(scores)];
    }
  };
  if (choice.setting.kind == solver::ModelKind::kColearn && request.space.ridge.size() > 1) {
    std::vector<eval::MetricSums> by_ridge;
    for (double ridge : request.space.ridge) {
      best->trainer->fit_bridges(ridge);
      by_ridge.push_back(runner.evaluate(runner.serve(*best)));
    }
    choose_per_scene(by_ridge, choice.ridge_by_scene, request.space.ridge);
  }
  if (choice.setting.kind == solver::ModelKind::kColearn)
    best->trainer->fit_bridges(choice.ridge_by_scene);
  const std::vector<solver::ServedScene> served = runner.serve(*best);
  std::vector<double> betas = request.space.beta;
  std::sort(betas.begin(), betas.end());  // ties go to the smaller blend
  std::vector<eval::MetricSums> by_beta;
  for (double beta : betas)
    by_beta.push_back(runner.evaluate(runner.blended(served, std::vector<double>(scenes, beta))));
  choose_per_scene(by_beta, choice.beta_by_scene, betas);
  const eval::MetricSums chosen = runner.evaluate(runner.blended(served, choice.beta_by_scene));
  const eval::MetricSums popularity =
      runner.evaluate(runner.blended(served, std::vector<double>(scenes, tune::kPopularityBeta)));

  if (root) {
    std::printf("chosen: %s\n", choice.setting.describe().c_str());
    std::printf("%-20s %8s %10s %10s %10s %10s %10s\n", "scene", "ridge", "beta", "warm_R@20",
                "cold_R@20", "pop_warm", "pop_cold");
    for (std::size_t s = 0; s <= scenes; ++s) {
      const int scene = s < scenes ? static_cast<int>(s) : -1;
      const std::string name = scene < 0 ? "overall" : data.scenes[s];
      const tune::CohortRecall mine = tune::recall_of(chosen, scene, 0);
      const tune::CohortRecall base = tune::recall_of(popularity, scene, 0);
      const bool bridged = scene >= 0 && choice.setting.kind == solver::ModelKind::kColearn;
      const std::string ridge = bridged ? tune::beta_text(choice.ridge_by_scene[s]) : "-";
      const std::string beta = scene < 0 ? "-" : tune::beta_text(choice.beta_by_scene[s]);
      std::printf("%-20s %8s %10s %10.4f %10.4f %10.4f %10.4f\n", name.c_str(), ridge.c_str(),
                  beta.c_str(), mine.warm, mine.cold, base.warm, base.cold);
      const std::string setting =
          choice.setting.describe() +
          (scene < 0 ? std::string() : (bridged ? " ridge=" + ridge : "") + " beta=" + beta);
      choice.records.push_back(
          record(name, "warm", "chosen_recall", mine.warm, mine.warm_pairs, setting));
      choice.records.push_back(
          record(name, "cold", "chosen_recall", mine.cold, mine.cold_pairs, setting));
      choice.records.push_back(
          record(name, "warm", "popularity_recall", base.warm, base.warm_pairs, "popularity"));
      choice.records.push_back(
          record(name, "cold", "popularity_recall", base.cold, base.cold_pairs, "popularity"));
    }
    std::fflush(stdout);
  }
  return choice;
}

}  // namespace sceneals::app
