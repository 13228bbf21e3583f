#include "solver/pooled_layout.h"

#include <algorithm>
#include <memory>

#include "mpi/error.h"

namespace sceneals::solver {

namespace {

/// [lo, hi) of a sorted row list that falls in shard `shard`'s row range.
std::pair<std::int64_t, std::int64_t> shard_slice(const std::vector<std::int64_t>& rows,
                                                  const io::Catalogue& catalogue, int shard) {
  const auto begin = std::lower_bound(rows.begin(), rows.end(),
                                      catalogue.shard_begin[static_cast<std::size_t>(shard)]);
  const auto end = std::lower_bound(rows.begin(), rows.end(),
                                    catalogue.shard_begin[static_cast<std::size_t>(shard) + 1]);
  return {begin - rows.begin(), end - rows.begin()};
}

}  // namespace

PooledLayout pool_layouts(const mpi::ProcessGrid& grid, const io::Catalogue& items,
                          const std::vector<SceneLayout>& scenes) {
  check_invariant(grid.plan.scene_groups == 1, "the pooled model needs one scene group");
  const mpi::Communicator& group = grid.group_comm;
  const int ranks = group.size();
  PooledLayout pooled;
  SceneLayout& layout = pooled.layout;
  layout.scene = 0;
  layout.name = "pooled";

  // Users: every user with training data in any scene.
  std::vector<std::int64_t> my_users;
  for (const SceneLayout& scene : scenes)
    my_users.insert(my_users.end(), scene.user_rows.begin() + scene.user_begin,
                    scene.user_rows.begin() + scene.user_end);
  std::sort(my_users.begin(), my_users.end());
  my_users.erase(std::unique(my_users.begin(), my_users.end()), my_users.end());
  layout.user_rows = group.allgatherv(my_users);
  layout.user_begin = group.exclusive_prefix_sum(static_cast<std::int64_t>(my_users.size()));
  layout.user_end = layout.user_begin + static_cast<std::int64_t>(my_users.size());

  // Items: (scene, item) pairs ordered by owner rank, then scene, then item row.
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> slices(scenes.size());
  for (std::size_t s = 0; s < scenes.size(); ++s)
    for (int r = 0; r < ranks; ++r) slices[s].push_back(shard_slice(scenes[s].item_rows, items, r));
  pooled.position_of_scene_item.resize(scenes.size());
  for (std::size_t s = 0; s < scenes.size(); ++s)
    pooled.position_of_scene_item[s].resize(scenes[s].item_rows.size());
  std::int32_t next = 0;
  for (int r = 0; r < ranks; ++r) {
    if (r == group.rank()) layout.item_begin = next;
    for (std::size_t s = 0; s < scenes.size(); ++s) {
      const auto [lo, hi] = slices[s][static_cast<std::size_t>(r)];
      for (std::int64_t p = lo; p < hi; ++p) {
        pooled.position_of_scene_item[s][static_cast<std::size_t>(p)] = next++;
        layout.item_rows.push_back(scenes[s].item_rows[static_cast<std::size_t>(p)]);
        layout.item_scene.push_back(scenes[s].scene);
      }
    }
    if (r == group.rank()) layout.item_end = next;
  }

  // This rank's users -> pooled item positions, merged over the scenes.
  std::vector<std::pair<std::int32_t, std::int32_t>> entries;  // (local user, pooled item)
  std::vector<float> values;
  std::vector<std::size_t> order;
  for (std::size_t s = 0; s < scenes.size(); ++s) {
    const SceneLayout& scene = scenes[s];
    for (std::int64_t u = 0; u < scene.local_users(); ++u) {
      const auto local = static_cast<std::int32_t>(
          position_of(layout.user_rows, scene.local_user_row(u)) - layout.user_begin);
      for (std::int64_t e = scene.by_user.offsets[static_cast<std::size_t>(u)];
           e < scene.by_user.offsets[static_cast<std::size_t>(u) + 1]; ++e) {
        entries.emplace_back(local, pooled.position_of_scene_item[s][static_cast<std::size_t>(
                                        scene.by_user.index[static_cast<std::size_t>(e)])]);
        values.push_back(scene.by_user.value[static_cast<std::size_t>(e)]);
      }
    }
  }
  order.resize(entries.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return entries[a] < entries[b]; });
  std::size_t at = 0;
  for (std::int64_t u = 0; u < layout.local_users(); ++u) {
    for (; at < order.size() && entries[order[at]].first == u; ++at) {
      layout.by_user.index.push_back(entries[order[at]].second);
      layout.by_user.value.push_back(values[order[at]]);
    }
    layout.by_user.offsets.push_back(static_cast<std::int64_t>(layout.by_user.index.size()));
  }

