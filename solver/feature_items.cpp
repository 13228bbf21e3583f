#include "solver/feature_items.h"

#include "solver/feature_map.h"

namespace sceneals::solver {

std::vector<std::int64_t> untrained_feature_items(const mpi::ProcessGrid& grid,
                                                  const io::ItemFeatureTable& features,
                                                  const std::vector<SceneLayout>& layouts) {
  std::vector<std::uint8_t> trained(features.rows().size(), 0);
  for (const SceneLayout& layout : layouts)
    for (const std::int64_t row : layout.item_rows)
      if (const std::int64_t at = features.position(row); at >= 0)
        trained[static_cast<std::size_t>(at)] = 1;
  // Every scene lives in one group, whose ranks all hold its item list.
  grid.shard_comm.allreduce_in_place(trained, mpi::ReduceOp::kMax);
  std::vector<std::int64_t> rows;
  for (std::size_t i = 0; i < trained.size(); ++i)
    if (trained[i] == 0) rows.push_back(features.rows()[i]);
  return rows;
}

void serve_from_features(const mpi::ProcessGrid& grid, const io::ItemFeatureTable& features,
                         double ridge, const std::vector<std::int64_t>& rows,
                         const std::vector<SceneLayout>& layouts,
                         std::vector<ServedScene>& served) {
  std::vector<RidgeStatistics> stats;
  for (std::size_t l = 0; l < layouts.size(); ++l) {
    const SceneLayout& layout = layouts[l];
    stats.emplace_back(features.dimensions(), static_cast<int>(served[l].items.cols()));
    add_feature_examples(
        features, feature_positions(features, layout.item_rows, layout.item_begin, layout.item_end),
        served[l].items, layout.item_begin - served[l].items_first, stats.back());
  }
  allreduce_statistics(grid.group_comm, stats);  // every scene of the group at once
  for (std::size_t l = 0; l < layouts.size(); ++l) {
    ServedScene& scene = served[l];
    const Matrix map = stats[l].solve(ridge);
    scene.feature_item_rows = rows;
    scene.feature_items.resize(static_cast<Eigen::Index>(rows.size()), map.cols());
    for (std::size_t i = 0; i < rows.size(); ++i)
      predict_from_features(map, features.standardised().row(features.position(rows[i])).data(),
                            scene.feature_items.row(static_cast<Eigen::Index>(i)).data());
    if (grid.shard == 0) scene.feature_map = raw_feature_map(map, features);
  }
}

Matrix standardised_features(const io::ItemFeatureTable& features,
                             const std::vector<std::int64_t>& item_rows) {
  Matrix out = Matrix::Zero(static_cast<Eigen::Index>(item_rows.size()), features.dimensions());
  for (std::size_t i = 0; i < item_rows.size(); ++i)
    if (const std::int64_t at = features.position(item_rows[i]); at >= 0)
      out.row(static_cast<Eigen::Index>(i)) = features.standardised().row(at);
  return out;
}

}  // namespace sceneals::solver
