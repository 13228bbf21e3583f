#include "app/train_job.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <utility>

#include "app/commands.h"
#include "app/huge_pages.h"
#include "app/preemption.h"
#include "app/tune_stage.h"
#include "config/run_config.h"
#include "eval/evaluator.h"
#include "eval/metric_report.h"
#include "io/embedding_writer.h"
#include "io/split_writer.h"
#include "mpi/error_agreement.h"
#include "solver/attainable_flops.h"
#include "solver/checkpoint.h"
#include "solver/feature_items.h"
#include "solver/flop_count.h"
#include "solver/kernel_dispatch.h"
#include "solver/threads.h"
#include "solver/warm_start.h"
#include "tune/blend.h"

namespace sceneals::app {

namespace {

double megabytes(std::int64_t bytes) { return static_cast<double>(bytes) / 1e6; }

/// The file's `created` time: now, or SOURCE_DATE_EPOCH (seconds since 1970, the
/// reproducible-builds convention) when set, so that two runs can give byte-identical files.
std::string creation_time() {
  std::time_t when = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
    char* end = nullptr;
    errno = 0;
    const long long seconds = std::strtoll(epoch, &end, 10);
    if (end == epoch || *end != '\0' || errno != 0 || seconds < 0)
      throw InputError("SOURCE_DATE_EPOCH='" + std::string(epoch) +
                       "' is not a number of seconds since 1970");
    when = static_cast<std::time_t>(seconds);
  }
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&when));
  return text;
}

void check_pooled_grid(const mpi::ProcessGrid& grid) {
  if (grid.plan.scene_groups != 1)
    throw InputError(
        "--model-kind pooled trains all scenes in one matrix and needs one scene "
        "group: use --grid 1xN or auto");
}

std::string value_text(float value) { return std::to_string(value); }
std::string value_text(double value) { return std::to_string(value); }
std::string value_text(const std::string& value) { return value; }

/// "scene=value,...", as the `mu` attribute has always been written.
template <class T>
std::string join_per_scene(const std::vector<std::string>& scenes, const std::vector<T>& values) {
  std::string out;
  for (std::size_t s = 0; s < scenes.size(); ++s)
    out += (s ? "," : "") + scenes[s] + "=" + value_text(values[s]);
  return out;
}

std::int64_t exchange_buffer_bytes(double megabytes) {
  return static_cast<std::int64_t>(megabytes * (1 << 20));
}

/// How a step gets the other side's rows that other ranks hold, when the scene groups have more
/// than one rank (docs/performance.md, "Partitioned factors"). `what`: "item step: user rows".
void print_row_plan(const char* what, const solver::RowPlan& plan, double buffer_mb) {
  const int exchanged = plan.scenes[static_cast<int>(solver::RowSource::kExchanged)];
  const int gathered = plan.scenes[static_cast<int>(solver::RowSource::kReplicated)];
  if (exchanged + gathered == 0) return;
  std::printf("%s of %d scene%s gathered whole, of %d exchanged", what, gathered,
              gathered == 1 ? "" : "s", exchanged);
  if (exchanged > 0)
    std::printf(" (at most %d rounds, %.1f MB received per batch at most; --exchange-buffer-mb %g)",
                plan.most_rounds, megabytes(plan.largest_batch_bytes), buffer_mb);
  std::printf("\n");
}

}  // namespace

TrainJob::TrainJob(const mpi::Communicator& world, const config::TrainConfig& config)
    : world_(world),
      config_(config),
      root_(world.is_root()),
      kind_(config.model_kind),
      pooled_kind_(config.model_kind == solver::ModelKind::kPooled),
      als_(config.als),
      iterations_(config.iterations),
      scene_map_ridge_(config.scene_map_ridge),
      feature_weight_(config.feature_weight) {}

