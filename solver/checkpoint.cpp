#include "solver/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "io/embedding_reader.h"
#include "mpi/error_agreement.h"
#include "solver/embedding_export.h"

namespace sceneals::solver {

namespace {

constexpr const char* kIterationAttribute = "checkpoint_iteration";
constexpr const char* kPhasesAttribute = "checkpoint_phases_done";

std::string checkpoint_name(const TrainProgress& progress) {
  char name[64];
  std::snprintf(name, sizeof(name), "checkpoint-%06d-%d.h5", progress.iteration,
                progress.phases_done);
  return name;
}

/// Checkpoint files in DIR, newest first (the zero-padded names sort by progress).
std::vector<std::string> list_checkpoints(const std::string& directory) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) == 0 && name.size() > 3 &&
        name.compare(name.size() - 3, 3, ".h5") == 0)
      names.push_back(name);
  }
  std::sort(names.rbegin(), names.rend());
  return names;
}

/// The maps and z of a checkpoint trained with the scene map (with it, z is not a function of x).
/// Every rank reads every scene's map (the reads are collective), and its shard's rows of z.
struct StoredSceneMaps {
  std::vector<SceneMap> maps;  ///< per layout of the trainer
  Matrix shared;               ///< this shard's rows of z
};

StoredSceneMaps read_scene_maps(const io::EmbeddingFileReader& reader, const io::ShardedData& data,
                                const Trainer& trainer) {
  const std::int64_t k = trainer.options().als.factors;
  std::vector<SceneMap> by_scene(data.scenes.size(), SceneMap::identity(static_cast<int>(k)));
  for (std::size_t s = 0; s < data.scenes.size(); ++s) {
    const std::string name = "/scenes/" + data.scenes[s] + "/scene_map";
    if (!reader.has_dataset(name))
      throw AgreedError(ExitCode::kBadInput, reader.path() + ": no " + name +
                                                 " (a checkpoint of a run without the scene map?)");
    const Matrix map = reader.read_matrix_rows(name, 2, k, 0, 2);
    by_scene[s] = SceneMap{map.row(0).transpose(), map.row(1).transpose()};
  }
  StoredSceneMaps stored;
  for (const SceneLayout& layout : trainer.layouts())
    stored.maps.push_back(by_scene[static_cast<std::size_t>(layout.scene)]);
  stored.shared = reader.read_matrix_rows("/shared/user_factors", reader.n_users(), k,
                                          data.users.row_begin(), data.users.size());
  return stored;
}

}  // namespace

void write_checkpoint(const mpi::Communicator& world, const mpi::ProcessGrid& grid,
                      const io::ShardedData& data, const Trainer& trainer,
                      const TrainProgress& progress, const std::string& directory,
                      std::vector<std::pair<std::string, io::AttributeValue>> attributes) {
  std::optional<mpi::LocalError> error;
  if (world.is_root()) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec)
      error = mpi::LocalError{ExitCode::kBadInput, "--checkpoint-dir: cannot create '" + directory +
                                                       "': " + ec.message()};
  }
  mpi::agree_on_error(world, error);
  // The state as the colearn kind serves it before any bridge is fitted: x of active users (the
  // rest hold [z, 1]) and Y as trained.
  std::vector<ServedScene> state =
      serve_model(data, trainer, ModelKind::kColearn, ServedItems::kThisRank);
  io::EmbeddingFileContent content =
      export_embeddings(grid, data, trainer.shared_factors(), trainer.layouts(), std::move(state),
                        ModelKind::kColearn);
  content.attributes = std::move(attributes);
  content.attributes.emplace_back(kIterationAttribute, std::int64_t{progress.iteration});
  content.attributes.emplace_back(kPhasesAttribute, std::int64_t{progress.phases_done});
  const std::string name = checkpoint_name(progress);
  io::write_embedding_file(world, directory + "/" + name, content);
  if (world.is_root()) {  // keep the newest two: the one just written and its predecessor
    const std::vector<std::string> names = list_checkpoints(directory);
    for (std::size_t i = 2; i < names.size(); ++i)
      std::filesystem::remove(directory + "/" + names[i]);
  }
  world.barrier();
}

std::optional<TrainProgress> resume_from_checkpoint(const mpi::Communicator& world,
                                                    const mpi::ProcessGrid& grid,
                                                    const io::ShardedData& data, Trainer& trainer,
                                                    const std::string& directory) {
  std::vector<std::string> names =
      world.is_root() ? list_checkpoints(directory) : std::vector<std::string>();
  std::int64_t count = static_cast<std::int64_t>(names.size());
  world.broadcast(&count, 1, 0);
  names.resize(static_cast<std::size_t>(count));
  for (std::string& name : names) name = world.broadcast_string(name, 0);

  for (const std::string& name : names) {
    const std::string path = directory + "/" + name;
    try {
      const io::EmbeddingFileReader reader(world, path);
      const std::optional<std::int64_t> iteration = reader.integer_attribute(kIterationAttribute);
      const std::optional<std::int64_t> phases = reader.integer_attribute(kPhasesAttribute);
      if (!iteration || !phases || *phases < 0 || *phases > 2)
        throw AgreedError(ExitCode::kBadInput, path + ": not a SceneALS checkpoint");
      if (const auto mismatch = reader.compare_ids(grid, data.users, data.items))
        throw AgreedError(ExitCode::kBadInput, path + ": its " + mismatch->side +
                                                   " ids are not this run's (e.g. '" +
                                                   mismatch->id + "'): another input?");
      const std::vector<io::SceneFactors> scenes =
          reader.read_scenes(grid, data.users, data.items, data.scenes);
      std::vector<const Matrix*> users, items;
      for (const SceneLayout& layout : trainer.layouts()) {
        const auto at = std::find_if(scenes.begin(), scenes.end(), [&](const io::SceneFactors& f) {
          return f.scene == layout.scene;
        });
        if (at == scenes.end() || at->item_rows != layout.item_rows)
          throw AgreedError(ExitCode::kBadInput,
                            path + ": scene '" + layout.name +
                                "' has other items than this run's (another input or split?)");
        users.push_back(&at->shard_users);
        items.push_back(&at->items);
      }
      // Everything is read (and a checkpoint without maps refused) before the trainer changes,
      // so a refused checkpoint leaves it as it was for the next one or a fresh start.
      std::optional<StoredSceneMaps> stored;
      if (trainer.has_scene_map()) stored = read_scene_maps(reader, data, trainer);
      mpi::run_agreed(world, [&] { trainer.restore(users, items); });
      trainer.refresh_replicas();  // collective: outside the agreed section
      if (stored)
        trainer.restore_scene_maps(stored->maps, stored->shared);
      else
        trainer.run_phase(Phase::kAveraging);  // z and its sums are a function of x
      return TrainProgress{static_cast<int>(*iteration), static_cast<int>(*phases)};
    } catch (const AgreedError& e) {
      if (world.is_root())
        std::fprintf(stderr, "sceneals: skipping checkpoint %s: %s\n", path.c_str(), e.what());
    }
  }
  return std::nullopt;
}

}  // namespace sceneals::solver
