#include "solver/warm_start.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>
#include <utility>

#include "io/embedding_reader.h"
#include "mpi/error.h"
#include "mpi/error_agreement.h"
#include "solver/finite_check.h"

namespace sceneals::solver {

namespace {

/// A local row of a layout that the file holds a row for.
struct RowRequest {
  std::int64_t file_row = 0;
  std::size_t layout = 0;
  std::int64_t local = 0;  ///< the row in user_factors(layout) or item_factors(layout)
  std::size_t read = 0;    ///< its position among the rows read (set by read_in_batches)
};

/// Reads the file rows that `wanted` name, ascending and distinct, `batch_rows` at a time at most
/// (so that what is read is never held whole): `read(rows)` reads a batch (collective: every rank
/// makes as many calls as the rank with the most batches, some with no rows), then
/// `use(batch, position in it, request)` runs for each request of the batch, in an agreed
/// section (a throw there ends the job on every rank alike).
template <class Read, class Use>
void read_in_batches(const mpi::Communicator& world, std::vector<RowRequest>& wanted,
                     std::int64_t batch_rows, Read&& read, Use&& use) {
  std::sort(wanted.begin(), wanted.end(),
            [](const RowRequest& a, const RowRequest& b) { return a.file_row < b.file_row; });
  std::vector<std::int64_t> rows;
  for (RowRequest& request : wanted) {
    if (rows.empty() || rows.back() != request.file_row) rows.push_back(request.file_row);
    request.read = rows.size() - 1;
  }
  const auto count = static_cast<std::int64_t>(rows.size());
  const std::int64_t batches = world.max((count + batch_rows - 1) / batch_rows);
  std::size_t next = 0;  // the first request of the batch
  for (std::int64_t b = 0; b < batches; ++b) {
    const std::int64_t begin = std::min(count, b * batch_rows);
    const std::int64_t end = std::min(count, begin + batch_rows);
    const auto batch = read(std::vector<std::int64_t>(rows.begin() + begin, rows.begin() + end));
    mpi::run_agreed(world, [&] {
      for (; next < wanted.size() && static_cast<std::int64_t>(wanted[next].read) < end; ++next)
        use(batch, static_cast<Eigen::Index>(wanted[next].read) - begin, wanted[next]);
    });
  }
}

/// Values read from the file go into training only when finite (a damaged or hostile file).
void check_read(const Matrix& rows, const std::string& path, const std::string& name) {
  if (!all_finite(rows))
    throw InputError(path, name + " holds values that are not finite numbers (a damaged file?)");
}

/// The checks that need no data of the run: readable, k, and a kind with factors.
void check_model(const io::EmbeddingFileReader& reader, int factors) {
  // Shapes and attributes are collective metadata: the same on every rank, no agreement needed.
  const std::vector<std::int64_t> shape = reader.dataset_shape("/shared/user_factors");
  if (shape.size() != 2)
    throw AgreedError(ExitCode::kBadInput,
                      reader.path() + ": /shared/user_factors is not a matrix (a damaged file?)");
  if (shape[1] != factors)
    throw AgreedError(ExitCode::kBadInput,
                      reader.path() + ": the model has k = " + std::to_string(shape[1]) +
                          " factors and this run --factors " + std::to_string(factors) +
                          ": a warm start keeps k (give --factors " + std::to_string(shape[1]) +
                          ", or train from scratch)");
  if (reader.text_attribute("model_kind") == std::string("popularity"))
    throw AgreedError(ExitCode::kBadInput,
                      reader.path() +
                          ": a popularity model has no factors to start from (its user rows are "
                          "[0, 1]); give a model of another kind, or train from scratch");
}

/// The scenes whose item biases hold a popularity blend (the root attribute popularity_blend of
/// a --tune run, "scene=beta,...": a number, or "popularity" for rows [0, count]). Their trained
/// bias is not in the file; a blend of 0 is none.
std::vector<std::string> blended_scenes(const io::EmbeddingFileReader& reader) {
  std::vector<std::string> blended;
  const std::optional<std::string> text = reader.text_attribute("popularity_blend");
  if (!text) return blended;
  std::istringstream pairs(*text);
  std::string pair;
  while (std::getline(pairs, pair, ',')) {
    const std::size_t equals = pair.rfind('=');
    if (equals != std::string::npos && pair.substr(equals + 1) != "0")
      blended.push_back(pair.substr(0, equals));
  }
  std::sort(blended.begin(), blended.end());
  return blended;
}

/// The file's feature names equal this run's: only then does its feature map fit our features.
bool same_feature_names(const io::EmbeddingFileReader& reader, const io::ItemFeatureTable* table) {
  if (table == nullptr || !reader.has_dataset("/features/name")) return false;
  const std::vector<std::int64_t> shape = reader.dataset_shape("/features/name");
  if (shape.size() != 1 || shape[0] != table->dimensions()) return false;
  return reader.read_id_rows("/features/name", 0, shape[0]) == table->names();
}

/// The rows a file gives one trainer, written into the trainer's own matrices (no copy of them
/// is held), and the counts.
class WarmStart {
 public:
  WarmStart(const mpi::Communicator& world, const mpi::ProcessGrid& grid,
            const io::ShardedData& data, const Trainer& trainer,
            const io::EmbeddingFileReader& reader)
      : world_(world),
        data_(data),
        trainer_(trainer),
        reader_(reader),
        layouts_(trainer.layouts()),
        k_(trainer.options().als.factors),
        batch_rows_(std::max<std::int64_t>(1, trainer.options().exchange_buffer_bytes /
                                                  (4 * (trainer.options().als.factors + 1)))),
        users_(reader.match_ids(grid, "user", data.users)),
        items_(reader.match_ids(grid, "item", data.items)),
        blended_(blended_scenes(reader)) {
    for (const SceneLayout& layout : layouts_)
      item_set_.emplace_back(static_cast<std::size_t>(layout.local_items()), 0);
    const bool local_pooled = layouts_.size() == 1 && !layouts_[0].item_scene.empty();
    pooled_ = world.any(local_pooled);
  }

