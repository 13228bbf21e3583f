#include "io/serving_scene.h"

#include <algorithm>

#include "mpi/error.h"

namespace sceneals::io {

ServingScene read_serving_scene(const EmbeddingFileReader& model, const std::string& scene) {
  const std::vector<std::string>& scenes = model.scenes();
  if (!std::binary_search(scenes.begin(), scenes.end(), scene)) {
    std::string have;
    for (const std::string& s : scenes) have += (have.empty() ? "" : ", ") + s;
    throw AgreedError(ExitCode::kBadInput, model.path() + ": no scene '" + scene +
                                               "' (its scenes: " + (have.empty() ? "none" : have) +
                                               ")");
  }
  ServingScene out;
  out.name = scene;
  out.group = "/scenes/" + scene;
  const std::int64_t n = model.n_items();
  const std::vector<std::int64_t> shape = model.dataset_shape(out.group + "/item_factors");
  if (shape.size() != 2 || shape[1] < 2)
    throw AgreedError(ExitCode::kBadInput, model.path() + ": " + out.group +
                                               "/item_factors is not a [n_items, k+1] matrix");
  out.k = static_cast<int>(shape[1] - 1);
  out.ids = model.read_id_rows("/items/id", 0, n);
  const std::vector<std::uint8_t> active =
      model.read_flag_rows(out.group + "/item_active", n, 0, n);
  out.position_of_row.assign(static_cast<std::size_t>(n), -1);
  for (std::int64_t r = 0; r < n; ++r)
    if (active[static_cast<std::size_t>(r)] != 0) {
      out.position_of_row[static_cast<std::size_t>(r)] = static_cast<std::int32_t>(out.rows.size());
      out.rows.push_back(r);
    }
  // Every row, then the active ones: one contiguous read beats a selection of scattered rows.
  const FactorMatrix all = model.read_matrix_rows(out.group + "/item_factors", n, out.k + 1, 0, n);
  out.items.resize(static_cast<Eigen::Index>(out.rows.size()), out.k + 1);
  for (std::size_t p = 0; p < out.rows.size(); ++p)
    out.items.row(static_cast<Eigen::Index>(p)) = all.row(out.rows[p]);
  const std::string bridge = out.group + "/bridge";
  if (model.has_dataset(bridge))
    out.bridge = model.read_matrix_rows(bridge, out.k + 1, out.k, 0, out.k + 1);
  const std::string flags = out.group + "/item_from_features";
  if (model.has_dataset("/features/name") && model.has_dataset(flags)) {
    const std::vector<std::int64_t> names = model.dataset_shape("/features/name");
    const std::int64_t d = names.size() == 1 ? names[0] : 0;
    out.feature_names = model.read_id_rows("/features/name", 0, d);
    const std::vector<std::uint8_t> from_features = model.read_flag_rows(flags, n, 0, n);
    for (const std::int64_t row : out.rows)
      out.from_features.push_back(from_features[static_cast<std::size_t>(row)]);
    const std::string map = out.group + "/feature_map";
    if (model.has_dataset(map))
      out.feature_map = model.read_matrix_rows(map, d + 1, out.k + 1, 0, d + 1);
  }
  return out;
}

}  // namespace sceneals::io
