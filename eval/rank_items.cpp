#include "eval/rank_items.h"

#include <algorithm>
#include <numeric>

#include "eval/top_k.h"
#include "mpi/error.h"
#include "solver/block_scores.h"

namespace sceneals::eval {

namespace {

/// u . y summed in double in coordinate order: the same bits wherever the rows are stored.
double exact_score(const float* u, const float* y, Eigen::Index width) {
  double sum = 0;
  for (Eigen::Index c = 0; c < width; ++c) sum += static_cast<double>(u[c]) * y[c];
  return sum;
}

}  // namespace

std::vector<RankedItems> rank_items(const solver::Matrix& users, const solver::Matrix& items, int k,
                                    const std::vector<std::vector<std::int32_t>>& excluded) {
  check_invariant(users.cols() == items.cols(), "rank_items: users and items differ in width");
  check_invariant(excluded.empty() || excluded.size() == static_cast<std::size_t>(users.rows()),
                  "rank_items: one exclusion list per user");
  std::vector<RankedItems> out(static_cast<std::size_t>(users.rows()));
  const std::vector<std::int32_t> none;
  std::vector<std::int32_t> workspace, candidates;
  std::vector<double> rescored;
  std::vector<std::size_t> order;
  const auto block_rows = static_cast<Eigen::Index>(kRankingBlock);
  for (Eigen::Index block = 0; block < users.rows(); block += block_rows) {
    const Eigen::Index rows = std::min(block_rows, users.rows() - block);
    const solver::Matrix scores = solver::block_scores(users.middleRows(block, rows), items);
    for (Eigen::Index r = 0; r < rows; ++r) {
      const auto u = static_cast<std::size_t>(block + r);
      top_k_into(scores.row(r).data(), scores.cols(), k + kRescoredMargin,
                 excluded.empty() ? none : excluded[u], workspace, candidates);
      rescored.clear();
      for (const std::int32_t i : candidates)
        rescored.push_back(
            exact_score(users.row(block + r).data(), items.row(i).data(), items.cols()));
      order.resize(candidates.size());
      std::iota(order.begin(), order.end(), 0);
      // Higher score first, then the lower item row, as top_k orders.
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return rescored[a] != rescored[b] ? rescored[a] > rescored[b]
                                          : candidates[a] < candidates[b];
      });
      RankedItems& ranked = out[u];
      for (std::size_t n = 0; n < order.size() && n < static_cast<std::size_t>(k); ++n) {
        ranked.items.push_back(candidates[order[n]]);
        ranked.scores.push_back(static_cast<float>(rescored[order[n]]));
      }
    }
  }
  return out;
}

}  // namespace sceneals::eval
