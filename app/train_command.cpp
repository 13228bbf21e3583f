// `sceneals train`: read + shard -> split -> [write split] -> train -> write the embedding file.
// Every step is collective; rank 0 prints one line per step and one per iteration.
#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <utility>

#include "app/benchmark_report.h"
#include "app/command_options.h"
#include "app/commands.h"
#include "app/huge_pages.h"
#include "app/preemption.h"
#include "app/small_scenes.h"
#include "config/options.h"
#include "eval/evaluator.h"
#include "eval/metric_report.h"
#include "io/embedding_writer.h"
#include "io/sharded_data.h"
#include "io/split.h"
#include "io/split_writer.h"
#include "mpi/error_agreement.h"
#include "solver/attainable_flops.h"
#include "solver/checkpoint.h"
#include "solver/embedding_export.h"
#include "solver/flop_count.h"
#include "solver/pooled_layout.h"
#include "solver/threads.h"
#include "solver/trainer.h"

namespace sceneals::app {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double megabytes(std::int64_t bytes) { return static_cast<double>(bytes) / 1e6; }

/// Peak resident set size of this process, in bytes.
std::int64_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

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

const char* model_kind_name(solver::ModelKind kind) {
  switch (kind) {
    case solver::ModelKind::kColearn:
      return "colearn";
    case solver::ModelKind::kIndependent:
      return "independent";
    case solver::ModelKind::kPooled:
      return "pooled";
    case solver::ModelKind::kPopularity:
      return "popularity";
  }
  return "unknown";
}

std::string join_mu(const std::vector<std::string>& scenes, const std::vector<float>& mu);

/// The root attributes of every file a run writes (model and checkpoints).
std::vector<std::pair<std::string, io::AttributeValue>> run_attributes(
    const config::TrainConfig& config, const mpi::Communicator& world, const mpi::ProcessGrid& grid,
    const io::ShardedData& data, const solver::TrainOptions& options) {
  const char* feedback =
      config.als.feedback == solver::Feedback::kExplicit ? "explicit" : "implicit";
  const char* solver_name =
      config.als.solver == solver::LinearSolverKind::kConjugateGradient ? "cg" : "cholesky";
  return {
      {"model_kind", std::string(model_kind_name(config.model_kind))},
      {"factors", std::int64_t{config.als.factors}},
      {"lambda", static_cast<double>(config.als.lambda)},
      {"alpha", static_cast<double>(config.als.alpha)},
      {"ridge", config.ridge},
      {"mu", join_mu(data.scenes, options.mu)},
      {"iterations", std::int64_t{config.iterations}},
      {"seed", static_cast<std::int64_t>(config.seed)},
      {"feedback", std::string(feedback)},
      {"solver", std::string(solver_name)},
      {"ranks", std::int64_t{world.size()}},
      {"grid",
       std::to_string(grid.plan.scene_groups) + "x" + std::to_string(grid.plan.user_shards)},
      // One clock for all ranks: each reading its own could straddle a second.
      {"created", world.broadcast_string(world.is_root() ? creation_time() : std::string(), 0)},
      {"program_version", std::string(kVersion)},
      {"configuration", config.configuration_text},
  };
}

std::string join_mu(const std::vector<std::string>& scenes, const std::vector<float>& mu) {
  std::string out;
  for (std::size_t s = 0; s < scenes.size(); ++s)
    out += (s ? "," : "") + scenes[s] + "=" + std::to_string(mu[s]);
  return out;
}

}  // namespace

