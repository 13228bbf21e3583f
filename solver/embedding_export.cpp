#include "solver/embedding_export.h"

#include <algorithm>

#include "solver/bridge.h"

namespace sceneals::solver {

namespace {

/// The popularity tie-break scale of the independent kind: far below any trained score
/// difference that matters, far above float32's resolution near 0.
constexpr float kPopularityTieBreak = 1e-6f;

Matrix unit_user_rows(std::int64_t rows, int k) {
  Matrix users = Matrix::Zero(rows, k + 1);
  users.col(k).setOnes();
  return users;
}

}  // namespace

std::vector<ServedScene> serve_model(const io::ShardedData& data, const Trainer& trainer,
                                     ModelKind kind) {
  const int k = trainer.options().als.factors;
  std::vector<ServedScene> served(trainer.layouts().size());
  for (std::size_t l = 0; l < trainer.layouts().size(); ++l) {
    const SceneLayout& layout = trainer.layouts()[l];
    ServedScene& scene = served[l];
    const std::vector<float> popularity =
        kind == ModelKind::kColearn ? std::vector<float>() : trainer.item_popularity(l);
    // Users without training data in the scene.
    if (kind == ModelKind::kColearn && trainer.bridge(l)) {
      scene.bridge = trainer.bridge(l);
      scene.users.resize(data.users.size(), k + 1);
      for (std::int64_t u = 0; u < data.users.size(); ++u)
        apply_bridge(*scene.bridge, trainer.shared_factors().row(u).data(),
                     scene.users.row(u).data());
    } else if (kind == ModelKind::kColearn) {
      scene.users.resize(data.users.size(), k + 1);
      scene.users.leftCols(k) = trainer.shared_factors();
      scene.users.col(k).setOnes();
    } else {
      scene.users = unit_user_rows(data.users.size(), k);
    }
    // Users with training data: their trained rows (popularity: the unit row for everyone).
    scene.active.assign(static_cast<std::size_t>(data.users.size()), 0);
    for (std::int64_t u = 0; u < layout.local_users(); ++u) {
      const std::int64_t shard_row = layout.local_user_row(u) - data.users.row_begin();
      if (kind != ModelKind::kPopularity)
        scene.users.row(shard_row) = trainer.user_factors(l).row(u);
      scene.active[static_cast<std::size_t>(shard_row)] = 1;
    }
    // Items.
    if (kind == ModelKind::kPopularity) {
      scene.items = Matrix::Zero(static_cast<Eigen::Index>(popularity.size()), k + 1);
      for (std::size_t i = 0; i < popularity.size(); ++i)
        scene.items(static_cast<Eigen::Index>(i), k) = popularity[i];
    } else {
      scene.items = trainer.item_factors(l);
      if (kind == ModelKind::kIndependent && !popularity.empty()) {
        const float most = *std::max_element(popularity.begin(), popularity.end());
        for (std::size_t i = 0; i < popularity.size(); ++i)
          scene.items(static_cast<Eigen::Index>(i), k) = kPopularityTieBreak * popularity[i] / most;
      }
    }
  }
  return served;
}

io::EmbeddingFileContent export_embeddings(const mpi::ProcessGrid& grid,
                                           const io::ShardedData& data, const Matrix& shared,
                                           const std::vector<SceneLayout>& scenes,
                                           std::vector<ServedScene>&& served) {
  const int k = static_cast<int>(shared.cols());
  const bool writes_ids = grid.group == 0;  // one rank per shard writes the shard's ids and z
  io::EmbeddingFileContent content;
  content.n_users = data.users.total();
  content.n_items = data.items.total();
  content.factors = k;
  content.user_id_begin = data.users.row_begin();
  content.item_id_begin = data.items.row_begin();
  content.shared_row_begin = data.users.row_begin();
  if (writes_ids) {
    content.user_ids = data.users.ids;
    content.item_ids = data.items.ids;
    content.shared_user_factors = shared;
  } else {
    content.shared_user_factors.resize(0, k);
  }

  std::size_t layout_at = 0;
  for (std::size_t s = 0; s < data.scenes.size(); ++s) {
    io::SceneEmbeddingBlock block;
    block.name = data.scenes[s];
    block.user_row_begin = data.users.row_begin();
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
    block.user_factors = std::move(scene.users);
    block.user_active = std::move(scene.active);
    if (scene.bridge && grid.shard == 0) block.bridge = scene.bridge;  // one rank writes B_s
    // Items of this rank's item shard: zero rows for items absent from the scene.
    block.item_factors = io::FactorMatrix::Zero(data.items.size(), k + 1);
    block.item_active.assign(static_cast<std::size_t>(data.items.size()), 0);
    for (std::int64_t i = layout.item_begin; i < layout.item_end; ++i) {
      const std::int64_t shard_row =
          layout.item_rows[static_cast<std::size_t>(i)] - data.items.row_begin();
      block.item_factors.row(shard_row) = scene.items.row(i);
      block.item_active[static_cast<std::size_t>(shard_row)] = 1;
    }
    ++layout_at;
    content.scenes.push_back(std::move(block));
  }
  return content;
}

}  // namespace sceneals::solver