  /// Collective. Replaces the rows (x, [y, b]) and maps the file has, in place.
  WarmStartReport run(std::vector<Matrix>& x, std::vector<Matrix>& y, std::vector<SceneMap>& maps) {
    x_ = &x;
    y_ = &y;
    maps_ = &maps;
    report_.path = reader_.path();
    report_.format_version = reader_.format_version();
    report_.model_kind = reader_.text_attribute("model_kind").value_or("unknown");
    report_.users_in_model = users_.matched;
    report_.users_new = users_.catalogue_only;
    report_.users_dropped = users_.model_only;
    report_.items_in_model = items_.matched;
    report_.items_new = items_.catalogue_only;
    report_.items_dropped = items_.model_only;
    const bool features = same_feature_names(reader_, trainer_.options().item_features);
    if (pooled_) read_pooled_users();
    for (std::size_t s = 0; s < data_.scenes.size(); ++s) {
      const std::string& name = data_.scenes[s];
      if (!std::binary_search(reader_.scenes().begin(), reader_.scenes().end(), name)) {
        report_.scenes_new.push_back(name);
        continue;
      }
      report_.scenes_in_model.push_back(name);
      if (!pooled_) read_scene_users(static_cast<int>(s));
      read_scene_items(static_cast<int>(s));
      read_scene_map(static_cast<int>(s));
      if (features) map_features(static_cast<int>(s));
    }
    for (const std::string& name : reader_.scenes())
      if (!std::binary_search(data_.scenes.begin(), data_.scenes.end(), name))
        report_.scenes_dropped.push_back(name);
    finish_counts();
    return report_;
  }

