#include "solver/feature_map.h"

namespace sceneals::solver {

std::vector<std::int64_t> feature_positions(const io::ItemFeatureTable& features,
                                            const std::vector<std::int64_t>& item_rows,
                                            std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> positions;
  positions.reserve(static_cast<std::size_t>(end - begin));
  for (std::int64_t i = begin; i < end; ++i)
    positions.push_back(features.position(item_rows[static_cast<std::size_t>(i)]));
  return positions;
}

void add_feature_examples(const io::ItemFeatureTable& features,
                          const std::vector<std::int64_t>& positions, const Matrix& items,
                          std::int64_t first_item, RidgeStatistics& stats) {
  Eigen::RowVectorXf target(stats.outputs());
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (positions[i] < 0) continue;
    target = items.row(first_item + static_cast<std::int64_t>(i)).head(stats.outputs());
    stats.add(features.standardised().row(positions[i]).data(), target.data());
  }
}

void predict_from_features(const Matrix& map, const float* standardised, float* out) {
  const Eigen::Index d = map.rows() - 1;
  Eigen::Map<Eigen::RowVectorXf> row(out, map.cols());
  row = map.row(d);  // the intercept
  row.noalias() += Eigen::Map<const Eigen::RowVectorXf>(standardised, d) * map.topRows(d);
}

Matrix raw_feature_map(const Matrix& map, const io::ItemFeatureTable& features) {
  const Eigen::Index d = map.rows() - 1;
  Matrix raw(map.rows(), map.cols());
  Eigen::RowVectorXd intercept = map.row(d).cast<double>();
  for (Eigen::Index c = 0; c < d; ++c) {
    const double scale = features.scale()[static_cast<std::size_t>(c)];
    if (scale <= 0) {  // a constant column standardises to 0: it adds nothing
      raw.row(c).setZero();
      continue;
    }
    const Eigen::RowVectorXd per_unit = map.row(c).cast<double>() / scale;
    raw.row(c) = per_unit.cast<float>();
    intercept -= features.mean()[static_cast<std::size_t>(c)] * per_unit;
  }
  raw.row(d) = intercept.cast<float>();
  return raw;
}

}  // namespace sceneals::solver