void TrainJob::prepare() {
  // Fail before hours of work, not after.
  io::check_output_writable(world_, config_.output);
  mpi::run_agreed(world_, [&] {
    creation_time();  // a malformed SOURCE_DATE_EPOCH, too
    if (config_.threads > 1 && !solver::threads_available())
      throw InputError("--threads " + std::to_string(config_.threads) +
                       ": this build has no OpenMP; run one rank per core instead");
  });
  solver::set_thread_count(config_.threads);
  // With --resume a checkpoint may make the model unneeded: it is then checked where it is read.
  if (!config_.init_from.empty() && !config_.resume)
    solver::check_warm_start_model(world_, config_.init_from, config_.als.factors);
  if (config_.benchmark) {
    bench_.ranks = world_.size();
    bench_.threads = config_.threads;
    world_.barrier();  // every rank measures at the same time, as it will compute
    const double attainable = solver::measure_attainable_flops();
    bench_.attainable_min = world_.min(attainable);
    bench_.attainable_mean = world_.sum(attainable) / world_.size();
    bench_.kernel_level = solver::kernel_levels_of_ranks(world_);  // the slowest rank's among them
  }
}

void TrainJob::read() {
  read_.emplace(io::read_interactions(world_, config_.read));
  bench_.file_bytes = read_->file_bytes;
  if (!config_.item_features.empty())
    feature_read_.emplace(io::read_item_features(world_, config_.item_features));
  if (!root_) return;
  std::printf("read %lld interactions from %s on %d rank%s",
              static_cast<long long>(read_->total_records), config_.read.path.c_str(),
              world_.size(), world_.size() == 1 ? "" : "s");
  if (read_->skipped_lines > 0)
    std::printf(" (skipped %lld bad lines; first: %s)",
                static_cast<long long>(read_->skipped_lines), read_->first_skipped.c_str());
  std::printf("\n");
  if (feature_read_)
    std::printf("read features of %lld items (%d each) from %s\n",
                static_cast<long long>(feature_read_->total), feature_read_->dimensions(),
                config_.item_features.c_str());
}

void TrainJob::shard() {
  // The pooled kind puts every scene in one matrix: one scene group; so does --tune's auto grid,
  // so that pooled can be one of its candidates.
  const int groups =
      (pooled_kind_ || config_.tune) && config_.grid_groups == 0 ? 1 : config_.grid_groups;
  sharded_.emplace(
      io::shard_interactions(world_, std::move(*read_), groups,
                             feature_read_ ? feature_read_->ids : std::vector<std::string>()));
  read_.reset();
  if (feature_read_) {
    features_.emplace(world_, std::move(*feature_read_), sharded_->extra_item_rows,
                      config_.item_features);
    feature_read_.reset();
  }
  const mpi::ProcessGrid& grid = sharded_->grid;
  const io::ShardedData& data = sharded_->data;
  mpi::run_agreed(world_, [&] { mu_ = config::resolve_mu(config_.mu, data.scenes); });
  ridge_by_scene_.assign(data.scenes.size(), config_.ridge);
  if (!root_) return;
  std::printf("grid %s; %lld users, %lld items, %zu scenes; %lld duplicate rows summed\n",
              grid.plan.describe().c_str(), static_cast<long long>(data.users.total()),
              static_cast<long long>(data.items.total()), data.scenes.size(),
              static_cast<long long>(data.duplicates_merged));
  for (std::size_t s = 0; s < data.scenes.size(); ++s)
    std::printf("  scene %-20s %10lld interactions  group %d  mu %g\n", data.scenes[s].c_str(),
                static_cast<long long>(data.scene_interactions[s]), grid.plan.group_of_scene[s],
                static_cast<double>(mu_[s]));
}

