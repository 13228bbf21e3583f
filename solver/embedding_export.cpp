#include "solver/embedding_export.h"

#include "solver/bridge.h"

namespace sceneals::solver {

io::EmbeddingFileContent export_embeddings(const mpi::ProcessGrid& grid,
                                           const io::ShardedData& data, const Trainer& trainer) {
  const int k = trainer.options().als.factors;
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
    content.shared_user_factors = trainer.shared_factors();
  } else {
    content.shared_user_factors.resize(0, k);
  }

  std::size_t layout_at = 0;
  for (std::size_t s = 0; s < data.scenes.size(); ++s) {
    io::SceneEmbeddingBlock block;
    block.name = data.scenes[s];
    block.user_row_begin = data.users.row_begin();
    block.item_row_begin = data.items.row_begin();
    const bool mine = layout_at < trainer.layouts().size() &&
                      trainer.layouts()[layout_at].scene == static_cast<int>(s);
    if (!mine) {
      block.user_factors.resize(0, k + 1);
      block.item_factors.resize(0, k + 1);
      content.scenes.push_back(std::move(block));
      continue;
    }
    const SceneLayout& layout = trainer.layouts()[layout_at];
    const Matrix& x = trainer.user_factors(layout_at);
    const Matrix& y = trainer.item_factors(layout_at);

    // Users of the shard without training data here: the bridged vector [B_s' [z_u, 1], 1]
    // when the scene has a bridge, else the shared vector [z_u, 1].
    const std::optional<Matrix>& bridge = trainer.bridge(layout_at);
    block.user_factors.resize(data.users.size(), k + 1);
    if (bridge) {
      for (std::int64_t u = 0; u < data.users.size(); ++u)
        apply_bridge(*bridge, trainer.shared_factors().row(u).data(), block.user_factors.row(u).data());
      if (grid.shard == 0) block.bridge = *bridge;  // one rank of the group writes B_s
    } else {
      block.user_factors.leftCols(k) = trainer.shared_factors();
      block.user_factors.col(k).setOnes();
    }
    block.user_active.assign(static_cast<std::size_t>(data.users.size()), 0);
    for (std::int64_t u = 0; u < layout.local_users(); ++u) {
      const std::int64_t shard_row =
          layout.user_rows[static_cast<std::size_t>(layout.user_begin + u)] -
          data.users.row_begin();
      block.user_factors.row(shard_row) = x.row(u);
      block.user_active[static_cast<std::size_t>(shard_row)] = 1;
    }
    // Items of the item shard: zero rows for items absent from the scene.
    block.item_factors = io::FactorMatrix::Zero(data.items.size(), k + 1);
    block.item_active.assign(static_cast<std::size_t>(data.items.size()), 0);
    for (std::int64_t i = layout.item_begin; i < layout.item_end; ++i) {
      const std::int64_t shard_row =
          layout.item_rows[static_cast<std::size_t>(i)] - data.items.row_begin();
      block.item_factors.row(shard_row) = y.row(i);
      block.item_active[static_cast<std::size_t>(shard_row)] = 1;
    }
    ++layout_at;
    content.scenes.push_back(std::move(block));
  }
  return content;
}

}  // namespace sceneals::solver