 private:
  std::int64_t user_file_row(std::size_t l, std::int64_t u) const {
    const std::int64_t row = layouts_[l].local_user_row(u) - data_.users.row_begin();
    return users_.model_rows[static_cast<std::size_t>(row)];
  }
  std::int64_t item_file_row(std::size_t l, std::int64_t i) const {
    const SceneLayout& layout = layouts_[l];
    const std::int64_t row =
        layout.item_rows[static_cast<std::size_t>(layout.item_begin + i)] - data_.items.row_begin();
    check_invariant(row >= 0 && row < data_.items.size(),
                    "warm start: a rank's items are in its item catalogue shard");
    return items_.model_rows[static_cast<std::size_t>(row)];
  }
  /// The real scene of layouts_[l]'s i-th local item (pooled layouts mix scenes).
  int item_scene(std::size_t l, std::int64_t i) const {
    const SceneLayout& layout = layouts_[l];
    return layout.item_scene.empty()
               ? layout.scene
               : layout.item_scene[static_cast<std::size_t>(layout.item_begin + i)];
  }
  /// The users the file knows, of this rank's layouts of `scene` (-1: of every layout).
  std::vector<RowRequest> known_users(int scene) const {
    std::vector<RowRequest> wanted;
    for (std::size_t l = 0; l < layouts_.size(); ++l) {
      if (scene >= 0 && layouts_[l].scene != scene) continue;
      for (std::int64_t u = 0; u < layouts_[l].local_users(); ++u)
        if (const std::int64_t row = user_file_row(l, u); row >= 0) wanted.push_back({row, l, u});
    }
    return wanted;
  }

  /// The pooled kind trains one row per user: it starts from the file's z_u.
  void read_pooled_users() {
    std::vector<RowRequest> wanted = known_users(-1);
    const std::string name = "/shared/user_factors";
    read_in_batches(
        world_, wanted, batch_rows_,
        [&](const std::vector<std::int64_t>& rows) {
          const Matrix z = reader_.read_matrix_rows(name, reader_.n_users(), k_, rows);
          mpi::run_agreed(world_, [&] { check_read(z, reader_.path(), name); });
          return z;
        },
        [&](const Matrix& z, Eigen::Index at, const RowRequest& request) {
          if (z.row(at).isZero()) return;  // no training data in the file's run: seeded
          (*x_)[request.layout].row(request.local).head(k_) = z.row(at);
          ++user_rows_stored_;
        });
  }

  void read_scene_users(int scene) {
    const std::string& name = data_.scenes[static_cast<std::size_t>(scene)];
    struct Batch {
      Matrix served;
      std::vector<std::uint8_t> active;
      std::vector<std::uint8_t> trained;  // z_u is not zero: the file's run trained the user
    };
    std::vector<RowRequest> wanted = known_users(scene);
    read_in_batches(
        world_, wanted, batch_rows_,
        [&](const std::vector<std::int64_t>& rows) {
          Batch batch;
          batch.served = reader_.read_user_rows(name, rows, &batch.active);
          // A user with no data in the scene then is served from z_u (through the bridge): a
          // start only when z_u is not zero, i.e. the user had data somewhere.
          std::vector<std::int64_t> inactive;
          for (std::size_t r = 0; r < rows.size(); ++r)
            if (batch.active[r] == 0) inactive.push_back(rows[r]);
          const Matrix z =
              reader_.read_matrix_rows("/shared/user_factors", reader_.n_users(), k_, inactive);
          batch.trained.assign(rows.size(), 1);
          for (std::size_t r = 0, j = 0; r < rows.size(); ++r)
            if (batch.active[r] == 0)
              batch.trained[r] = z.row(static_cast<Eigen::Index>(j++)).isZero() ? 0 : 1;
          mpi::run_agreed(world_, [&] {
            check_read(batch.served, reader_.path(), "/scenes/" + name + "/user_factors");
          });
          return batch;
        },
        [&](const Batch& batch, Eigen::Index at, const RowRequest& request) {
          const auto r = static_cast<std::size_t>(at);
          const auto row = batch.served.row(at).head(k_);
          // A zero x is no start: a user the file never trained, or an independent model's
          // [0, 1] for users without data in the scene.
          if (batch.trained[r] == 0 || row.isZero()) return;
          ++(batch.active[r] != 0 ? user_rows_stored_ : user_rows_served_);
          (*x_)[request.layout].row(request.local).head(k_) = row;
        });
  }