void TrainJob::split() {
  const mpi::ProcessGrid& grid = sharded_->grid;
  const io::ShardedData& data = sharded_->data;
  split_ = io::split_ratings(grid, data, data.ratings, config_.split);
  std::vector<io::Rating>().swap(sharded_->data.ratings);  // the split holds them from here on
  std::int64_t counts[4] = {static_cast<std::int64_t>(split_.train.size()), 0, 0, 0};
  for (std::uint8_t kind : split_.test_cold) ++counts[1 + kind];
  world_.allreduce_in_place(counts, 4, mpi::ReduceOp::kSum);
  if (root_) {
    std::printf("split (seed %llu, %s holdout): %lld train, %lld warm test, %lld cold-scene test",
                static_cast<unsigned long long>(config_.seed),
                data.has_timestamps ? "latest-by-timestamp" : "random",
                static_cast<long long>(counts[0]), static_cast<long long>(counts[1]),
                static_cast<long long>(counts[2]));
    if (config_.split.cold_item_fraction > 0)
      std::printf(", %lld cold-item test", static_cast<long long>(counts[3]));
    std::printf("\n");
  }
  if (!config_.write_split.empty()) {
    io::write_split(world_, config_.write_split, data, split_);
    if (root_)
      std::printf("split written to %s/train.csv and %s/test.csv\n", config_.write_split.c_str(),
                  config_.write_split.c_str());
  }
  // Choosing hyper-parameters never looks at the test split: --evaluate-on validation carves a
  // validation split out of the training part the same way (a seed derived from --seed),
  // trains on the rest and evaluates there.
  if (!config_.evaluate_on_validation && !config_.tune) return;
  validation_ = io::carve_validation(grid, data, split_.train, config_.split);
  std::int64_t sizes[2] = {static_cast<std::int64_t>(validation_.train.size()),
                           static_cast<std::int64_t>(validation_.test.size())};
  world_.allreduce_in_place(sizes, 2, mpi::ReduceOp::kSum);
  if (root_)
    std::printf("validation split carved from training: %lld train, %lld validation\n",
                static_cast<long long>(sizes[0]), static_cast<long long>(sizes[1]));
}

bool TrainJob::tune() {
  TuningRequest request;
  request.space = config_.tune_space;
  if (config_.checkpoint_every > 0 || config_.resume) {  // pooled training has no checkpoints
    request.space.kinds.erase(std::remove(request.space.kinds.begin(), request.space.kinds.end(),
                                          solver::ModelKind::kPooled),
                              request.space.kinds.end());
    if (root_) std::printf("tuning without pooled candidates: they cannot be checkpointed\n");
  }
  request.budget_iterations =
      static_cast<std::int64_t>(config_.tune_budget * std::max(config_.iterations, 1));
  request.base.als = als_;
  request.base.average_weight =
      config_.average_weight_count ? solver::AverageWeight::kCount : solver::AverageWeight::kOne;
  request.base.seed = config_.seed;
  request.base.exchange_buffer_bytes = exchange_buffer_bytes(config_.exchange_buffer_mb);
  request.default_ridge = config_.ridge;
  request.seed = config_.seed;
  request.groups = config_.tune_groups;
  request.read = config_.read;
  request.split = config_.split;
  if (features_) {
    request.base.item_features = &*features_;
    request.base.feature_ridge = config_.feature_ridge;
    request.space.features_given = true;
  }
  const std::optional<TuningChoice> choice =
      run_tuning(world_, sharded_->grid, sharded_->data, validation_, request);
  validation_ = io::SplitRatings();  // from here on the model is trained and scored on the split
  if (!choice) {
    if (root_)
      std::printf("stopped on a signal while tuning; nothing to save: run again to tune again\n");
    return false;
  }
  kind_ = choice->setting.kind;
  pooled_kind_ = kind_ == solver::ModelKind::kPooled;
  als_.lambda = choice->setting.lambda;
  als_.alpha = choice->setting.alpha;
  iterations_ = choice->setting.iterations;
  mu_ = choice->setting.mu.resolve(sharded_->data.scenes);
  scene_map_ridge_ = choice->setting.scene_map_ridge;
  feature_weight_ = choice->setting.feature_weight;
  ridge_by_scene_ = choice->ridge_by_scene;
  beta_by_scene_ = choice->beta_by_scene;
  tuning_records_ = choice->records;
  return true;
}

