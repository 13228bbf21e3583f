// --tune's pure parts: the search space text, the successive-halving schedule (against a plain
// simulation of the halving), the choice rule, and the popularity blend (against scores computed
// one by one).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "mpi/error.h"
#include "solver/popularity_blend.h"
#include "tune/blend.h"
#include "tune/choice.h"
#include "tune/halving.h"
#include "tune/search_space.h"
#include "tune/validation_sample.h"

namespace sceneals::tune {
namespace {

std::string refusal(const std::string& text) {
  try {
    parse_search_space(text, 15);
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(TuneSearchSpace, DefaultsCoverMuUpTo100PooledRidgeAndPopularity) {
  const SearchSpace space = parse_search_space("", 15);
  EXPECT_EQ(space.mu, (std::vector<MuValue>{{0, {}}, {1, {}}, {10, {}}, {100, {}}}));
  EXPECT_EQ(space.map, (std::vector<float>{0, 10}));
  EXPECT_EQ(space.iterations, std::vector<int>{15});
  EXPECT_EQ(space.ridge, (std::vector<double>{10, 100}));
  EXPECT_EQ(space.beta.back(), kPopularityBeta);
  // Colearn: mu 0 without a map, mu 1, 10, 100 with each map; 2 lambda x 2 alpha each. Pooled
  // once per (lambda, alpha): it has no mu and no map.
  const std::vector<Setting> all = space.candidates();
  EXPECT_EQ(all.size(), (1u + 3u * 2u) * 4u + 4u);
  EXPECT_EQ(std::count_if(all.begin(), all.end(),
                          [](const Setting& s) { return s.kind == solver::ModelKind::kPooled; }),
            4);
  EXPECT_EQ(all.front().describe(), "colearn mu=0 lambda=0.1 alpha=1 iterations=15");
  EXPECT_EQ(std::count_if(all.begin(), all.end(),
                          [](const Setting& s) { return s.scene_map_ridge > 0 && !s.mu.pulls(); }),
            0);
  EXPECT_EQ(all[8].describe(), "colearn mu=1 map=10 lambda=0.1 alpha=1 iterations=15");
  // With item features the colearn candidates also vary the feature prior (0, 100); pooled has
  // no item step of its own scenes, so it does not.
  SearchSpace with_features = space;
  with_features.features_given = true;
  const std::vector<Setting> featured = with_features.candidates();
  EXPECT_EQ(featured.size(), (1u + 3u * 2u) * 2u * 4u + 4u);
  EXPECT_EQ(featured[4].describe(), "colearn mu=0 feature=100 lambda=0.1 alpha=1 iterations=15");
  EXPECT_EQ(std::count_if(featured.begin(), featured.end(),
                          [](const Setting& s) {
                            return s.kind == solver::ModelKind::kPooled && s.feature_weight > 0;
                          }),
            0);
}

TEST(TuneSearchSpace, NamedDimensionsReplaceTheirDefaultsOnly) {
  const SearchSpace space =
      parse_search_space("mu=0,5;lambda=2 kind=colearn beta=0,popularity iterations=3,9", 15);
  EXPECT_EQ(space.mu, (std::vector<MuValue>{{0, {}}, {5, {}}}));
  EXPECT_EQ(space.lambda, std::vector<float>{2});
  EXPECT_EQ(space.alpha, (std::vector<float>{1, 10}));  // the default
  EXPECT_EQ(space.beta, (std::vector<double>{0, kPopularityBeta}));
  EXPECT_EQ(space.candidates().size(), (1u + 1u * 2u) * 1u * 2u * 2u);  // mu 5 with each map
  EXPECT_EQ(parse_search_space(space.describe(), 15).describe(), space.describe());
}

TEST(TuneSearchSpace, BadTextIsRefusedNamingTheOptionAndTheItem) {
  EXPECT_NE(refusal("mu=").find("empty"), std::string::npos);
  EXPECT_NE(refusal("mu=").find("--tune-space"), std::string::npos);
  EXPECT_NE(refusal("nu=1").find("unknown name 'nu'"), std::string::npos);
  EXPECT_NE(refusal("lambda=0").find("'0' must be > 0"), std::string::npos);
  EXPECT_NE(refusal("mu=-1").find("must be >= 0"), std::string::npos);
  EXPECT_NE(refusal("iterations=2.5").find("whole number"), std::string::npos);
  EXPECT_NE(refusal("kind=independent").find("not colearn or pooled"), std::string::npos);
  EXPECT_NE(refusal("alpha").find("name=value"), std::string::npos);
  EXPECT_NE(refusal("beta=x").find("'x' is not a number"), std::string::npos);
  EXPECT_NE(refusal("mu=1/book=-2").find("'-2' must be >= 0"), std::string::npos);
  EXPECT_NE(refusal("mu=book=1/2").find("the bare mu '2' must come first"), std::string::npos);
  EXPECT_NE(refusal("mu=1/=2").find("scene name is missing"), std::string::npos);
  EXPECT_NE(refusal("mu=book=1/book=2").find("'book' is given twice"), std::string::npos);
}

// A mu value may set scenes apart: "1/book=10" is 1 for every scene but book. Such a candidate
// pulls (the map is searched with it) when any scene's mu is > 0, and names only known scenes.
TEST(TuneSearchSpace, PerSceneMuValues) {
  const SearchSpace space = parse_search_space("mu=0,1/book=10,music=2 map=0,5 kind=colearn", 15);
  ASSERT_EQ(space.mu.size(), 3u);
  EXPECT_EQ(space.mu[1], (MuValue{1, {{"book", 10.0f}}}));
  EXPECT_EQ(space.mu[2], (MuValue{0, {{"music", 2.0f}}}));
  EXPECT_EQ(space.mu[1].resolve({"book", "film", "music"}), (std::vector<float>{10, 1, 1}));
  EXPECT_EQ(space.mu[2].resolve({"book", "music"}), (std::vector<float>{0, 2}));
  EXPECT_TRUE(space.mu[2].pulls());
  EXPECT_FALSE(space.mu[0].pulls());
  EXPECT_THROW(space.mu[1].resolve({"film", "music"}), InputError);
  // mu 0 once, each per-scene value with both maps; 2 lambda x 2 alpha.
  EXPECT_EQ(space.candidates().size(), (1u + 2u * 2u) * 4u);
  EXPECT_EQ(space.candidates()[4].describe(),
            "colearn mu=1/book=10 lambda=0.1 alpha=1 iterations=15");
  EXPECT_EQ(parse_search_space(space.describe(), 15).describe(), space.describe());
}

/// The halving as a plain loop: every rung trains the alive candidates, the best third goes on.
/// Survivors are the candidates with the most iterations, as schedule_cost assumes.
std::int64_t simulated_cost(std::vector<int> full) {
  std::sort(full.begin(), full.end(), std::greater<>());
  const int rungs = rung_count(static_cast<int>(full.size()));
  std::int64_t cost = 0;
  for (int rung = 0; rung < rungs; ++rung) {
    for (int f : full) {
      const double exact = f / std::pow(3.0, rungs - 1 - rung);
      cost += std::max<std::int64_t>(1, std::llround(exact));
    }
    full.resize(static_cast<std::size_t>((full.size() + 2) / 3));
  }
  return cost;
}

TEST(TuneHalving, RungsThirdsAndIterations) {
  EXPECT_EQ(rung_count(1), 1);
  EXPECT_EQ(rung_count(2), 1);
  EXPECT_EQ(rung_count(3), 2);
  EXPECT_EQ(rung_count(8), 2);
  EXPECT_EQ(rung_count(9), 3);
  EXPECT_EQ(rung_count(200), 3);
  EXPECT_EQ(survivors(20), 7);
  EXPECT_EQ(survivors(7), 3);
  EXPECT_EQ(survivors(1), 1);
  EXPECT_EQ(rung_iterations(15, 2, 3), 15);
  EXPECT_EQ(rung_iterations(15, 1, 3), 5);
  EXPECT_EQ(rung_iterations(15, 0, 3), 2);
  EXPECT_EQ(rung_iterations(2, 0, 3), 1);  // never fewer than one
  // The default space: 20 candidates of 15 iterations = 40 + 35 + 45.
  EXPECT_EQ(schedule_cost(std::vector<int>(20, 15)), 120);
  std::mt19937 random(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<int> full(1 + random() % 40);
    for (int& f : full) f = 1 + static_cast<int>(random() % 60);
    EXPECT_EQ(schedule_cost(full), simulated_cost(full)) << "trial " << trial;
  }
}

TEST(TuneHalving, SearchGroupsAreAutomaticFromFourRanksOrAsAsked) {
  EXPECT_EQ(search_groups(0, 1), 1);
  EXPECT_EQ(search_groups(0, 2), 1);
  EXPECT_EQ(search_groups(0, 3), 1);
  EXPECT_EQ(search_groups(0, 4), 2);
  EXPECT_EQ(search_groups(0, 6), 3);
  EXPECT_EQ(search_groups(0, 8), 4);
  EXPECT_EQ(search_groups(0, 10), 2);  // 5 does not count: at most 4 groups
  EXPECT_EQ(search_groups(0, 7), 1);   // no divisor leaves 2 ranks a group
  EXPECT_EQ(search_groups(3, 8), 3);   // as asked, uneven groups allowed
  EXPECT_EQ(search_groups(16, 8), 8);  // never more groups than ranks
}

/// Recall of the three cohorts and their pair counts.
CohortRecall cohorts(double warm, double cold, double cold_item, double warm_pairs,
                     double cold_pairs, double cold_item_pairs) {
  CohortRecall r;
  r.warm = warm;
  r.cold = cold;
  r.cold_item = cold_item;
  r.warm_pairs = warm_pairs;
  r.cold_pairs = cold_pairs;
  r.cold_item_pairs = cold_item_pairs;
  return r;
}

TEST(TuneChoice, ScoreIsTheMeanOfTheCohortsThatHavePairs) {
  EXPECT_DOUBLE_EQ(cohorts(0.4, 0.2, 0.9, 10, 5, 0).score(), 0.3);  // no cold-item pairs
  EXPECT_DOUBLE_EQ(cohorts(0.4, 0.9, 0, 10, 0, 0).score(), 0.4);    // no cold pairs
  EXPECT_DOUBLE_EQ(cohorts(0.0, 0.6, 0, 0, 3, 0).score(), 0.6);
  EXPECT_DOUBLE_EQ(cohorts(0.4, 0.2, 0.3, 10, 5, 7).score(), 0.3);  // all three
  EXPECT_DOUBLE_EQ(cohorts(0, 0, 0.5, 0, 0, 2).score(), 0.5);
  EXPECT_DOUBLE_EQ((CohortRecall{}).score(), 0.0);
  EXPECT_EQ(best_index({0.1, 0.3, 0.3, 0.2}), 1u);  // ties: the first listed
  EXPECT_EQ(best_index({0.5}), 0u);
}

TEST(TuneChoice, RecallOfReadsTheSumsOfOneSceneOrAll) {
  eval::MetricSums sums(2, 1);
  eval::RankingMetrics pair{};
  pair.recall = 0.5;
  sums.add(0, eval::kWarm, 0, pair);
  pair.recall = 1.0;
  sums.add(1, eval::kWarm, 0, pair);
  pair.recall = 0.25;
  sums.add(1, eval::kCold, 0, pair);
  pair.recall = 0.0;
  sums.add(0, eval::kColdItem, 0, pair);
  const CohortRecall all = recall_of(sums, -1, 0);
  EXPECT_DOUBLE_EQ(all.warm, 0.75);
  EXPECT_DOUBLE_EQ(all.cold, 0.25);
  EXPECT_DOUBLE_EQ(all.cold_item_pairs, 1.0);
  EXPECT_DOUBLE_EQ(all.score(), (0.75 + 0.25 + 0.0) / 3);
  const CohortRecall first = recall_of(sums, 0, 0);
  EXPECT_DOUBLE_EQ(first.score(), 0.25);  // warm 0.5 and cold-item 0
  EXPECT_DOUBLE_EQ(recall_of(sums, 1, 0).score(), 0.625);
}

TEST(PopularityBlend, ScoresAreTheModelsPlusBetaLogCountOrTheCount) {
  std::mt19937 random(3);
  std::normal_distribution<float> normal;
  const int k = 4, items = 9, users = 5;
  solver::Matrix x(users, k + 1), y(items, k + 1);
  for (int u = 0; u < users; ++u) {
    for (int f = 0; f < k; ++f) x(u, f) = normal(random);
    x(u, k) = 1;  // every served user row ends in 1
  }
  for (int i = 0; i < items; ++i)
    for (int f = 0; f <= k; ++f) y(i, f) = normal(random);
  std::vector<float> counts(items);
  for (int i = 0; i < items; ++i) counts[static_cast<std::size_t>(i)] = static_cast<float>(i * i);

  for (const double beta : {0.0, 0.05, 2.0}) {
    solver::Matrix blended = y;
    apply_popularity_blend(blended, counts, beta);
    for (int u = 0; u < users; ++u)
      for (int i = 0; i < items; ++i) {
        const double model = x.row(u).cast<double>().dot(y.row(i).cast<double>());
        const double want = model + beta * std::log(1.0 + counts[static_cast<std::size_t>(i)]);
        EXPECT_NEAR(x.row(u).dot(blended.row(i)), want, 1e-4) << "beta " << beta;
      }
  }
  solver::Matrix popular = y;
  apply_popularity_blend(popular, counts, kPopularityBeta);
  for (int u = 0; u < users; ++u)
    for (int i = 0; i < items; ++i)
      EXPECT_EQ(x.row(u).dot(popular.row(i)), counts[static_cast<std::size_t>(i)]);
  std::vector<float> short_counts(3);
  EXPECT_THROW(solver::blend_popularity(popular, short_counts, 1.0), InternalError);
}

// The early rungs' sample: whole users (every row of a kept user, none of the others), about
// the target share of them, the same users whatever order or split of the rows (so every rank
// count and search group draws the same), and everything below the target.
TEST(TuneValidationSample, KeepsWholeUsersAboutTheTargetShareByIdAlone) {
  std::vector<std::string> ids;
  std::vector<io::Rating> rows;
  for (int u = 0; u < 4000; ++u) {
    ids.push_back("user" + std::to_string(u));
    for (int i = 0; i < 3; ++i) rows.push_back(io::Rating{u, i, 0, 1.0f, 0, 0});
  }
  const auto id_of = [&](std::int64_t row) {
    return std::string_view(ids[static_cast<std::size_t>(row)]);
  };
  const std::int64_t total = static_cast<std::int64_t>(rows.size());
  EXPECT_EQ(sample_validation_users(rows, total, total, 1, id_of).size(), rows.size());
  const std::vector<io::Rating> kept = sample_validation_users(rows, total, total / 4, 1, id_of);
  std::vector<int> per_user(ids.size(), 0);
  for (const io::Rating& r : kept) ++per_user[static_cast<std::size_t>(r.user_row)];
  for (int count : per_user) EXPECT_TRUE(count == 0 || count == 3);
  EXPECT_NEAR(static_cast<double>(kept.size()) / static_cast<double>(total), 0.25, 0.03);
  // Half the rows on one "rank", half on another: together they keep the same rows.
  const std::vector<io::Rating> first(rows.begin(), rows.begin() + total / 2);
  const std::vector<io::Rating> second(rows.begin() + total / 2, rows.end());
  EXPECT_EQ(sample_validation_users(first, total, total / 4, 1, id_of).size() +
                sample_validation_users(second, total, total / 4, 1, id_of).size(),
            kept.size());
  // Another seed draws other users.
  EXPECT_NE(sample_validation_users(rows, total, total / 4, 2, id_of).front().user_row,
            kept.front().user_row);
}

}  // namespace
}  // namespace sceneals::tune