  void read_scene_items(int scene) {
    const std::string group = "/scenes/" + data_.scenes[static_cast<std::size_t>(scene)];
    std::vector<RowRequest> wanted;
    for (std::size_t l = 0; l < layouts_.size(); ++l)
      for (std::int64_t i = 0; i < layouts_[l].local_items(); ++i)
        if (item_scene(l, i) == scene)
          if (const std::int64_t row = item_file_row(l, i); row >= 0) wanted.push_back({row, l, i});
    const std::int64_t n = reader_.n_items();
    const std::string features_name = group + "/item_from_features";
    const bool flagged = reader_.has_dataset(features_name);
    const bool blended = std::binary_search(blended_.begin(), blended_.end(),
                                            data_.scenes[static_cast<std::size_t>(scene)]);
    if (blended) ++report_.blended_scenes;
    struct Batch {
      Matrix rows;
      std::vector<std::uint8_t> active, from_features;
    };
    read_in_batches(
        world_, wanted, batch_rows_,
        [&](const std::vector<std::int64_t>& rows) {
          Batch batch{reader_.read_matrix_rows(group + "/item_factors", n, k_ + 1, rows),
                      reader_.read_flag_rows(group + "/item_active", n, rows),
                      flagged ? reader_.read_flag_rows(features_name, n, rows)
                              : std::vector<std::uint8_t>(rows.size(), 0)};
          mpi::run_agreed(world_,
                          [&] { check_read(batch.rows, reader_.path(), group + "/item_factors"); });
          return batch;
        },
        [&](const Batch& batch, Eigen::Index at, const RowRequest& request) {
          const auto i = static_cast<std::size_t>(at);
          if (batch.active[i] == 0) return;  // not an item of the scene then
          // A zero y is no start (ALS would keep it): a scene served by popularity, [0, count].
          if (batch.rows.row(at).head(k_).isZero()) return;
          auto row = (*y_)[request.layout].row(request.local);
          row = batch.rows.row(at);
          if (blended) row(k_) = 0;  // the bias holds the blend, not what was trained
          item_set_[request.layout][static_cast<std::size_t>(request.local)] = 1;
          ++(batch.from_features[i] != 0 ? item_rows_from_features_ : item_rows_stored_);
        });
  }

  void read_scene_map(int scene) {
    const std::string name =
        "/scenes/" + data_.scenes[static_cast<std::size_t>(scene)] + "/scene_map";
    if (!trainer_.has_scene_map() || !reader_.has_dataset(name)) return;
    const Matrix map = reader_.read_matrix_rows(name, 2, k_, 0, 2);
    mpi::run_agreed(world_, [&] { check_read(map, reader_.path(), name); });
    for (std::size_t l = 0; l < layouts_.size(); ++l)
      if (layouts_[l].scene == scene)
        (*maps_)[l] = SceneMap{map.row(0).transpose(), map.row(1).transpose()};
    ++report_.scene_maps;
  }

  /// Items the file did not train in the scene, with features of the file's names: its map.
  void map_features(int scene) {
    const std::string name =
        "/scenes/" + data_.scenes[static_cast<std::size_t>(scene)] + "/feature_map";
    if (!reader_.has_dataset(name)) return;
    const io::ItemFeatureTable& table = *trainer_.options().item_features;
    const int d = table.dimensions();
    const Matrix map = reader_.read_matrix_rows(name, d + 1, k_ + 1, 0, d + 1);
    mpi::run_agreed(world_, [&] { check_read(map, reader_.path(), name); });
    Eigen::RowVectorXf features(d + 1);
    for (std::size_t l = 0; l < layouts_.size(); ++l) {
      const SceneLayout& layout = layouts_[l];
      for (std::int64_t i = 0; i < layout.local_items(); ++i) {
        if (item_scene(l, i) != scene || item_set_[l][static_cast<std::size_t>(i)] != 0) continue;
        const std::int64_t at =
            table.position(layout.item_rows[static_cast<std::size_t>(layout.item_begin + i)]);
        if (at < 0) continue;
        features << table.raw().row(at), 1.0f;
        (*y_)[l].row(i) = features * map;
        item_set_[l][static_cast<std::size_t>(i)] = 1;
        ++item_rows_from_features_;
      }
    }
  }

  void finish_counts() {
    std::int64_t users = 0, items = 0;
    for (std::size_t l = 0; l < layouts_.size(); ++l) {
      users += layouts_[l].local_users();
      items += layouts_[l].local_items();
      (*x_)[l].col(k_).setOnes();
      if (!trainer_.options().learn_item_bias) (*y_)[l].col(k_).setZero();  // [y, 0] kinds
    }
    std::int64_t counts[6] = {user_rows_stored_,
                              user_rows_served_,
                              users - user_rows_stored_ - user_rows_served_,
                              item_rows_stored_,
                              item_rows_from_features_,
                              items - item_rows_stored_ - item_rows_from_features_};
    world_.allreduce_in_place(counts, 6, mpi::ReduceOp::kSum);
    report_.user_rows_stored = counts[0];
    report_.user_rows_served = counts[1];
    report_.user_rows_new = counts[2];
    report_.item_rows_stored = counts[3];
    report_.item_rows_from_features = counts[4];
    report_.item_rows_new = counts[5];
  }

