#include "eval/list_metrics.h"

#include <algorithm>
#include <cmath>

#include "mpi/error.h"

namespace sceneals::eval {

solver::Matrix unit_rows(const solver::Matrix& vectors) {
  solver::Matrix unit = vectors;
  for (Eigen::Index i = 0; i < unit.rows(); ++i) {
    const double norm = unit.row(i).cast<double>().norm();
    if (norm > 0) unit.row(i) /= static_cast<float>(norm);
  }
  return unit;
}

std::vector<double> novelty_bits(const std::vector<float>& counts, std::int64_t served_items) {
  check_invariant(served_items >= static_cast<std::int64_t>(counts.size()),
                  "novelty_bits: fewer served items than counted ones");
  double total = static_cast<double>(served_items);
  for (const float c : counts) total += c;
  std::vector<double> bits(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i)
    bits[i] = -std::log2((static_cast<double>(counts[i]) + 1.0) / total);
  return bits;
}

void list_metrics(const std::vector<std::int32_t>& ranked, const solver::Matrix& unit,
                  const std::vector<double>& bits, const std::vector<int>& ks,
                  std::vector<ListMetrics>& out) {
  const int most = ks.empty() ? 0 : *std::max_element(ks.begin(), ks.end());
  const std::size_t length = std::min(ranked.size(), static_cast<std::size_t>(std::max(most, 0)));
  // Running sums over the prefix of length i + 1: distance and pair count of its item pairs
  // (each new item against the ones before it), and its novelty bits.
  std::vector<double> distance(length, 0), pairs(length, 0), novelty(length, 0);
  for (std::size_t i = 0; i < length; ++i) {
    const auto a = static_cast<Eigen::Index>(ranked[i]);
    double d = i > 0 ? distance[i - 1] : 0, p = i > 0 ? pairs[i - 1] : 0;
    if (unit.row(a).squaredNorm() > 0)
      for (std::size_t j = 0; j < i; ++j) {
        const auto b = static_cast<Eigen::Index>(ranked[j]);
        if (unit.row(b).squaredNorm() == 0) continue;
        d += 1.0 - static_cast<double>(unit.row(a).dot(unit.row(b)));
        p += 1;
      }
    distance[i] = d;
    pairs[i] = p;
    novelty[i] = (i > 0 ? novelty[i - 1] : 0) + bits[static_cast<std::size_t>(a)];
  }
  out.assign(ks.size(), ListMetrics());
  for (std::size_t k = 0; k < ks.size(); ++k) {
    const std::size_t cut = std::min(length, static_cast<std::size_t>(std::max(ks[k], 0)));
    if (cut == 0) continue;
    out[k].diversity = pairs[cut - 1] > 0 ? distance[cut - 1] / pairs[cut - 1] : 0.0;
    out[k].novelty = novelty[cut - 1] / static_cast<double>(cut);
  }
}

}  // namespace sceneals::eval