  // This rank's pooled items (scene by scene, as ordered above) -> pooled user positions.
  for (std::size_t s = 0; s < scenes.size(); ++s) {
    const SceneLayout& scene = scenes[s];
    for (std::int64_t i = 0; i < scene.local_items(); ++i) {
      for (std::int64_t e = scene.by_item.offsets[static_cast<std::size_t>(i)];
           e < scene.by_item.offsets[static_cast<std::size_t>(i) + 1]; ++e) {
        const std::int64_t user_row = scene.user_rows[static_cast<std::size_t>(
            scene.by_item.index[static_cast<std::size_t>(e)])];
        layout.by_item.index.push_back(position_of(layout.user_rows, user_row));
        layout.by_item.value.push_back(scene.by_item.value[static_cast<std::size_t>(e)]);
      }
      layout.by_item.offsets.push_back(static_cast<std::int64_t>(layout.by_item.index.size()));
    }
  }
  check_invariant(layout.by_item.rows() == layout.local_items(), "pooled item slice");
  return pooled;
}

std::vector<ServedScene> serve_pooled(const io::ShardedData& data,
                                      const std::vector<SceneLayout>& scenes,
                                      const PooledLayout& pooled, const Trainer& trainer) {
  const int k = trainer.options().als.factors;
  const SceneLayout& layout = pooled.layout;
  // One user row for every scene, held once and shared by the scenes' row sources.
  auto users = std::make_shared<Matrix>(Matrix::Zero(data.users.size(), k + 1));
  users->col(k).setOnes();
  for (std::int64_t u = 0; u < layout.local_users(); ++u)
    users->row(layout.local_user_row(u) - data.users.row_begin()) = trainer.user_factors(0).row(u);
  const Matrix pooled_items = trainer.gather_item_factors(0);
  std::vector<ServedScene> served(scenes.size());
  for (std::size_t s = 0; s < scenes.size(); ++s) {
    ServedScene& scene = served[s];
    scene.users = [users](std::int64_t first, std::int64_t count, float* out) {
      Eigen::Map<Matrix>(out, count, users->cols()) = users->middleRows(first, count);
    };
    std::vector<std::int64_t> shard_rows;  // the scene's active users, rows of `users`
    for (std::int64_t u = scenes[s].user_begin; u < scenes[s].user_end; ++u)
      shard_rows.push_back(scenes[s].user_rows[static_cast<std::size_t>(u)] -
                           data.users.row_begin());
    scene.active_users = [users, shard_rows](std::int64_t first, std::int64_t count, float* out) {
      Eigen::Map<Matrix> rows(out, count, users->cols());
      for (std::int64_t u = 0; u < count; ++u)
        rows.row(u) = users->row(shard_rows[static_cast<std::size_t>(first + u)]);
    };
    scene.items.resize(static_cast<Eigen::Index>(scenes[s].item_rows.size()), k + 1);
    for (std::size_t p = 0; p < scenes[s].item_rows.size(); ++p)
      scene.items.row(static_cast<Eigen::Index>(p)) =
          pooled_items.row(pooled.position_of_scene_item[s][p]);
  }
  return served;
}

Matrix pooled_user_vectors(const io::ShardedData& data, const Trainer& trainer) {
  const int k = trainer.options().als.factors;
  const SceneLayout& layout = trainer.layouts()[0];
  Matrix vectors = Matrix::Zero(data.users.size(), k);
  for (std::int64_t u = 0; u < layout.local_users(); ++u)
    vectors.row(layout.local_user_row(u) - data.users.row_begin()) =
        trainer.user_factors(0).row(u).head(k);
  return vectors;
}

}  // namespace sceneals::solver
