// Every setting of a run, as plain structs. Filled by config/options.cpp (the only user of
// Boost.Program_options) and stored verbatim in the embedding file's root attributes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/interaction_reader.h"
#include "io/split.h"
#include "solver/als_params.h"
#include "tune/search_space.h"

namespace sceneals::config {

struct TrainConfig {
  io::ReadOptions read;
  std::string output;
  solver::AlsParams als;
  solver::ModelKind model_kind = solver::ModelKind::kColearn;
  int iterations = 15;
  std::string mu =
      "0";  ///< one value for every scene, or "scene=value,..." with an optional default
  bool average_weight_count = false;
  double ridge = 100.0;        ///< ridge of the per-scene bridge regression
  double scene_map_ridge = 0;  ///< G of the per-scene map (solver/scene_map.h); 0: no map
  std::string item_features;   ///< --item-features FILE (docs/item-features.md), or empty
  double feature_weight = 0;   ///< eta of the item step's feature prior; 0: map fitted after
  double feature_ridge = 1;    ///< G of the per-scene feature map
  std::uint64_t seed = 42;
  io::SplitOptions split;
  std::string write_split;              ///< directory, or empty
  bool evaluate = false;                ///< evaluate on the held-out split after training
  bool evaluate_on_validation = false;  ///< train on train minus validation, evaluate there
  std::string metrics_json;             ///< with evaluate: file for the metrics as JSON, or empty
  std::vector<int> ks = {5, 10, 20};
  int checkpoint_every = 0;    ///< iterations between checkpoints; 0: only on a signal
  std::string checkpoint_dir;  ///< where checkpoints go (default: OUTPUT.checkpoints)
  bool resume = false;         ///< continue from the newest checkpoint in checkpoint_dir
  std::string init_from;       ///< embedding file to start from (warm start); empty: seeded
  int grid_groups = 0;         ///< 0: automatic
  int grid_shards = 0;
  int threads = 1;                 ///< OpenMP threads per rank
  double exchange_buffer_mb = 64;  ///< the item step's batch bound (solver::TrainOptions)
  int chunk_kb = 0;                ///< the file's datasets: 0 contiguous, else chunks of ~this
  bool benchmark = false;          ///< print the per-phase performance table
  bool tune = false;               ///< choose the model on a validation split first (--tune)
  tune::SearchSpace tune_space;    ///< what --tune searches
  double tune_budget = 8;          ///< --tune's iterations in all, in units of --iterations
  int tune_groups = 0;             ///< groups of ranks training candidates side by side; 0: auto
  std::string configuration_text;  ///< every option as "name = value" lines, for the file
};

struct GenerateConfig {
  std::string output;
  std::int64_t users = 0, items = 0, interactions = 0;
  int scenes = 0;
  std::uint64_t seed = 0;
  std::string item_features;  ///< also write the items' features here, or empty
  int feature_dimensions = 16;
  double feature_noise = 0.5;
};

struct EvaluateConfig {
  std::string model;      ///< the embedding file
  io::ReadOptions train;  ///< train.csv of the split (CSV; --skip-bad-lines applies to both files)
  io::ReadOptions test;   ///< test.csv of the split
  std::vector<int> ks = {5, 10, 20};
  std::string metrics_json;  ///< file for the metrics as JSON, or empty
  int grid_groups = 0;       ///< 0: automatic
  int grid_shards = 0;
};

enum class RecommendOutput { kCsv, kJsonLines };

struct RecommendConfig {
  std::string model;  ///< the embedding file
  std::string scene;
  std::string user;                ///< --user ID (with --items: the folded-in user's id), or empty
  std::string users_file;          ///< --users FILE, or empty
  std::vector<std::string> items;  ///< --items, in the order given (repeats count twice)
  bool fold_in = false;            ///< --items given
  int k = 10;                      ///< recommendations per user
  bool exclude_seen = false;
  std::string new_items;  ///< --new-items FILE: items given by their features only, or empty
  io::ReadOptions train;  ///< --train (path empty when not given)
  bool explain = false;
  int explain_items = 3;  ///< past items listed per recommendation
  RecommendOutput format = RecommendOutput::kCsv;
  std::string output;  ///< file, or empty for stdout
};

enum class ExportFormat { kNpy, kAnnBenchmarks };

struct ExportConfig {
  std::string model;
  ExportFormat format = ExportFormat::kNpy;
  std::string output;        ///< a directory (npy) or an HDF5 file (ann-benchmarks)
  std::string scene;         ///< empty: every scene (npy only)
  std::int64_t queries = 0;  ///< ann-benchmarks: test rows (0: every user)
};

/// Per-scene mu from the --mu text and the scene names: "0.5" for all, or
/// "book=1,music=0.2" (scenes not named get the value of a bare number, e.g. "0.5,book=1",
/// or 0). Unknown scene names and bad numbers are InputErrors naming the option.
std::vector<float> resolve_mu(const std::string& text, const std::vector<std::string>& scenes);

}  // namespace sceneals::config