bool TrainJob::train() {
  const mpi::ProcessGrid& grid = sharded_->grid;
  const io::ShardedData& data = sharded_->data;
  options_.als = als_;
  options_.iterations = iterations_;
  options_.mu = mu_;
  options_.scene_map_ridge = scene_map_ridge_;
  options_.average_weight =
      config_.average_weight_count ? solver::AverageWeight::kCount : solver::AverageWeight::kOne;
  options_.seed = config_.seed;
  options_.exchange_buffer_bytes = exchange_buffer_bytes(config_.exchange_buffer_mb);
  if (features_) {
    options_.item_features = &*features_;
    options_.feature_weight = feature_weight_;
    options_.feature_ridge = config_.feature_ridge;
  }
  if (kind_ == solver::ModelKind::kIndependent || pooled_kind_) {
    std::fill(options_.mu.begin(), options_.mu.end(), 0.0f);  // independent scenes by definition
    options_.learn_item_bias = pooled_kind_;
  }
  if (kind_ == solver::ModelKind::kPopularity) options_.iterations = 0;  // nothing to fit
  const io::SplitRatings& fitted = config_.evaluate_on_validation ? validation_ : split_;
  // The pooled kind trains one pseudo-scene built from the per-scene layouts.
  scene_layouts_ = solver::build_scene_layouts(grid, data, fitted.train);
  skipped_ = find_skipped_scenes(world_, data.scenes, scene_layouts_, fitted, als_.factors);
  if (pooled_kind_) {
    mpi::run_agreed(world_, [&] { check_pooled_grid(grid); });
    pooled_ = solver::pool_layouts(grid, data.items, scene_layouts_);
  }
  if (!config_.evaluate) {  // the layouts hold the training data now; only the evaluation reads
    split_ = io::SplitRatings();  // the ratings again (to leave out training items)
    validation_ = io::SplitRatings();
  }
  trainer_.emplace(
      grid, data,
      pooled_kind_ ? std::vector<solver::SceneLayout>{pooled_->layout} : std::move(scene_layouts_),
      options_);
  solver::Trainer& trainer = *trainer_;
  const solver::RowPlan item_plan = trainer.item_row_plan();  // collective
  const solver::RowPlan user_plan = trainer.user_row_plan();
  if (root_) {
    print_row_plan("user step: item rows", item_plan, config_.exchange_buffer_mb);
    print_row_plan("item step: user rows", user_plan, config_.exchange_buffer_mb);
  }
  solver::TrainControl control;
  control.checkpoint_every = config_.checkpoint_every;
  control.stop_requested = preemption_requested;
  control.checkpoint = [&](const solver::TrainProgress& progress) {
    solver::write_checkpoint(world_, grid, data, trainer, progress, config_.checkpoint_dir,
                             run_attributes());
    if (root_)
      std::printf("checkpoint after iteration %d (+%d phases) in %s\n", progress.iteration,
                  progress.phases_done, config_.checkpoint_dir.c_str());
  };
  bool resumed = false;
  if (config_.resume) {
    if (const auto progress =
            solver::resume_from_checkpoint(world_, grid, data, trainer, config_.checkpoint_dir)) {
      control.start = *progress;
      resumed = true;
      if (root_)
        std::printf("resumed from %s after iteration %d (+%d phases)%s\n",
                    config_.checkpoint_dir.c_str(), progress->iteration, progress->phases_done,
                    config_.init_from.empty() ? "" : "; the checkpoint replaces --init-from");
    } else if (root_) {
      std::printf("no checkpoint in %s: starting from the beginning\n",
                  config_.checkpoint_dir.c_str());
    }
  }
  // A checkpoint of this run is newer than the model it started from.
  if (!resumed && !config_.init_from.empty()) {
    const solver::WarmStartReport report =
        solver::warm_start(world_, grid, data, trainer, config_.init_from);
    if (root_) std::printf("%s", solver::format_warm_start_report(report).c_str());
  }
  if (root_)
    std::printf("%5s %16s %9s %9s %9s %9s %12s\n", "iter", "objective", "time_s", "user_s", "avg_s",
                "item_s", "sent_MB/rank");
  const bool finished = trainer.train(
      [&](const solver::IterationStats& stats) {
        if (root_)
          std::printf("%5d %16.8e %9.3f %9.3f %9.3f %9.3f %5.2f..%.2f\n", stats.iteration,
                      stats.objective.total(), stats.seconds, stats.phase_seconds[0],
                      stats.phase_seconds[1], stats.phase_seconds[2],
                      megabytes(stats.min_bytes_sent), megabytes(stats.max_bytes_sent));
        std::fflush(stdout);
        if (config_.benchmark) bench_.iterations.push_back(stats);
      },
      control);
  if (!finished) {
    if (root_)
      std::printf("stopped on a signal; resume with --resume --checkpoint-dir %s\n",
                  config_.checkpoint_dir.c_str());
    return false;
  }
  bench_.huge_page_bytes = world_.min(huge_page_bytes());
  bench_.huge_page_request = huge_page_request();
  bench_.data_share_bytes = world_.max(held_data_bytes(trainer));
  const double scene_groups = grid.plan.scene_groups;
  bench_.averaging_model_bytes = world_.max(2.0 * (scene_groups - 1) / scene_groups * 4.0 *
                                            static_cast<double>(trainer.exchanged_floats()));
  const std::size_t scene_count = pooled_kind_ ? scene_layouts_.size() : trainer.layouts().size();
  bench_.served_bytes = world_.max(4 * (als_.factors + 1) * data.users.size() *
                                   static_cast<std::int64_t>(scene_count));
  return true;
}