int run_train(const mpi::Communicator& world, const std::vector<std::string>& args) {
  const bool root = world.is_root();
  const auto parsed = parse_command_options_with_grid(world, args, config::parse_train_options);
  if (!parsed) return 0;  // --help
  const config::TrainConfig& config = parsed->config;
  // Fail before hours of work, not after.
  io::check_output_writable(world, config.output);
  mpi::run_agreed(world, [&] {
    creation_time();  // a malformed SOURCE_DATE_EPOCH, too
    if (config.threads > 1 && !solver::threads_available())
      throw InputError("--threads " + std::to_string(config.threads) +
                       ": this build has no OpenMP; run one rank per core instead");
  });
  solver::set_thread_count(config.threads);
  BenchmarkFigures bench;  // filled only with --benchmark
  if (config.benchmark) {
    bench.ranks = world.size();
    bench.threads = config.threads;
    world.barrier();  // every rank measures at the same time, as it will compute
    const double attainable = solver::measure_attainable_flops();
    bench.attainable_min = world.min(attainable);
    bench.attainable_mean = world.sum(attainable) / world.size();
  }
  // From here on SIGTERM/SIGUSR1 only ask the job to stop at the next half-step (with a
  // checkpoint); before training starts there is nothing to save, and the first check comes
  // after the first half-step.
  install_preemption_handlers();

  const auto start = std::chrono::steady_clock::now();
  io::ReadResult read = io::read_interactions(world, config.read);
  bench.read_seconds = world.max(seconds_since(start));
  bench.peak_after[0] = world.max(peak_resident_bytes());
  bench.file_bytes = read.file_bytes;
  if (root) {
    std::printf("read %lld interactions from %s on %d rank%s",
                static_cast<long long>(read.total_records), config.read.path.c_str(), world.size(),
                world.size() == 1 ? "" : "s");
    if (read.skipped_lines > 0)
      std::printf(" (skipped %lld bad lines; first: %s)",
                  static_cast<long long>(read.skipped_lines), read.first_skipped.c_str());
    std::printf("\n");
  }
  // The pooled kind puts every scene in one matrix: one scene group.
  const int groups = config.model_kind == solver::ModelKind::kPooled && config.grid_groups == 0
                         ? 1
                         : config.grid_groups;
  const auto route_start = std::chrono::steady_clock::now();
  const std::int64_t route_bytes_before = world.bytes_sent();
  io::ShardingResult sharded = io::shard_interactions(world, std::move(read), groups);
  bench.route_seconds = world.max(seconds_since(route_start));
  bench.route_max_bytes = world.max(world.bytes_sent() - route_bytes_before);
  bench.peak_after[1] = world.max(peak_resident_bytes());
  const mpi::ProcessGrid& grid = sharded.grid;
  const io::ShardedData& data = sharded.data;
  std::vector<float> mu;
  mpi::run_agreed(world, [&] { mu = config::resolve_mu(config.mu, data.scenes); });
  if (root) {
    std::printf("grid %s; %lld users, %lld items, %zu scenes; %lld duplicate rows summed\n",
                grid.plan.describe().c_str(), static_cast<long long>(data.users.total()),
                static_cast<long long>(data.items.total()), data.scenes.size(),
                static_cast<long long>(data.duplicates_merged));
    for (std::size_t s = 0; s < data.scenes.size(); ++s)
      std::printf("  scene %-20s %10lld interactions  group %d  mu %g\n", data.scenes[s].c_str(),
                  static_cast<long long>(data.scene_interactions[s]), grid.plan.group_of_scene[s],
                  static_cast<double>(mu[s]));
  }

  io::SplitRatings split = io::split_ratings(grid, data, data.ratings, config.split);
  std::vector<io::Rating>().swap(sharded.data.ratings);  // the split holds them from here on
  {
    std::int64_t counts[3] = {static_cast<std::int64_t>(split.train.size()), 0, 0};
    for (std::uint8_t cold : split.test_cold) ++counts[cold ? 2 : 1];
    world.allreduce_in_place(counts, 3, mpi::ReduceOp::kSum);
    if (root)
      std::printf(
          "split (seed %llu, %s holdout): %lld train, %lld warm test, %lld cold-scene test\n",
          static_cast<unsigned long long>(config.seed),
          data.has_timestamps ? "latest-by-timestamp" : "random", static_cast<long long>(counts[0]),
          static_cast<long long>(counts[1]), static_cast<long long>(counts[2]));
  }
  if (!config.write_split.empty()) {
    io::write_split(world, config.write_split, data, split);
    if (root)
      std::printf("split written to %s/train.csv and %s/test.csv\n", config.write_split.c_str(),
                  config.write_split.c_str());
  }

  solver::TrainOptions options;
  options.als = config.als;
  options.iterations = config.iterations;
  options.mu = mu;
  options.average_weight =
      config.average_weight_count ? solver::AverageWeight::kCount : solver::AverageWeight::kOne;
  options.seed = config.seed;
  if (config.model_kind == solver::ModelKind::kIndependent ||
      config.model_kind == solver::ModelKind::kPooled) {
    std::fill(options.mu.begin(), options.mu.end(), 0.0f);  // independent scenes by definition
    options.learn_item_bias = config.model_kind == solver::ModelKind::kPooled;
  }
  if (config.model_kind == solver::ModelKind::kPopularity)
    options.iterations = 0;  // nothing to fit
  // Choosing hyper-parameters never looks at the test split: --evaluate-on validation carves a
  // validation split out of the training part the same way (a seed derived from --seed),
  // trains on the rest and evaluates there.
  const bool on_validation = config.evaluate_on_validation;
  io::SplitRatings validation;
  if (on_validation) {
    io::SplitOptions carve = config.split;
    carve.seed = io::validation_seed(config.split.seed);
    validation = io::split_ratings(grid, data, split.train, carve);
    std::int64_t counts[2] = {static_cast<std::int64_t>(validation.train.size()),
                              static_cast<std::int64_t>(validation.test.size())};
    world.allreduce_in_place(counts, 2, mpi::ReduceOp::kSum);
    if (root)
      std::printf("validation split carved from training: %lld train, %lld validation\n",
                  static_cast<long long>(counts[0]), static_cast<long long>(counts[1]));
  }
  const io::SplitRatings& fitted = on_validation ? validation : split;
  // The pooled kind trains one pseudo-scene built from the per-scene layouts.
  const bool pooled_kind = config.model_kind == solver::ModelKind::kPooled;
  std::vector<solver::SceneLayout> scene_layouts =
      solver::build_scene_layouts(grid, data, fitted.train);
  const SkippedScenes skipped =
      find_skipped_scenes(world, data.scenes, scene_layouts, fitted, config.als.factors);
  std::optional<solver::PooledLayout> pooled;
  if (pooled_kind) {
    mpi::run_agreed(world, [&] { check_pooled_grid(grid); });
    pooled = solver::pool_layouts(grid, data.items, scene_layouts);
  }
  if (!config.evaluate) {  // the layouts hold the training data now; only the evaluation reads
    split = io::SplitRatings();  // the ratings again (to leave out training items)
    validation = io::SplitRatings();
  }
  // Held in an optional so that its state (x, the layouts) is freed before the file is written.
  std::optional<solver::Trainer> trainer_state;
  trainer_state.emplace(
      grid, data,
      pooled_kind ? std::vector<solver::SceneLayout>{pooled->layout} : std::move(scene_layouts),
      options);
  solver::Trainer& trainer = *trainer_state;
  // The per-scene layouts: the trainer's own (moved in, the ratings are held once), or, for the
  // pooled kind, the ones its single layout was built from.
  const std::vector<solver::SceneLayout>& layouts = pooled_kind ? scene_layouts : trainer.layouts();
  solver::TrainControl control;
  control.checkpoint_every = config.checkpoint_every;
  control.stop_requested = preemption_requested;
  control.checkpoint = [&](const solver::TrainProgress& progress) {
    solver::write_checkpoint(world, grid, data, trainer, progress, config.checkpoint_dir,
                             run_attributes(config, world, grid, data, options));
    if (root)
      std::printf("checkpoint after iteration %d (+%d phases) in %s\n", progress.iteration,
                  progress.phases_done, config.checkpoint_dir.c_str());
  };
  if (config.resume) {
    if (const auto progress =
            solver::resume_from_checkpoint(world, grid, data, trainer, config.checkpoint_dir)) {
      control.start = *progress;
      if (root)
        std::printf("resumed from %s after iteration %d (+%d phases)\n",
                    config.checkpoint_dir.c_str(), progress->iteration, progress->phases_done);
    } else if (root) {
      std::printf("no checkpoint in %s: starting from the beginning\n",
                  config.checkpoint_dir.c_str());
    }
  }
  if (root)
    std::printf("%5s %16s %9s %9s %9s %9s %12s\n", "iter", "objective", "time_s", "user_s", "avg_s",
                "item_s", "sent_MB/rank");
  const bool finished = trainer.train(
      [&](const solver::IterationStats& stats) {
        if (root)
          std::printf("%5d %16.8e %9.3f %9.3f %9.3f %9.3f %5.2f..%.2f\n", stats.iteration,
                      stats.objective.total(), stats.seconds, stats.phase_seconds[0],
                      stats.phase_seconds[1], stats.phase_seconds[2],
                      megabytes(stats.min_bytes_sent), megabytes(stats.max_bytes_sent));
        std::fflush(stdout);
        if (config.benchmark) bench.iterations.push_back(stats);
      },
      control);
  if (!finished) {
    if (root)
      std::printf("stopped on a signal; resume with --resume --checkpoint-dir %s\n",
                  config.checkpoint_dir.c_str());
    return static_cast<int>(ExitCode::kCheckpointed);
  }

  bench.peak_after[2] = world.max(peak_resident_bytes());
  bench.huge_page_bytes = world.min(huge_page_bytes());
  bench.huge_page_request = huge_page_request();
  bench.data_share_bytes = world.max(held_data_bytes(trainer));
  const double scene_groups = grid.plan.scene_groups;
  bench.averaging_model_bytes = world.max(2.0 * (scene_groups - 1) / scene_groups * 4.0 *
                                          static_cast<double>(trainer.exchanged_floats()));
  bench.served_bytes = world.max(4 * (config.als.factors + 1) * data.users.size() *
                                 static_cast<std::int64_t>(layouts.size()));
  if (config.model_kind == solver::ModelKind::kColearn) trainer.fit_bridges(config.ridge);
  std::vector<solver::ServedScene> served =
      pooled_kind ? solver::serve_pooled(data, layouts, *pooled, trainer)
                  : solver::serve_model(data, trainer, config.model_kind);
  std::vector<io::MetricRecord> metrics;
  if (config.evaluate) {
    const auto eval_start = std::chrono::steady_clock::now();
    std::vector<eval::SceneModel> models;
    for (std::size_t l = 0; l < layouts.size(); ++l)
      models.push_back(
          {layouts[l].scene, &served[l].users, &layouts[l].item_rows, &served[l].items});
    const eval::MetricSums sums = eval::evaluate_model(
        grid, data.users, fitted.train,
        skipped.any() ? evaluable_test(fitted.test, skipped) : fitted.test, models, config.ks);
    bench.evaluation_seconds = world.max(seconds_since(eval_start));
    for (std::size_t s = 0; s < data.scenes.size(); ++s)
      bench.evaluation_flops += solver::scoring_flops(skipped.warm_pairs[s] + skipped.cold_pairs[s],
                                                      skipped.items[s], config.als.factors + 1);
    if (root) {
      std::printf(
          "evaluation on the %s split (%.2f s):\n%s", on_validation ? "validation" : "test",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - eval_start).count(),
          eval::format_metrics_table(sums, data.scenes, config.ks).c_str());
      metrics = eval::metric_records(sums, data.scenes, config.ks);
      for (io::MetricRecord& record : skipped_records(data.scenes, skipped)) {
        std::printf("%-8s %-5s skipped: no training interactions (%lld pairs not evaluated)\n",
                    record.scene.c_str(), record.cohort.c_str(),
                    static_cast<long long>(record.pairs));
        metrics.push_back(std::move(record));
      }
    }
    if (!config.metrics_json.empty()) {
      mpi::run_agreed(world, [&] {
        if (root) eval::write_metrics_json(config.metrics_json, metrics);
      });
      if (root) std::printf("metrics written to %s\n", config.metrics_json.c_str());
    }
  }

  // The ratings are not needed past the evaluation. The served user rows are computed a slab
  // at a time as the file is written (dense, every shard user in every scene of the group, they
  // would be the largest thing a rank holds), from the trainer, which lives until then.
  split = io::SplitRatings();
  validation = io::SplitRatings();
  io::EmbeddingFileContent content =
      solver::export_embeddings(grid, data, trainer.shared_factors(), layouts, std::move(served));
  content.metrics = std::move(metrics);
  content.attributes = run_attributes(config, world, grid, data, options);
  const std::array<double, 3> flops_per_phase = trainer.local_flops_per_iteration();
  pooled.reset();  // the served rows hold what they read of it
  std::vector<solver::SceneLayout>().swap(scene_layouts);
  io::write_embedding_file(world, config.output, content);
  content = io::EmbeddingFileContent();  // its row sources read the trainer
  trainer_state.reset();

  const std::int64_t peak = world.max(peak_resident_bytes());
  if (config.benchmark) {
    for (std::size_t p = 0; p < 3; ++p) bench.iteration_flops[p] = world.sum(flops_per_phase[p]);
    bench.peak_resident_bytes = peak;
    bench.peak_after[3] = peak;
    if (root) std::printf("%s", format_benchmark(bench).c_str());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (root)
    std::printf("embeddings written to %s (%.1f s, peak memory %.1f MB per rank at most)\n",
                config.output.c_str(), seconds, megabytes(peak));
  return 0;
}

}  // namespace sceneals::app
