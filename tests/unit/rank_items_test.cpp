// Serving's ranking against a full sort of every user's scores (double precision, ties by the
// lower item row), with and without excluded items, with k beyond the catalogue; and a user's
// list does not depend on the users ranked with it (alone, or anywhere in a block).
#include "eval/rank_items.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace sceneals::eval {
namespace {

solver::Matrix random_rows(std::mt19937& rng, Eigen::Index rows, Eigen::Index cols) {
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  return solver::Matrix::NullaryExpr(rows, cols, [&] { return unit(rng); });
}

/// The k best items of one user by a full sort of float64 scores.
std::vector<std::int32_t> full_sort(const solver::Matrix& users, Eigen::Index u,
                                    const solver::Matrix& items, int k,
                                    const std::vector<std::int32_t>& excluded) {
  std::vector<std::pair<double, std::int32_t>> all;
  for (Eigen::Index i = 0; i < items.rows(); ++i) {
    if (std::binary_search(excluded.begin(), excluded.end(), static_cast<std::int32_t>(i)))
      continue;
    all.emplace_back(-users.row(u).cast<double>().dot(items.row(i).cast<double>()),
                     static_cast<std::int32_t>(i));
  }
  std::sort(all.begin(), all.end());
  std::vector<std::int32_t> best;
  for (std::size_t n = 0; n < all.size() && n < static_cast<std::size_t>(k); ++n)
    best.push_back(all[n].second);
  return best;
}

TEST(RankItems, EqualsAFullSortWithAndWithoutExclusions) {
  std::mt19937 rng(11);
  const solver::Matrix users = random_rows(rng, 600, 9);  // three blocks, the last one short
  const solver::Matrix items = random_rows(rng, 140, 9);
  std::vector<std::vector<std::int32_t>> excluded(static_cast<std::size_t>(users.rows()));
  for (std::size_t u = 0; u < excluded.size(); ++u)
    for (std::int32_t i = static_cast<std::int32_t>(u % 7); i < 140; i += 9)
      excluded[u].push_back(i);
  for (const int k : {1, 10, 200}) {
    const std::vector<RankedItems> plain = rank_items(users, items, k, {});
    const std::vector<RankedItems> masked = rank_items(users, items, k, excluded);
    for (Eigen::Index u = 0; u < users.rows(); ++u) {
      const auto uu = static_cast<std::size_t>(u);
      EXPECT_EQ(plain[uu].items, full_sort(users, u, items, k, {})) << "user " << u << " k " << k;
      EXPECT_EQ(masked[uu].items, full_sort(users, u, items, k, excluded[uu]))
          << "user " << u << " k " << k;
      for (std::size_t n = 0; n < plain[uu].items.size(); ++n)
        EXPECT_NEAR(plain[uu].scores[n], users.row(u).dot(items.row(plain[uu].items[n])), 1e-5);
    }
  }
}

TEST(RankItems, ExactTiesGoToTheLowerItemRow) {
  solver::Matrix items(5, 2);
  items << 1, 0, 2, 0, 2, 0, 1, 0, 2, 0;
  const solver::Matrix user = (solver::Matrix(1, 2) << 1, 0).finished();
  const std::vector<RankedItems> ranked = rank_items(user, items, 4, {});
  EXPECT_EQ(ranked[0].items, (std::vector<std::int32_t>{1, 2, 4, 0}));
  EXPECT_EQ(ranked[0].scores, (std::vector<float>{2, 2, 2, 1}));
}

TEST(RankItems, AUserGetsTheSameListAloneAsInAnyBlock) {
  std::mt19937 rng(5);
  const solver::Matrix users = random_rows(rng, 300, 33);
  const solver::Matrix items = random_rows(rng, 3000, 33);
  const std::vector<RankedItems> batch = rank_items(users, items, 10, {});
  for (const Eigen::Index u : {0, 1, 7, 255, 256, 299}) {
    const std::vector<RankedItems> alone = rank_items(users.middleRows(u, 1), items, 10, {});
    EXPECT_EQ(alone[0].items, batch[static_cast<std::size_t>(u)].items) << "user " << u;
    EXPECT_EQ(alone[0].scores, batch[static_cast<std::size_t>(u)].scores) << "user " << u;
  }
}

}  // namespace
}  // namespace sceneals::eval
