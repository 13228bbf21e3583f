// One scene of an embedding file as serving reads it, whole on every rank: the items that can be
// recommended (item_active = 1) with their factor rows and ids, and the scene's bridge. What
// `recommend` ranks against and `export --format ann-benchmarks` indexes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/embedding_reader.h"

namespace sceneals::io {

struct ServingScene {
  std::string name;
  int k = 0;                       ///< factors; rows are k + 1 wide
  std::string group;               ///< "/scenes/<name>"
  std::vector<std::string> ids;    ///< every item id of the file, in row order
  std::vector<std::int64_t> rows;  ///< the scene's active items: their rows, ascending
  FactorMatrix items;              ///< their rows [y_is, b_is] of item_factors, `rows` order
  /// Per file row: the item's position in `rows`, or -1 when it is not active in the scene.
  std::vector<std::int32_t> position_of_row;
  std::optional<FactorMatrix> bridge;  ///< B_s, (k + 1) x k, when the file has one
  /// Per position in `rows`: 1 where the item has no interactions and its row was predicted from
  /// its features (empty when the file has no item features).
  std::vector<std::uint8_t> from_features;
  /// With item features: their names (/features/name) and the scene's map W_s in raw units,
  /// (d + 1) x (k + 1): W_s' [f, 1] embeds an item from its features alone.
  std::vector<std::string> feature_names;
  std::optional<FactorMatrix> feature_map;
};

/// Collective over the reader's communicator. AgreedError (exit 1) naming the file when it has no
/// such scene (the message lists its scenes) or a dataset of the scene is missing or misshapen.
ServingScene read_serving_scene(const EmbeddingFileReader& model, const std::string& scene);

}  // namespace sceneals::io
