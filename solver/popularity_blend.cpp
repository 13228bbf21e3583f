#include "solver/popularity_blend.h"

#include <cmath>

#include "mpi/error.h"

namespace sceneals::solver {

namespace {

void check_rows(const Matrix& items, const std::vector<float>& counts) {
  if (items.rows() != static_cast<Eigen::Index>(counts.size()) || items.cols() < 1)
    throw InternalError("popularity blend: " + std::to_string(items.rows()) + " item rows, " +
                        std::to_string(counts.size()) + " counts");
}

}  // namespace

void blend_popularity(Matrix& items, const std::vector<float>& counts, double beta) {
  check_rows(items, counts);
  const Eigen::Index bias = items.cols() - 1;
  for (Eigen::Index i = 0; i < items.rows(); ++i)
    items(i, bias) += static_cast<float>(beta * std::log1p(counts[static_cast<std::size_t>(i)]));
}

void serve_popularity(Matrix& items, const std::vector<float>& counts) {
  check_rows(items, counts);
  const Eigen::Index bias = items.cols() - 1;
  items.leftCols(bias).setZero();
  for (Eigen::Index i = 0; i < items.rows(); ++i)
    items(i, bias) = counts[static_cast<std::size_t>(i)];
}

}  // namespace sceneals::solver
