#include "eval/evaluator.h"

#include <algorithm>
#include <cstdio>

#include "eval/ranking_metrics.h"
#include "eval/top_k.h"

namespace sceneals::eval {

namespace {

/// Users scored per matrix product: large enough for an efficient GEMM, small enough that the
/// score block (users x items floats) stays modest.
constexpr std::int64_t kUserBlock = 256;

/// One (user, scene) test pair on this rank: the user's row of factors and its held-out items.
struct TestPair {
  std::int64_t user_row;
  Cohort cohort;
  std::vector<std::int32_t> relevant;  // positions in the scene's items; negative when absent
  std::vector<std::int32_t> training;  // positions of training items (masked)
};

std::vector<TestPair> collect_pairs(const solver::SceneLayout& layout,
                                    const std::vector<io::Rating>& test, std::size_t begin,
                                    std::size_t end) {
  std::vector<TestPair> pairs;
  std::int32_t absent = -1;
  for (std::size_t i = begin; i < end; ++i) {
    if (pairs.empty() || pairs.back().user_row != test[i].user_row) {
      TestPair pair{test[i].user_row, Cohort::kCold, {}, {}};
      const auto at =
          std::lower_bound(layout.user_rows.begin() + layout.user_begin,
                           layout.user_rows.begin() + layout.user_end, test[i].user_row);
      if (at != layout.user_rows.begin() + layout.user_end && *at == test[i].user_row) {
        pair.cohort = Cohort::kWarm;
        const auto local =
            static_cast<std::size_t>(at - layout.user_rows.begin() - layout.user_begin);
        pair.training.assign(layout.by_user.index.begin() + layout.by_user.offsets[local],
                             layout.by_user.index.begin() + layout.by_user.offsets[local + 1]);
        std::sort(pair.training.begin(), pair.training.end());
      }
      pairs.push_back(std::move(pair));
    }
    const auto item =
        std::lower_bound(layout.item_rows.begin(), layout.item_rows.end(), test[i].item_row);
    // An item the scene never saw in training cannot be recommended but still counts as relevant.
    pairs.back().relevant.push_back(item != layout.item_rows.end() && *item == test[i].item_row
                                        ? static_cast<std::int32_t>(item - layout.item_rows.begin())
                                        : absent--);
  }
  for (TestPair& pair : pairs) std::sort(pair.relevant.begin(), pair.relevant.end());
  return pairs;
}

}  // namespace

MetricSums evaluate_model(const mpi::ProcessGrid& grid, const io::ShardedData& data,
                          const solver::Trainer& trainer, const std::vector<io::Rating>& test,
                          const std::vector<int>& ks) {
  MetricSums sums(static_cast<int>(data.scenes.size()), static_cast<int>(ks.size()));
  const int k_max = *std::max_element(ks.begin(), ks.end());
  const int k = trainer.options().als.factors;
  std::vector<std::int32_t> workspace, ranked, prefix;
  std::size_t at = 0;
  for (std::size_t l = 0; l < trainer.layouts().size(); ++l) {
    const solver::SceneLayout& layout = trainer.layouts()[l];
    const std::size_t begin = at;
    while (at < test.size() && test[at].scene == layout.scene) ++at;
    const std::vector<TestPair> pairs = collect_pairs(layout, test, begin, at);
    const solver::Matrix& items = trainer.item_factors(l);
    const solver::Matrix& x = trainer.user_factors(l);
    for (std::size_t block = 0; block < pairs.size(); block += kUserBlock) {
      const std::size_t block_end = std::min(pairs.size(), block + kUserBlock);
      // [x_us, 1] for warm pairs, [z_u, 1] for cold ones; scores = users x items in one GEMM.
      solver::Matrix users(static_cast<Eigen::Index>(block_end - block), k + 1);
      for (std::size_t p = block; p < block_end; ++p) {
        const auto row = static_cast<Eigen::Index>(p - block);
        if (pairs[p].cohort == Cohort::kWarm) {
          const auto local =
              std::lower_bound(layout.user_rows.begin() + layout.user_begin,
                               layout.user_rows.begin() + layout.user_end, pairs[p].user_row) -
              layout.user_rows.begin() - layout.user_begin;
          users.row(row) = x.row(local);
        } else {
          users.row(row).head(k) =
              trainer.shared_factors().row(pairs[p].user_row - data.users.row_begin());
          users(row, k) = 1.0f;
        }
      }
      const solver::Matrix scores = users * items.transpose();
      for (std::size_t p = block; p < block_end; ++p) {
        const auto row = static_cast<Eigen::Index>(p - block);
        top_k_into(scores.row(row).data(), scores.cols(), k_max, pairs[p].training, workspace,
                   ranked);
        for (std::size_t ki = 0; ki < ks.size(); ++ki) {
          prefix.assign(ranked.begin(),
                        ranked.begin() +
                            std::min<std::size_t>(ranked.size(), static_cast<std::size_t>(ks[ki])));
          sums.add(layout.scene, pairs[p].cohort, static_cast<int>(ki),
                   ranking_metrics(prefix, pairs[p].relevant, ks[ki]));
        }
      }
    }
  }
  // Only the sums travel.
  grid.group_comm.reduce_in_place(sums.data().data(), static_cast<std::int64_t>(sums.data().size()),
                                  mpi::ReduceOp::kSum, 0);
  if (grid.group_comm.rank() == 0)
    grid.shard_comm.reduce_in_place(
        sums.data().data(), static_cast<std::int64_t>(sums.data().size()), mpi::ReduceOp::kSum, 0);
  return sums;
}

}  // namespace sceneals::eval

namespace sceneals::eval {

std::string format_metrics_table(const MetricSums& sums, const std::vector<std::string>& scenes,
                                 const std::vector<int>& ks) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "%-20s %-6s %4s %8s %8s %8s %8s %8s %8s %8s\n", "scene",
                "cohort", "K", "prec", "recall", "f1", "ndcg", "map", "hit", "pairs");
  out += line;
  auto row = [&](const std::string& name, int cohort, std::size_t ki, auto&& mean,
                 std::int64_t count) {
    if (count == 0) return;
    std::snprintf(line, sizeof(line), "%-20s %-6s %4d %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f %8lld\n",
                  name.c_str(), cohort == kWarm ? "warm" : "cold", ks[ki], mean(Metric::kPrecision),
                  mean(Metric::kRecall), mean(Metric::kF1), mean(Metric::kNdcg), mean(Metric::kMap),
                  mean(Metric::kHitRate), static_cast<long long>(count));
    out += line;
  };
  for (int cohort : {kWarm, kCold}) {
    for (std::size_t ki = 0; ki < ks.size(); ++ki) {
      const int k_index = static_cast<int>(ki);
      for (std::size_t s = 0; s < scenes.size(); ++s) {
        const int scene = static_cast<int>(s);
        row(
            scenes[s], cohort, ki, [&](Metric m) { return sums.mean(scene, cohort, k_index, m); },
            static_cast<std::int64_t>(sums.count(scene, cohort, k_index)));
      }
      row(
          "overall", cohort, ki, [&](Metric m) { return sums.overall_mean(cohort, k_index, m); },
          static_cast<std::int64_t>(sums.overall_count(cohort, k_index)));
    }
  }
  return out;
}

}  // namespace sceneals::eval
