// `sceneals export`: an embedding file in the formats serving tools ingest without HDF5.
//   npy:            DIR/users.txt, DIR/items.txt (one id per line, row order),
//                   DIR/shared.user_factors.npy, and per scene DIR/<scene>.{user_factors,
//                   user_active,item_factors,item_active[,bridge]}.npy, streamed in row blocks.
//   ann-benchmarks: one scene as an ann-benchmarks HDF5 file: the active items are `train`, users
//                   `test`, their top-100 items by score `neighbors`. ann-benchmarks knows
//                   angular and euclidean distances, not inner products, so the rows are
//                   augmented as its own lastfm-64-dot set is (Bachrach et al. 2014): items
//                   [y, b, sqrt(M^2 - |[y, b]|^2)] with M the largest item norm, users [x, 1, 0].
//                   Then test . train is the score, and the angular order of the items is the
//                   score order for every user.
// Rank 0 writes; every rank takes part in the collective reads, and under mpirun the
// neighbours are computed by all ranks, each for its share of the queries.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "app/command_options.h"
#include "app/commands.h"
#include "app/gather_to_root.h"
#include "config/options.h"
#include "eval/rank_items.h"
#include "io/ann_benchmarks_file.h"
#include "io/atomic_file.h"
#include "io/embedding_reader.h"
#include "io/npy_file.h"
#include "io/serving_scene.h"
#include "io/user_list.h"
#include "mpi/error_agreement.h"
#include "solver/threads.h"

namespace sceneals::app {

namespace {

/// Rows per collective read while streaming a dataset to a file.
constexpr std::int64_t kBlockRows = std::int64_t{1} << 16;

/// Neighbours per query, as ann-benchmarks' own data sets have.
constexpr int kNeighbors = 100;

/// Streams rows [0, rows) of a dataset to one file written by rank 0: every rank takes part in
/// each block's collective read, only rank 0 selects rows. `Sink` is created, fed and committed
/// on rank 0; `read(begin, count)` returns a block's elements.
template <class Sink, class MakeSink, class ReadBlock>
void stream_to_root(const mpi::Communicator& world, std::int64_t rows, MakeSink&& make_sink,
                    ReadBlock&& read) {
  const bool root = world.is_root();
  std::optional<Sink> sink;
  mpi::run_agreed(world, [&] {
    if (root) make_sink(sink);
  });
  for (std::int64_t begin = 0; begin < rows; begin += kBlockRows) {
    const std::int64_t count = std::min(kBlockRows, rows - begin);
    const auto block = read(begin, root ? count : 0);
    mpi::run_agreed(world, [&] {
      if (root) sink->append(block.data(), static_cast<std::size_t>(block.size()));
    });
  }
  mpi::run_agreed(world, [&] {
    if (root) sink->commit();
  });
}

/// A float32 .npy file of `rows` x `columns`, whose rows `read(begin, count)` gives (collective).
template <class Read>
void export_matrix(const mpi::Communicator& world, std::int64_t rows, std::int64_t columns,
                   const std::string& path, Read&& read) {
  stream_to_root<io::NpyWriter>(
      world, rows,
      [&](std::optional<io::NpyWriter>& sink) {
        sink.emplace(path, "<f4", sizeof(float), std::vector<std::int64_t>{rows, columns});
      },
      read);
}

void export_matrix(const mpi::Communicator& world, const io::EmbeddingFileReader& model,
                   const std::string& name, std::int64_t rows, std::int64_t columns,
                   const std::string& path) {
  export_matrix(world, rows, columns, path, [&](std::int64_t begin, std::int64_t count) {
    return model.read_matrix_rows(name, rows, columns, begin, count);
  });
}

/// A uint8 .npy file of `rows` flags, which `read(begin, count)` gives (collective).
template <class Read>
void export_flags(const mpi::Communicator& world, std::int64_t rows, const std::string& path,
                  Read&& read) {
  stream_to_root<io::NpyWriter>(
      world, rows,
      [&](std::optional<io::NpyWriter>& sink) {
        sink.emplace(path, "|u1", 1, std::vector<std::int64_t>{rows});
      },
      read);
}

/// A text file of one id per line, in row order.
class IdFile {
 public:
  explicit IdFile(const std::string& path) : file_(path) {}
  void append(const char* text, std::size_t bytes) { file_.write(text, bytes); }
  void commit() { file_.commit(); }