void TrainJob::bridge() {
  const io::ShardedData& data = sharded_->data;
  solver::Trainer& trainer = *trainer_;
  if (kind_ == solver::ModelKind::kColearn) trainer.fit_bridges(ridge_by_scene_);
  // The file needs only this rank's item rows; the evaluation, the feature maps and the
  // popularity blend read whole scenes.
  const bool whole_scenes = config_.evaluate || features_ || !beta_by_scene_.empty();
  served_ = pooled_kind_ ? solver::serve_pooled(data, scene_layouts_, *pooled_, trainer)
                         : solver::serve_model(data, trainer, kind_,
                                               whole_scenes ? solver::ServedItems::kWholeScene
                                                            : solver::ServedItems::kThisRank);
  if (features_) {
    const std::vector<solver::SceneLayout>& layouts =
        pooled_kind_ ? scene_layouts_ : trainer.layouts();
    const std::vector<std::int64_t> rows =
        solver::untrained_feature_items(sharded_->grid, *features_, layouts);
    solver::serve_from_features(sharded_->grid, *features_, config_.feature_ridge, rows, layouts,
                                served_);
    if (root_)
      std::printf(
          "item features: %zu items, %zu of them without training data served from "
          "features\n",
          features_->rows().size(), rows.size());
  }
  // The blend adds beta log(1 + count) to the trained items' bias, nothing to an item without
  // interactions: it comes after the feature maps, as in --tune's evaluation of it.
  if (!beta_by_scene_.empty()) blend_popularity();
}

void TrainJob::blend_popularity() {
  const std::vector<solver::SceneLayout>& layouts =
      pooled_kind_ ? scene_layouts_ : trainer_->layouts();
  for (std::size_t l = 0; l < layouts.size(); ++l) {
    const std::vector<float> counts = solver::item_counts(sharded_->grid.group_comm, layouts[l]);
    tune::apply_popularity_blend(served_[l].items, counts,
                                 beta_by_scene_[static_cast<std::size_t>(layouts[l].scene)]);
  }
}

