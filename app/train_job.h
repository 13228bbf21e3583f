// `sceneals train` as its stages, in the order a run takes them (docs/usage.md, "What a run
// does"): read, shard, split, train, bridge, evaluate, write. The job holds what one stage
// hands the next and frees each thing as soon as no later stage needs it; app/train_command.cpp
// runs the stages through a StageRunner, which measures them. Every method is collective.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/benchmark_report.h"
#include "app/small_scenes.h"
#include "app/stage_runner.h"
#include "config/run_config.h"
#include "io/interaction_reader.h"
#include "io/item_feature_table.h"
#include "io/metric_record.h"
#include "io/sharded_data.h"
#include "io/split.h"
#include "mpi/communicator.h"
#include "solver/embedding_export.h"
#include "solver/pooled_layout.h"
#include "solver/trainer.h"

namespace sceneals::app {

class TrainJob {
 public:
  TrainJob(const mpi::Communicator& world, const config::TrainConfig& config);

  /// Before any work: the output can be written, the thread count and SOURCE_DATE_EPOCH are
  /// usable; with --benchmark, the attainable FLOP/s is measured on every rank at once.
  void prepare();
  /// Every rank reads its byte range of the input.
  void read();
  /// Records travel to their owners on the process grid; the per-scene mu is resolved.
  void shard();
  /// The test split, and with --evaluate-on validation the validation split carved from the
  /// training part; --write-split writes the first.
  void split();
  /// --tune: chooses the model on the validation split (app/tune_stage.h) and makes the choice
  /// the settings of the stages after it. False when a signal stopped it (nothing to save).
  bool tune();
  /// Builds the per-scene layouts and the trainer, resumes from a checkpoint when asked, and
  /// trains. False when a signal stopped it (a checkpoint was written).
  bool train();
  /// Fits each scene's bridge (colearn) and sets up the served rows of every kind.
  void bridge();
  /// Scores the held-out (or validation) pairs; rank 0 prints the table and writes the JSON.
  void evaluate();
  /// Writes the embedding file and frees the training state.
  void write();
  /// With --benchmark, rank 0 prints the table; every rank returns the peak memory so far.
  std::int64_t report(const StageRunner& stages);

 private:
  std::vector<std::pair<std::string, io::AttributeValue>> run_attributes() const;

  /// The per-scene blend of the tuned choice, applied to the served item rows.
  void blend_popularity();

  const mpi::Communicator& world_;
  const config::TrainConfig& config_;
  const bool root_;
  // What the model is trained with: the options, or the tuned choice.
  solver::ModelKind kind_;
  bool pooled_kind_;
  solver::AlsParams als_;
  int iterations_;
  double scene_map_ridge_;              ///< 0: no scene map
  double feature_weight_;               ///< the item feature prior's weight; 0: none
  std::vector<double> ridge_by_scene_;  ///< per global scene
  std::vector<double> beta_by_scene_;   ///< per global scene; empty: no blend
  std::vector<io::MetricRecord> tuning_records_;
  BenchmarkFigures bench_;  // filled only with --benchmark

  std::optional<io::ReadResult> read_;
  std::optional<io::ItemFeatureRead> feature_read_;
  std::optional<io::ShardingResult> sharded_;
  std::optional<io::ItemFeatureTable> features_;  ///< --item-features, once the rows are known
  std::vector<float> mu_;
  io::SplitRatings split_;
  io::SplitRatings validation_;
  solver::TrainOptions options_;
  std::vector<solver::SceneLayout> scene_layouts_;
  SkippedScenes skipped_;
  std::optional<solver::PooledLayout> pooled_;
  // Held in an optional so that its state (x, the layouts) is freed once the file is written.
  std::optional<solver::Trainer> trainer_;
  std::vector<solver::ServedScene> served_;
  std::vector<io::MetricRecord> metrics_;
  std::array<double, 3> flops_per_phase_{};
};

}  // namespace sceneals::app
