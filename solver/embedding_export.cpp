#include "solver/embedding_export.h"

#include <algorithm>
#include <memory>

#include "io/bridged_row.h"

namespace sceneals::solver {

namespace {

/// The popularity tie-break scale of the independent kind: far below any trained score
/// difference that matters, far above float32's resolution near 0.
constexpr float kPopularityTieBreak = 1e-6f;

/// Calls fn(position, row - first_row) for each entry of the sorted rows [begin, end) that lies
/// in [first_row, first_row + count): the rows of a slab are one run of them.
template <class Iterator, class Fn>
void for_rows_in_slab(Iterator begin, Iterator end, std::int64_t first_row, std::int64_t count,
                      Fn&& fn) {
  for (auto at = std::lower_bound(begin, end, first_row); at != end && *at < first_row + count;
       ++at)
    fn(at - begin, *at - first_row);
}

/// Served user rows of one scene: the trained row of a user with data in the scene, otherwise
/// what the model kind serves the others (see the header).
class ServedUserRows {
 public:
  ServedUserRows(const io::ShardedData& data, const Trainer& trainer, std::size_t layout,
                 ModelKind kind)
      : data_(data), trainer_(trainer), layout_(layout), kind_(kind) {}

  void operator()(std::int64_t first, std::int64_t count, float* out) const {
    const int k = trainer_.options().als.factors;
    Eigen::Map<Matrix> rows(out, count, k + 1);
    const std::optional<Matrix>& bridge = trainer_.bridge(layout_);
    const Matrix& shared = trainer_.shared_factors();
    if (kind_ == ModelKind::kColearn && bridge) {
      for (std::int64_t u = 0; u < count; ++u)
        io::bridged_row(*bridge, shared.row(first + u).data(), rows.row(u).data());
    } else if (kind_ == ModelKind::kColearn) {
      rows.leftCols(k) = shared.middleRows(first, count);
      rows.col(k).setOnes();
    } else {
      rows.setZero();
      rows.col(k).setOnes();
    }
    if (kind_ == ModelKind::kPopularity) return;  // the unit row for everyone
    const SceneLayout& layout = trainer_.layouts()[layout_];
    const Matrix& trained = trainer_.user_factors(layout_);
    for_rows_in_slab(
        layout.user_rows.begin() + layout.user_begin, layout.user_rows.begin() + layout.user_end,
        data_.users.row_begin() + first, count,
        [&](std::ptrdiff_t user, std::int64_t row) { rows.row(row) = trained.row(user); });
  }

 private:
  const io::ShardedData& data_;
  const Trainer& trainer_;
  std::size_t layout_;
  ModelKind kind_;
};

/// Served item rows of one scene in the rows of this rank's item shard: the scene's row of an
/// item in it (trained, or served from features), a zero row for an item absent from it. Owns
/// the scene's items (the layout may be gone by the time the file is written).
class ShardItemRows {
 public:
  ShardItemRows(const io::ShardedData& data, const SceneLayout& layout, Matrix&& items,
                std::int64_t items_first, const std::vector<std::int64_t>& feature_rows,
                Matrix&& feature_items)
      : shard_begin_(data.items.row_begin()),
        rows_(layout.item_rows.begin() + layout.item_begin,
              layout.item_rows.begin() + layout.item_end),
        first_item_(layout.item_begin - items_first),
        items_(std::make_shared<const Matrix>(std::move(items))),
        feature_rows_(feature_rows),
        feature_items_(std::make_shared<const Matrix>(std::move(feature_items))) {}

  void operator()(std::int64_t first, std::int64_t count, float* out) const {
    Eigen::Map<Matrix> rows(out, count, items_->cols());
    rows.setZero();
    for_rows_in_slab(rows_.begin(), rows_.end(), shard_begin_ + first, count,
                     [&](std::ptrdiff_t item, std::int64_t row) {
                       rows.row(row) = items_->row(first_item_ + item);
                     });
    for_rows_in_slab(
        feature_rows_.begin(), feature_rows_.end(), shard_begin_ + first, count,
        [&](std::ptrdiff_t item, std::int64_t row) { rows.row(row) = feature_items_->row(item); });
  }