void TrainJob::evaluate() {
  const io::ShardedData& data = sharded_->data;
  // The per-scene layouts: the trainer's own (moved in, the ratings are held once), or, for the
  // pooled kind, the ones its single layout was built from.
  const std::vector<solver::SceneLayout>& layouts =
      pooled_kind_ ? scene_layouts_ : trainer_->layouts();
  const bool on_validation = config_.evaluate_on_validation;
  const io::SplitRatings& fitted = on_validation ? validation_ : split_;
  const auto start = std::chrono::steady_clock::now();
  std::vector<eval::SceneModel> models;
  // With features, diversity compares the items' standardised features.
  std::vector<solver::Matrix> item_vectors, feature_item_vectors;
  if (features_)
    for (std::size_t l = 0; l < layouts.size(); ++l) {
      item_vectors.push_back(solver::standardised_features(*features_, layouts[l].item_rows));
      feature_item_vectors.push_back(
          solver::standardised_features(*features_, served_[l].feature_item_rows));
    }
  for (std::size_t l = 0; l < layouts.size(); ++l)
    models.push_back({layouts[l].scene, &served_[l].users, &layouts[l].item_rows, &served_[l].items,
                      features_ ? &item_vectors[l] : nullptr, &served_[l].feature_item_rows,
                      &served_[l].feature_items, features_ ? &feature_item_vectors[l] : nullptr});
  // Items no scene trained are a cohort of their own when the run has features or held items out.
  const eval::MetricSums sums = eval::evaluate_model(
      sharded_->grid, data.users, fitted.train,
      skipped_.any() ? evaluable_test(fitted.test, skipped_) : fitted.test, models, config_.ks,
      features_.has_value() || config_.split.cold_item_fraction > 0);
  // --benchmark's evaluation figure is the scoring alone, as it always was; the stage also
  // prints the table and writes the JSON.
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bench_.evaluation_seconds = world_.max(seconds);
  for (std::size_t s = 0; s < data.scenes.size(); ++s)
    bench_.evaluation_flops += solver::scoring_flops(
        skipped_.warm_pairs[s] + skipped_.cold_pairs[s], skipped_.items[s], als_.factors + 1);
  if (root_) {
    std::printf("evaluation on the %s split (%.2f s):\n%s", on_validation ? "validation" : "test",
                seconds, eval::format_metrics_table(sums, data.scenes, config_.ks).c_str());
    metrics_ = eval::metric_records(sums, data.scenes, config_.ks);
    for (io::MetricRecord& record : skipped_records(data.scenes, skipped_)) {
      std::printf("%-8s %-5s skipped: no training interactions (%lld pairs not evaluated)\n",
                  record.scene.c_str(), record.cohort.c_str(),
                  static_cast<long long>(record.pairs));
      metrics_.push_back(std::move(record));
    }
  }
  if (!config_.metrics_json.empty()) {
    mpi::run_agreed(world_, [&] {
      if (!root_) return;
      std::vector<io::MetricRecord> records = metrics_;
      records.insert(records.end(), tuning_records_.begin(), tuning_records_.end());
      eval::write_metrics_json(config_.metrics_json, records);
    });
    if (root_) std::printf("metrics written to %s\n", config_.metrics_json.c_str());
  }
}

void TrainJob::write() {
  const io::ShardedData& data = sharded_->data;
  const std::vector<solver::SceneLayout>& layouts =
      pooled_kind_ ? scene_layouts_ : trainer_->layouts();
  // The ratings are not needed past the evaluation. The served user rows are computed a slab
  // at a time as the file is written (dense, every shard user in every scene of the group, they
  // would be the largest thing a rank holds), from the trainer, which lives until then.
  split_ = io::SplitRatings();
  validation_ = io::SplitRatings();
  // Readers serve a user without data in a scene from z: a pooled model's z is its user vector.
  const solver::Matrix pooled_vectors =
      pooled_kind_ ? solver::pooled_user_vectors(data, *trainer_) : solver::Matrix();
  io::EmbeddingFileContent content = solver::export_embeddings(
      sharded_->grid, data, pooled_kind_ ? pooled_vectors : trainer_->shared_factors(), layouts,
      std::move(served_), kind_, features_ ? features_->names() : std::vector<std::string>());
  content.metrics = std::move(metrics_);
  content.tuning = std::move(tuning_records_);
  content.attributes = run_attributes();
  content.chunk_bytes = std::int64_t{config_.chunk_kb} << 10;
  flops_per_phase_ = trainer_->local_flops_per_iteration();
  pooled_.reset();  // the served rows hold what they read of it
  std::vector<solver::SceneLayout>().swap(scene_layouts_);
  io::write_embedding_file(world_, config_.output, content);
  content = io::EmbeddingFileContent();  // its row sources read the trainer
  trainer_.reset();
}