  const mpi::Communicator& world_;
  const io::ShardedData& data_;
  const Trainer& trainer_;
  const io::EmbeddingFileReader& reader_;
  const std::vector<SceneLayout>& layouts_;
  const int k_;
  const std::int64_t batch_rows_;  // rows read at a time: --exchange-buffer-mb's worth
  const io::IdMatch users_, items_;
  const std::vector<std::string> blended_;  // scenes whose item bias holds a popularity blend
  bool pooled_ = false;
  std::vector<Matrix>* x_ = nullptr;  // the trainer's, while run() replaces them
  std::vector<Matrix>* y_ = nullptr;
  std::vector<SceneMap>* maps_ = nullptr;
  std::vector<std::vector<std::uint8_t>> item_set_;  // per layout: 1 once an item's row is set
  std::int64_t user_rows_stored_ = 0, user_rows_served_ = 0;
  std::int64_t item_rows_stored_ = 0, item_rows_from_features_ = 0;
  WarmStartReport report_;
};

std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string scene_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 8; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 8) out += ", ...";
  return names.empty() ? "" : " (" + out + ")";
}

}  // namespace

void check_warm_start_model(const mpi::Communicator& world, const std::string& path, int factors) {
  const io::EmbeddingFileReader reader(world, path);
  check_model(reader, factors);
}

WarmStartReport warm_start(const mpi::Communicator& world, const mpi::ProcessGrid& grid,
                           const io::ShardedData& data, Trainer& trainer, const std::string& path) {
  const auto begin = std::chrono::steady_clock::now();
  const io::EmbeddingFileReader reader(world, path);
  check_model(reader, trainer.options().als.factors);
  WarmStart start(world, grid, data, trainer, reader);
  WarmStartReport report;
  trainer.start_from([&](std::vector<Matrix>& users, std::vector<Matrix>& items,
                         std::vector<SceneMap>& maps) { report = start.run(users, items, maps); });
  report.seconds =
      world.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
  return report;
}

std::string format_warm_start_report(const WarmStartReport& r) {
  const auto counts = [](const char* what, std::int64_t in_model, std::int64_t fresh,
                         std::int64_t dropped) {
    return std::string("  ") + what + ": " + with_commas(in_model) + " from the model, " +
           with_commas(fresh) + " new, " + with_commas(dropped) + " in the model only (dropped)\n";
  };
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.3f s", r.seconds);
  std::string out = "warm start from " + r.path + " (format " + std::to_string(r.format_version) +
                    ", " + r.model_kind + ", " + seconds + "):\n";
  out += counts("users", r.users_in_model, r.users_new, r.users_dropped);
  out += counts("items", r.items_in_model, r.items_new, r.items_dropped);
  out += "  scenes: " + std::to_string(r.scenes_in_model.size()) + " from the model" +
         scene_list(r.scenes_in_model) + ", " + std::to_string(r.scenes_new.size()) + " new" +
         scene_list(r.scenes_new) + ", " + std::to_string(r.scenes_dropped.size()) +
         " in the model only" + scene_list(r.scenes_dropped) + "\n";
  out += "  user rows: " + with_commas(r.user_rows_stored) + " the model's, " +
         with_commas(r.user_rows_served) + " served by it to users new to the scene, " +
         with_commas(r.user_rows_new) + " seeded\n";
  out += "  item rows: " + with_commas(r.item_rows_stored) + " the model's, " +
         with_commas(r.item_rows_from_features) + " from its feature maps, " +
         with_commas(r.item_rows_new) + " seeded";
  if (r.scene_maps > 0) out += "; scene maps of " + std::to_string(r.scene_maps) + " scenes";
  if (r.blended_scenes > 0)
    out += "; item biases of " + std::to_string(r.blended_scenes) +
           " scenes blended with popularity by --tune start at 0";
  return out + "\n";
}

}  // namespace sceneals::solver