 private:
  std::int64_t shard_begin_;
  std::vector<std::int64_t> rows_;       ///< global rows of the scene's items in this shard, sorted
  std::int64_t first_item_;              ///< the row of items_ of rows_[0]
  std::shared_ptr<const Matrix> items_;  ///< shared: std::function copies what it holds
  std::vector<std::int64_t> feature_rows_;  ///< every item served from features, sorted
  std::shared_ptr<const Matrix> feature_items_;
};

}  // namespace

std::vector<ServedScene> serve_model(const io::ShardedData& data, const Trainer& trainer,
                                     ModelKind kind, ServedItems items) {
  const int k = trainer.options().als.factors;
  std::vector<ServedScene> served(trainer.layouts().size());
  for (std::size_t l = 0; l < trainer.layouts().size(); ++l) {
    ServedScene& scene = served[l];
    const std::vector<float> popularity =
        kind == ModelKind::kColearn ? std::vector<float>() : trainer.item_popularity(l);
    if (kind == ModelKind::kColearn && trainer.bridge(l)) scene.bridge = trainer.bridge(l);
    if (kind == ModelKind::kColearn && trainer.has_scene_map()) {
      const SceneMap& map = trainer.scene_map(l);
      scene.scene_map = Matrix(2, k);
      scene.scene_map->row(0) = map.scale.transpose();
      scene.scene_map->row(1) = map.shift.transpose();
    }
    scene.users = ServedUserRows(data, trainer, l, kind);
    if (kind == ModelKind::kPopularity) {
      scene.active_users = [k](std::int64_t, std::int64_t count, float* out) {
        Eigen::Map<Matrix> rows(out, count, k + 1);
        rows.setZero();
        rows.col(k).setOnes();
      };
    } else {
      scene.active_users = io::rows_of(trainer.user_factors(l));
    }
    // Items: rows [first, first + rows) of the scene's.
    const SceneLayout& layout = trainer.layouts()[l];
    const bool whole = items == ServedItems::kWholeScene;
    scene.items_first = whole ? 0 : layout.item_begin;
    const auto rows = static_cast<Eigen::Index>(
        whole ? layout.item_rows.size() : static_cast<std::size_t>(layout.local_items()));
    const auto popularity_of = [&](Eigen::Index i) {
      return popularity[static_cast<std::size_t>(scene.items_first + i)];
    };
    if (kind == ModelKind::kPopularity) {
      scene.items = Matrix::Zero(rows, k + 1);
      for (Eigen::Index i = 0; i < rows; ++i) scene.items(i, k) = popularity_of(i);
    } else {
      scene.items = whole ? trainer.gather_item_factors(l) : trainer.item_factors(l);
      if (kind == ModelKind::kIndependent && !popularity.empty()) {
        const float most = *std::max_element(popularity.begin(), popularity.end());
        for (Eigen::Index i = 0; i < rows; ++i)
          scene.items(i, k) = kPopularityTieBreak * popularity_of(i) / most;
      }
    }
  }
  return served;
}

const char* cold_user_rows(ModelKind kind) {
  return kind == ModelKind::kColearn || kind == ModelKind::kPooled ? "bridge" : "unit";
}

io::EmbeddingFileContent export_embeddings(const mpi::ProcessGrid& grid,
                                           const io::ShardedData& data, const Matrix& shared,
                                           const std::vector<SceneLayout>& scenes,
                                           std::vector<ServedScene>&& served, ModelKind kind,
                                           const std::vector<std::string>& feature_names) {
  const int k = static_cast<int>(shared.cols());
  const bool writes_ids = grid.group == 0;  // one rank per shard writes the shard's ids and z
  io::EmbeddingFileContent content;
  content.feature_names = feature_names;
  content.cold_user_rows = cold_user_rows(kind);
  // Every rank takes part in writing every scene's rows, so every rank needs each scene's number
  // of active users: counted by the first rank of the scene's group, summed over all ranks.
  std::vector<std::int64_t> active_users(data.scenes.size(), 0);
  if (grid.group_comm.is_root())
    for (const SceneLayout& layout : scenes)
      active_users[static_cast<std::size_t>(layout.scene)] =
          static_cast<std::int64_t>(layout.user_rows.size());
  grid.group_comm.allreduce_in_place(active_users, mpi::ReduceOp::kSum);
  grid.shard_comm.allreduce_in_place(active_users, mpi::ReduceOp::kSum);
  content.n_users = data.users.total();
  content.n_items = data.items.total();
  content.factors = k;
  content.user_id_begin = data.users.row_begin();
  content.item_id_begin = data.items.row_begin();
  content.shared_row_begin = data.users.row_begin();
  if (writes_ids) {
    content.user_ids = data.users.ids;
    content.item_ids = data.items.ids;
    content.computed_shared_factors = {shared.rows(), io::rows_of(shared)};
  }

  std::size_t layout_at = 0;
  for (std::size_t s = 0; s < data.scenes.size(); ++s) {
    io::SceneEmbeddingBlock block;
    block.name = data.scenes[s];
    block.user_rows_total = active_users[s];
    block.item_row_begin = data.items.row_begin();
    const bool mine = layout_at < scenes.size() && scenes[layout_at].scene == static_cast<int>(s);
    if (!mine) {  // another scene group writes this scene; take part with no rows
      block.user_factors.resize(0, k + 1);
      block.item_factors.resize(0, k + 1);
      content.scenes.push_back(std::move(block));
      continue;
    }
    const SceneLayout& layout = scenes[layout_at];
    ServedScene& scene = served[layout_at];
    block.user_row_begin = layout.user_begin;
    block.computed_user_factors = {layout.local_users(), std::move(scene.active_users)};
    block.user_index.assign(layout.user_rows.begin() + layout.user_begin,
                            layout.user_rows.begin() + layout.user_end);
    if (grid.shard == 0) {  // one rank writes B_s and the maps
      block.bridge = scene.bridge;
      block.scene_map = scene.scene_map;
      block.feature_map = scene.feature_map;
    }
    // Items of this rank's item shard: zero rows for items absent from the scene.
    const auto shard_position = [&](std::int64_t row) {
      return static_cast<std::size_t>(row - data.items.row_begin());
    };
    block.item_active.assign(static_cast<std::size_t>(data.items.size()), 0);
    for (std::int64_t i = layout.item_begin; i < layout.item_end; ++i)
      block.item_active[shard_position(layout.item_rows[static_cast<std::size_t>(i)])] = 1;
    if (!feature_names.empty()) {
      block.item_from_features.assign(block.item_active.size(), 0);
      for (const std::int64_t row : scene.feature_item_rows)
        if (data.items.shard_of_row(row) == data.items.shard)
          block.item_active[shard_position(row)] = block.item_from_features[shard_position(row)] =
              1;
    }
    block.computed_item_factors = {
        data.items.size(), ShardItemRows(data, layout, std::move(scene.items), scene.items_first,
                                         scene.feature_item_rows, std::move(scene.feature_items))};
    ++layout_at;
    content.scenes.push_back(std::move(block));
  }
  return content;
}

}  // namespace sceneals::solver