std::int64_t TrainJob::report(const StageRunner& stages) {
  const std::int64_t peak = stages.record("write").peak_resident_bytes;
  if (!config_.benchmark) return peak;
  bench_.read_seconds = stages.record("read").seconds;
  bench_.route_seconds = stages.record("shard").seconds;
  bench_.route_max_bytes = stages.record("shard").max_bytes_sent;
  bench_.peak_after = {stages.record("read").peak_resident_bytes,
                       stages.record("shard").peak_resident_bytes,
                       stages.record("train").peak_resident_bytes, peak};
  bench_.peak_resident_bytes = peak;
  for (const StageRecord& record : stages.records())
    bench_.stage_peaks.emplace_back(record.name, record.stage_peak_resident_bytes);
  for (std::size_t p = 0; p < 3; ++p) bench_.iteration_flops[p] = world_.sum(flops_per_phase_[p]);
  if (root_) std::printf("%s", format_benchmark(bench_).c_str());
  return peak;
}

std::vector<std::pair<std::string, io::AttributeValue>> TrainJob::run_attributes() const {
  const mpi::ProcessGrid& grid = sharded_->grid;
  const char* feedback = als_.feedback == solver::Feedback::kExplicit ? "explicit" : "implicit";
  const char* solver_name =
      als_.solver == solver::LinearSolverKind::kConjugateGradient ? "cg" : "cholesky";
  const std::vector<std::string>& scenes = sharded_->data.scenes;
  std::vector<std::pair<std::string, io::AttributeValue>> attributes = {
      {"model_kind", std::string(solver::model_kind_name(kind_))},
      {"factors", std::int64_t{als_.factors}},
      {"lambda", static_cast<double>(als_.lambda)},
      {"alpha", static_cast<double>(als_.alpha)},
      {"ridge", config_.ridge},
      {"mu", join_per_scene(scenes, options_.mu)},
      {"scene_map_ridge", scene_map_ridge_},
      {"iterations", std::int64_t{iterations_}},
      {"seed", static_cast<std::int64_t>(config_.seed)},
      {"feedback", std::string(feedback)},
      {"solver", std::string(solver_name)},
      {"ranks", std::int64_t{world_.size()}},
      {"grid",
       std::to_string(grid.plan.scene_groups) + "x" + std::to_string(grid.plan.user_shards)},
      // One clock for all ranks: each reading its own could straddle a second.
      {"created", world_.broadcast_string(world_.is_root() ? creation_time() : std::string(), 0)},
      {"program_version", std::string(kVersion)},
      {"configuration", config_.configuration_text},
  };
  if (features_) {
    attributes.emplace_back("item_features", config_.item_features);
    attributes.emplace_back("feature_weight", feature_weight_);
    attributes.emplace_back("feature_ridge", config_.feature_ridge);
  }
  if (config_.tune) {  // what the tuning chose per scene (the /tuning group has the table)
    attributes.emplace_back("ridge_by_scene", join_per_scene(scenes, ridge_by_scene_));
    std::vector<std::string> blend;
    for (double beta : beta_by_scene_) blend.push_back(tune::beta_text(beta));
    attributes.emplace_back("popularity_blend", join_per_scene(scenes, blend));
  }
  return attributes;
}

}  // namespace sceneals::app