 private:
  io::AtomicFile file_;
};

void export_ids(const mpi::Communicator& world, const io::EmbeddingFileReader& model,
                const std::string& name, std::int64_t rows, const std::string& path) {
  stream_to_root<IdFile>(
      world, rows, [&](std::optional<IdFile>& sink) { sink.emplace(path); },
      [&](std::int64_t begin, std::int64_t count) {
        std::string lines;
        for (const std::string& id : model.read_id_rows(name, begin, count)) lines += id + '\n';
        return lines;
      });
}

void check_scene(const io::EmbeddingFileReader& model, const std::string& scene) {
  const std::vector<std::string>& scenes = model.scenes();
  if (std::binary_search(scenes.begin(), scenes.end(), scene)) return;
  std::string have;
  for (const std::string& s : scenes) have += (have.empty() ? "" : ", ") + s;
  throw AgreedError(ExitCode::kBadInput,
                    model.path() + ": no scene '" + scene + "' (its scenes: " + have + ")");
}

void export_npy(const mpi::Communicator& world, const io::EmbeddingFileReader& model,
                const config::ExportConfig& config) {
  const std::vector<std::string> scenes =
      config.scene.empty() ? model.scenes() : std::vector<std::string>{config.scene};
  for (const std::string& scene : scenes) {
    check_scene(model, scene);
    mpi::run_agreed(world, [&] {
      if (scene.find('/') != std::string::npos)
        throw InputError("scene '" + scene + "' cannot name a file (it contains '/')");
    });
  }
  const std::filesystem::path dir(config.output);
  mpi::run_agreed(world, [&] {
    if (!world.is_root()) return;
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error || !std::filesystem::is_directory(dir))
      throw InputError("cannot create directory '" + config.output +
                       "': " + (error ? error.message() : "a file has that name"));
  });
  const std::int64_t users = model.n_users(), items = model.n_items();
  const std::vector<std::int64_t> shared = model.dataset_shape("/shared/user_factors");
  const std::int64_t k = shared.size() == 2 ? shared[1] : 0;
  export_ids(world, model, "/users/id", users, (dir / "users.txt").string());
  export_ids(world, model, "/items/id", items, (dir / "items.txt").string());
  export_matrix(world, model, "/shared/user_factors", users, k,
                (dir / "shared.user_factors.npy").string());
  for (const std::string& scene : scenes) {
    const std::string group = "/scenes/" + scene, file = (dir / scene).string() + ".";
    // The served rows of every user, bridged ones included, whatever the file stores.
    export_matrix(world, users, k + 1, file + "user_factors.npy",
                  [&](std::int64_t begin, std::int64_t count) {
                    return model.read_user_rows(scene, begin, count);
                  });
    export_flags(world, users, file + "user_active.npy",
                 [&](std::int64_t begin, std::int64_t count) {
                   return model.read_user_active(scene, begin, count);
                 });
    export_matrix(world, model, group + "/item_factors", items, k + 1, file + "item_factors.npy");
    export_flags(world, items, file + "item_active.npy",
                 [&](std::int64_t begin, std::int64_t count) {
                   return model.read_flag_rows(group + "/item_active", items, begin, count);
                 });
    if (model.has_dataset(group + "/bridge"))
      export_matrix(world, model, group + "/bridge", k + 1, k, file + "bridge.npy");
  }
  if (world.is_root())
    std::printf("exported %s: %lld users, %lld items, %zu scene%s as .npy files in %s\n",
                model.path().c_str(), static_cast<long long>(users), static_cast<long long>(items),
                scenes.size(), scenes.size() == 1 ? "" : "s", config.output.c_str());
}

/// The scene's active items as ann-benchmarks points [y, b, sqrt(M^2 - |[y, b]|^2)], every one
/// of norm M (returned in `norm`), so that the angular order is the score order.
io::FactorMatrix augmented_items(const io::ServingScene& scene, double& norm) {
  const auto rows = scene.items.rows();
  const int k = scene.k;
  double largest = 0;
  for (Eigen::Index i = 0; i < rows; ++i)
    largest = std::max(largest, scene.items.row(i).cast<double>().squaredNorm());
  io::FactorMatrix points(rows, k + 2);
  points.leftCols(k + 1) = scene.items;
  for (Eigen::Index i = 0; i < rows; ++i)
    points(i, k + 1) = static_cast<float>(
        std::sqrt(std::max(0.0, largest - scene.items.row(i).cast<double>().squaredNorm())));
  norm = largest > 0 ? std::sqrt(largest) : 1.0;
  return points;
}

/// Queries [begin, end): their points [x, 1, 0], their `count` best items by score and the
/// angular distances to them (1 - cos, as ann-benchmarks computes them), flattened row by row.
struct QueryBlock {
  std::vector<float> points;
  std::vector<std::int32_t> neighbors;
  std::vector<float> distances;
};

QueryBlock nearest_items(const io::EmbeddingFileReader& model, const io::ServingScene& scene,
                         std::int64_t begin, std::int64_t end, int count, double item_norm) {
  const int k = scene.k;
  const io::FactorMatrix users = model.read_user_rows(scene.name, begin, end - begin);
  const std::vector<eval::RankedItems> ranked = eval::rank_items(users, scene.items, count, {});
  QueryBlock block;
  for (Eigen::Index u = 0; u < users.rows(); ++u) {
    for (Eigen::Index c = 0; c <= k; ++c) block.points.push_back(users(u, c));
    block.points.push_back(0.0f);
    const double norm = users.row(u).cast<double>().norm();
    const eval::RankedItems& best = ranked[static_cast<std::size_t>(u)];
    for (std::size_t j = 0; j < best.items.size(); ++j) {
      block.neighbors.push_back(best.items[j]);
      block.distances.push_back(static_cast<float>(1.0 - best.scores[j] / (norm * item_norm)));
    }
  }
  return block;
}

void export_ann_benchmarks(const mpi::Communicator& world, const io::EmbeddingFileReader& model,
                           const config::ExportConfig& config) {
  const io::ServingScene scene = io::read_serving_scene(model, config.scene);
  const std::int64_t users = model.n_users();
  const std::int64_t queries = config.queries > 0 ? std::min(config.queries, users) : users;
  const int count = static_cast<int>(std::min<Eigen::Index>(kNeighbors, scene.items.rows()));
  io::AnnBenchmarksData data;
  double item_norm = 1.0;
  data.train = augmented_items(scene, item_norm);

  // Each rank answers its share of the queries (whole ranking blocks, so that every rank count
  // computes the same scores); rank 0 gathers and writes.
  const auto [begin, end] =
      io::block_aligned_share(queries, eval::kRankingBlock, world.rank(), world.size());
  QueryBlock block = nearest_items(model, scene, begin, end, count, item_norm);
  block.points = gather_to_root(world, block.points);
  block.neighbors = gather_to_root(world, block.neighbors);
  block.distances = gather_to_root(world, block.distances);
  data.test_ids = model.read_id_rows("/users/id", 0, world.is_root() ? queries : 0);
  mpi::run_agreed(world, [&] {
    if (!world.is_root()) return;
    data.test = Eigen::Map<const io::FactorMatrix>(block.points.data(), queries, scene.k + 2);
    data.neighbors =
        Eigen::Map<const decltype(data.neighbors)>(block.neighbors.data(), queries, count);
    data.distances = Eigen::Map<const io::FactorMatrix>(block.distances.data(), queries, count);
    for (const std::int64_t row : scene.rows)
      data.train_ids.push_back(scene.ids[static_cast<std::size_t>(row)]);
    data.distance = "angular";
    data.description = "SceneALS scene '" + scene.name + "' of " + model.path() +
                       ": train = its active items [y, b, sqrt(M^2 - |[y, b]|^2)], test = users "
                       "[x, 1, 0]; test . train is the score; neighbors = the top " +
                       std::to_string(count) + " train rows by score";
    io::write_ann_benchmarks_file(config.output, data);
    std::printf(
        "exported scene '%s' of %s: %lld items (train), %lld users (test), top %d "
        "neighbours by score, to %s\n",
        scene.name.c_str(), model.path().c_str(), static_cast<long long>(data.train.rows()),
        static_cast<long long>(queries), count, config.output.c_str());
  });
}

}  // namespace

int run_export(const mpi::Communicator& world, const std::vector<std::string>& args) {
  const auto parsed =
      parse_command_options(world, args, config::parse_export_options, [](const auto&) {});
  if (!parsed) return 0;  // --help
  // One thread per rank: Eigen's threaded products split the work by thread count, and scores
  // must not depend on it (run more ranks for more cores).
  solver::set_thread_count(1);
  const config::ExportConfig& config = parsed->config;
  const io::EmbeddingFileReader model(world, config.model);
  if (config.format == config::ExportFormat::kNpy)
    export_npy(world, model, config);
  else
    export_ann_benchmarks(world, model, config);
  return 0;
}

}  // namespace sceneals::app
