// Serving items from their features (docs/item-features.md): after training, every scene's
// feature map W_s is fitted on the scene's served item rows, and every item that has features
// but no training interaction in any scene (new in the catalogue, or held out with
// --cold-item-fraction) is served in every scene as W_s' [f_i, 1], flagged as such in the file.
#pragma once

#include <cstdint>
#include <vector>

#include "io/item_feature_table.h"
#include "mpi/process_grid.h"
#include "solver/embedding_export.h"
#include "solver/scene_layout.h"

namespace sceneals::solver {

/// Collective over the grid: the sorted global rows of the items of `features` that no scene of
/// any group trained (no row of any layout's item_rows); the same on every rank.
std::vector<std::int64_t> untrained_feature_items(const mpi::ProcessGrid& grid,
                                                  const io::ItemFeatureTable& features,
                                                  const std::vector<SceneLayout>& layouts);

/// Collective over the group: fits each scene's feature map with ridge G on the served rows of
/// its items that have features (`served[l].items`, in `layouts[l].item_rows` order) and fills
/// the scene's feature items: `rows` and their predicted rows, and the map in raw feature units
/// (held by the group's shard-0 rank, which writes it).
void serve_from_features(const mpi::ProcessGrid& grid, const io::ItemFeatureTable& features,
                         double ridge, const std::vector<std::int64_t>& rows,
                         const std::vector<SceneLayout>& layouts, std::vector<ServedScene>& served);

/// The standardised features of `item_rows` (rows x d; zero rows for items without features):
/// the vectors diversity compares when features are given.
Matrix standardised_features(const io::ItemFeatureTable& features,
                             const std::vector<std::int64_t>& item_rows);

}  // namespace sceneals::solver
