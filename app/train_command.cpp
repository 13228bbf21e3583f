// `sceneals train`: the job's stages in order (app/train_job.h), each measured by the same
// runner. Every stage is collective; rank 0 prints one line per stage step and per iteration.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/command_options.h"
#include "app/commands.h"
#include "app/preemption.h"
#include "app/stage_runner.h"
#include "app/train_job.h"
#include "config/options.h"
#include "mpi/error.h"
#include "solver/kernel_dispatch.h"

namespace sceneals::app {

int run_train(const mpi::Communicator& world, const std::vector<std::string>& args) {
  const auto parsed = parse_command_options_with_grid(world, args, config::parse_train_options);
  if (!parsed) return 0;  // --help
  const config::TrainConfig& config = parsed->config;
  // First, so that every log of a run says which kernels its figures come from. Nodes of
  // different CPU generations choose different levels: rank 0 speaks for all, saying so.
  const std::string levels = solver::kernel_levels_of_ranks(world);
  if (world.is_root()) {
    std::string line = solver::kernel_choice_line();
    if (levels.find(' ') != std::string::npos) line += "; the ranks differ, from " + levels;
    std::printf("%s\n", line.c_str());
  }
  TrainJob job(world, config);
  job.prepare();
  // From here on SIGTERM/SIGUSR1 only ask the job to stop at the next half-step (with a
  // checkpoint); before training starts there is nothing to save, and the first check comes
  // after the first half-step.
  install_preemption_handlers();

  StageRunner stages(world);
  stages.run("read", [&] { job.read(); });
  stages.run("shard", [&] { job.shard(); });
  stages.run("split", [&] { job.split(); });
  if (config.tune && !stages.run("tune", [&] { return job.tune(); }))
    return static_cast<int>(ExitCode::kCheckpointed);
  if (!stages.run("train", [&] { return job.train(); }))
    return static_cast<int>(ExitCode::kCheckpointed);
  stages.run("bridge", [&] { job.bridge(); });
  if (config.evaluate) stages.run("evaluate", [&] { job.evaluate(); });
  stages.run("write", [&] { job.write(); });

  const std::int64_t peak = job.report(stages);
  const double seconds = stages.elapsed_seconds();
  if (world.is_root()) {
    // What the parallel write achieved: the file's bytes over the write stage's wall time
    // (serving the rows, the collective HDF5 writes, the flush and the rename).
    const double megabytes = static_cast<double>(std::filesystem::file_size(config.output)) / 1e6;
    const double write_seconds = stages.record("write").seconds;
    std::printf("file: %.1f MB written by %d rank%s in %.2f s (%.1f MB/s)\n", megabytes,
                world.size(), world.size() == 1 ? "" : "s", write_seconds,
                megabytes / std::max(write_seconds, 1e-9));
  }
  if (world.is_root())
    std::printf("embeddings written to %s (%.1f s, peak memory %.1f MB per rank at most)\n",
                config.output.c_str(), seconds, static_cast<double>(peak) / 1e6);
  return 0;
}

}  // namespace sceneals::app
