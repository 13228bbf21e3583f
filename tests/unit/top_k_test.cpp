// Top-K selection: hand cases, then the bounded heap against a full sort (the reference) on many
// random score arrays with repeated values.
#include "eval/top_k.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "mpi/error.h"

namespace sceneals::eval {
namespace {

using Indices = std::vector<std::int32_t>;

Indices run_top_k(const std::vector<float>& scores, int k, const Indices& excluded = {}) {
  return top_k(scores.data(), static_cast<std::int64_t>(scores.size()), k, excluded);
}

/// Reference: every non-excluded index, fully sorted by (score descending, index ascending),
/// then cut at k. Exclusion by a plain membership test, not by walking the sorted list.
Indices reference_top_k(const std::vector<float>& scores, int k, const Indices& excluded) {
  Indices candidates;
  for (std::int32_t i = 0; i < static_cast<std::int32_t>(scores.size()); ++i)
    if (std::find(excluded.begin(), excluded.end(), i) == excluded.end()) candidates.push_back(i);
  std::sort(candidates.begin(), candidates.end(), [&](std::int32_t a, std::int32_t b) {
    if (scores[a] != scores[b]) return scores[a] > scores[b];
    return a < b;
  });
  const auto cut = static_cast<std::size_t>(k);
  if (candidates.size() > cut) candidates.resize(cut);
  return candidates;
}

TEST(TopK, PicksHighestBestFirst) {
  EXPECT_EQ(run_top_k({0.1f, 0.9f, 0.5f, 0.7f, 0.3f}, 3), (Indices{1, 3, 2}));
  EXPECT_EQ(run_top_k({0.1f, 0.9f, 0.5f, 0.7f, 0.3f}, 1), (Indices{1}));
  EXPECT_EQ(run_top_k({-3.f, -1.f, -2.f}, 2), (Indices{1, 2}));
}

TEST(TopK, TiesGoToTheLowerIndex) {
  // Scores 2 at indices 1, 3, 4; 1 at 0 and 2.
  const std::vector<float> scores = {1.f, 2.f, 1.f, 2.f, 2.f};
  EXPECT_EQ(run_top_k(scores, 2), (Indices{1, 3}));
  EXPECT_EQ(run_top_k(scores, 4), (Indices{1, 3, 4, 0}));
  EXPECT_EQ(run_top_k(std::vector<float>(6, 0.5f), 3), (Indices{0, 1, 2}));
  // The best items arrive last: every one must displace an earlier, worse one.
  EXPECT_EQ(run_top_k({1.f, 1.f, 1.f, 5.f, 5.f}, 3), (Indices{3, 4, 0}));
}

TEST(TopK, SkipsExcludedItems) {
  const std::vector<float> scores = {0.1f, 0.9f, 0.5f, 0.7f, 0.3f};
  EXPECT_EQ(run_top_k(scores, 2, {1}), (Indices{3, 2}));
  EXPECT_EQ(run_top_k(scores, 2, {1, 3}), (Indices{2, 4}));
  EXPECT_EQ(run_top_k(scores, 5, {0, 4}), (Indices{1, 3, 2}));
  // First and last index excluded, duplicates and out-of-range entries ignored.
  EXPECT_EQ(run_top_k(scores, 5, {-4, 0, 0, 4, 9}), (Indices{1, 3, 2}));
  EXPECT_TRUE(run_top_k(scores, 3, {0, 1, 2, 3, 4}).empty());
}

TEST(TopK, ReturnsFewerWhenCandidatesRunOut) {
  EXPECT_EQ(run_top_k({0.2f, 0.4f}, 5), (Indices{1, 0}));
  EXPECT_EQ(run_top_k({0.2f, 0.4f, 0.3f}, 10, {1}), (Indices{2, 0}));
  EXPECT_EQ(run_top_k({0.2f}, std::numeric_limits<int>::max()), (Indices{0}));
}

TEST(TopK, ZeroKOrNoItemsGiveNothing) {
  EXPECT_TRUE(run_top_k({0.2f, 0.4f}, 0).empty());
  EXPECT_TRUE(run_top_k({}, 3).empty());
  EXPECT_TRUE(top_k(nullptr, 0, 5, {}).empty());
  EXPECT_TRUE(top_k(nullptr, 0, 5, {0, 2}).empty());
}

TEST(TopK, NanRanksLast) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(run_top_k({nan, 0.1f, nan, -5.f}, 4), (Indices{1, 3, 0, 2}));
  EXPECT_EQ(run_top_k({nan, 0.1f, nan, -5.f}, 2), (Indices{1, 3}));
}

TEST(TopK, RejectsUnsortedExclusionsAndNegativeK) {
  EXPECT_THROW(run_top_k({0.1f, 0.2f, 0.3f}, 2, {2, 1}), InternalError);
  EXPECT_THROW(run_top_k({0.1f, 0.2f, 0.3f}, -1), InternalError);
}

TEST(TopK, WorkspaceVariantOverwritesOutput) {
  Indices workspace = {7, 7, 7, 7, 7, 7, 7, 7};
  Indices out = {42, 43};
  const std::vector<float> first = {0.3f, 0.1f, 0.2f};
  top_k_into(first.data(), 3, 2, {}, workspace, out);
  EXPECT_EQ(out, (Indices{0, 2}));
  const std::vector<float> second = {0.1f, 0.5f, 0.4f, 0.9f};
  top_k_into(second.data(), 4, 3, {3}, workspace, out);
  EXPECT_EQ(out, (Indices{1, 2, 0}));
  top_k_into(second.data(), 4, 0, {}, workspace, out);
  EXPECT_TRUE(out.empty());
}

TEST(TopK, MatchesFullSortOnRandomArraysWithDuplicates) {
  std::mt19937 rng(12345);
  Indices workspace;
  Indices out;
  for (int trial = 0; trial < 3000; ++trial) {
    const int n = std::uniform_int_distribution<int>(0, 200)(rng);
    // Few distinct values make ties common; sometimes many distinct values.
    const int distinct = std::uniform_int_distribution<int>(1, trial % 3 == 0 ? 1000 : 8)(rng);
    std::uniform_int_distribution<int> value(0, distinct - 1);
    std::vector<float> scores(static_cast<std::size_t>(n));
    for (float& s : scores) s = static_cast<float>(value(rng)) * 0.25f - 1.0f;
    Indices excluded;
    const double exclude_rate = std::uniform_real_distribution<double>(0.0, 0.9)(rng);
    std::bernoulli_distribution exclude(exclude_rate);
    for (std::int32_t i = 0; i < n; ++i)
      if (exclude(rng)) excluded.push_back(i);
    // Small K as in evaluation half the time; otherwise anything up to beyond n.
    const int k = std::uniform_int_distribution<int>(0, trial % 2 == 0 ? 25 : n + 5)(rng);

    const Indices expected = reference_top_k(scores, k, excluded);
    top_k_into(scores.data(), n, k, excluded, workspace, out);
    ASSERT_EQ(out, expected) << "trial " << trial << " n=" << n << " k=" << k;
    ASSERT_EQ(run_top_k(scores, k, excluded), expected) << "trial " << trial;
  }
}

}  // namespace
}  // namespace sceneals::eval
