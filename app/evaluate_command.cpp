// `sceneals evaluate`: any embedding file on a given split (the train.csv and test.csv that
// `train --write-split` writes), with the numbers `train --evaluate` prints for the same model and
// split. Open the model -> read both files -> shard them together (one catalogue, one grid) ->
// check the model's ids against the catalogue -> read the rows each rank scores -> evaluate.
// Every step is collective; rank 0 prints.
#include <chrono>
#include <cstdio>

#include "app/command_options.h"
#include "app/commands.h"
#include "config/options.h"
#include "eval/evaluator.h"
#include "eval/metric_report.h"
#include "io/embedding_reader.h"
#include "io/sharded_data.h"
#include "mpi/error_agreement.h"

namespace sceneals::app {

namespace {

void print_read(const io::ReadResult& read, const std::string& path, int ranks) {
  std::printf("read %lld interactions from %s on %d rank%s",
              static_cast<long long>(read.total_records), path.c_str(), ranks,
              ranks == 1 ? "" : "s");
  if (read.skipped_lines > 0)
    std::printf(" (skipped %lld bad lines; first: %s)", static_cast<long long>(read.skipped_lines),
                read.first_skipped.c_str());
  std::printf("\n");
}

/// Collective. The message for a model whose ids are not the split's; for an id of the split it
/// names the input files that hold it.
std::string mismatch_message(const mpi::Communicator& world, const io::MultiShardingResult& split,
                             const std::vector<std::string>& names, const std::string& model,
                             const io::IdMismatch& mismatch) {
  std::string files;
  if (mismatch.in_split) {
    const bool user = mismatch.side == "user";
    std::vector<std::int64_t> holding(split.ratings.size(), 0);
    for (std::size_t input = 0; input < split.ratings.size(); ++input)
      for (const io::Rating& r : split.ratings[input])
        holding[input] += (user ? r.user_row : r.item_row) == mismatch.row;
    world.allreduce_in_place(holding, mpi::ReduceOp::kSum);
    for (std::size_t input = 0; input < names.size(); ++input)
      if (holding[input] > 0) files += (files.empty() ? "" : " and ") + names[input];
  }
  const std::string counts = " (" + mismatch.side +
                             "s only in the split: " + std::to_string(mismatch.split_only) +
                             ", only in the model: " + std::to_string(mismatch.model_only) + ")";
  const std::string what = model + " and the split disagree: ";
  if (mismatch.in_split)
    return what + mismatch.side + " '" + mismatch.id + "' is in " + files +
           " but not in the model" + counts;
  if (mismatch.model_only > 0)
    return what + mismatch.side + " '" + mismatch.id + "' is in the model but in neither " +
           names[0] + " nor " + names[1] + counts;
  return what + "the model's " + mismatch.side +
         " rows are the split's ids in another order, or with repeats";
}

/// Collective. This rank's share of the ids of the model's items served from features (in any
/// scene): a split need not hold them (items only the features file knew), yet they are rows of
/// the model, so they join the split's catalogue.
std::vector<std::string> feature_item_share(const mpi::Communicator& world,
                                            const io::EmbeddingFileReader& model) {
  std::vector<std::uint8_t> served(static_cast<std::size_t>(model.n_items()), 0);
  bool any = false;
  for (const std::string& scene : model.scenes()) {
    const std::string flags = "/scenes/" + scene + "/item_from_features";
    if (!model.has_dataset(flags)) continue;
    const std::vector<std::uint8_t> from_features =
        model.read_flag_rows(flags, model.n_items(), 0, model.n_items());
    for (std::size_t r = 0; r < served.size(); ++r) served[r] |= from_features[r];
    any = true;
  }
  if (!any) return {};
  const std::vector<std::string> ids = model.read_id_rows("/items/id", 0, model.n_items());
  std::vector<std::string> share;
  for (std::size_t r = static_cast<std::size_t>(world.rank()); r < ids.size();
       r += static_cast<std::size_t>(world.size()))
    if (served[r] != 0) share.push_back(ids[r]);
  return share;
}

}  // namespace

int run_evaluate(const mpi::Communicator& world, const std::vector<std::string>& args) {
  const bool root = world.is_root();
  const auto parsed = parse_command_options_with_grid(world, args, config::parse_evaluate_options);
  if (!parsed) return 0;  // --help
  const config::EvaluateConfig& config = parsed->config;
  const auto start = std::chrono::steady_clock::now();

  // The model first: a wrong path fails before the split is read.
  const io::EmbeddingFileReader model(world, config.model);
  const std::vector<std::string> names = {config.train.path, config.test.path};
  std::vector<io::ReadResult> reads;
  for (const io::ReadOptions& input : {config.train, config.test}) {
    reads.push_back(io::read_interactions(world, input));
    if (root) print_read(reads.back(), input.path, world.size());
  }
  const io::MultiShardingResult split = io::shard_inputs(
      world, std::move(reads), names, config.grid_groups, feature_item_share(world, model));
  const mpi::ProcessGrid& grid = split.grid;
  const io::ShardedData& data = split.data;
  if (root)
    std::printf(
        "grid %s; %lld users, %lld items, %zu scenes; model %s: %lld users, %lld items, "
        "%zu scenes\n",
        grid.plan.describe().c_str(), static_cast<long long>(data.users.total()),
        static_cast<long long>(data.items.total()), data.scenes.size(), config.model.c_str(),
        static_cast<long long>(model.n_users()), static_cast<long long>(model.n_items()),
        model.scenes().size());

  if (const std::optional<io::IdMismatch> mismatch =
          model.compare_ids(grid, data.users, data.items))
    throw AgreedError(ExitCode::kBadInput,
                      mismatch_message(world, split, names, config.model, *mismatch));
  const std::vector<io::SceneFactors> factors =
      model.read_scenes(grid, data.users, data.items, data.scenes);

  // A scene's candidate items are the model's trained items of the scene, and for the cold-item
  // cohort those it serves from features. Diversity compares the items' factors (this command
  // has no features file; train --evaluate compares the features when it has them).
  std::vector<io::RowSource> user_rows;
  for (const io::SceneFactors& scene : factors) user_rows.push_back(io::rows_of(scene.shard_users));
  std::vector<eval::SceneModel> models;
  for (std::size_t s = 0; s < factors.size(); ++s)
    models.push_back({factors[s].scene, &user_rows[s], &factors[s].item_rows, &factors[s].items,
                      nullptr, &factors[s].feature_item_rows, &factors[s].feature_items, nullptr});
  // A model trained with item features judges the items no scene trained as their own cohort,
  // as train --evaluate did.
  const eval::MetricSums sums =
      eval::evaluate_model(grid, data.users, split.ratings[0], split.ratings[1], models, config.ks,
                           model.has_dataset("/features/name"));
  if (root)
    std::printf("evaluation of %s on %s (%.2f s):\n%s", config.model.c_str(),
                config.test.path.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                eval::format_metrics_table(sums, data.scenes, config.ks).c_str());
  if (!config.metrics_json.empty())
    mpi::run_agreed(world, [&] {
      if (!root) return;
      eval::write_metrics_json(config.metrics_json,
                               eval::metric_records(sums, data.scenes, config.ks));
      std::printf("metrics written to %s\n", config.metrics_json.c_str());
    });
  return 0;
}

}  // namespace sceneals::app
