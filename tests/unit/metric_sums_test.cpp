// MetricSums: cells land where the layout says, merge is elementwise, the overall mean weighs
// every (user, scene) pair equally (not every scene), and coverage is recommended over catalogue
// (overall: over the scenes where the cohort has pairs).
#include "eval/metric_sums.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "mpi/error.h"

namespace sceneals::eval {
namespace {

constexpr Metric kPairMetrics[] = {Metric::kPrecision, Metric::kRecall, Metric::kF1,
                                   Metric::kNdcg,      Metric::kMap,    Metric::kHitRate,
                                   Metric::kDiversity, Metric::kNovelty};

/// One pair's metrics of both kinds.
struct PairMetrics {
  RankingMetrics ranking;
  ListMetrics list;
};

/// Distinct values per field, so a field stored in the wrong slot shows up.
PairMetrics distinct_metrics(double base) {
  PairMetrics m;
  m.ranking.precision = base + 0.01;
  m.ranking.recall = base + 0.02;
  m.ranking.f1 = base + 0.03;
  m.ranking.ndcg = base + 0.04;
  m.ranking.average_precision = base + 0.05;
  m.ranking.hit_rate = base + 0.06;
  m.list.diversity = base + 0.07;
  m.list.novelty = base + 0.08;
  return m;
}

void add(MetricSums& sums, int scene, int cohort, int k_index, const PairMetrics& m) {
  sums.add(scene, cohort, k_index, m.ranking, m.list);
}

double field(const PairMetrics& m, Metric metric) {
  switch (metric) {
    case Metric::kPrecision:
      return m.ranking.precision;
    case Metric::kRecall:
      return m.ranking.recall;
    case Metric::kF1:
      return m.ranking.f1;
    case Metric::kNdcg:
      return m.ranking.ndcg;
    case Metric::kMap:
      return m.ranking.average_precision;
    case Metric::kHitRate:
      return m.ranking.hit_rate;
    case Metric::kDiversity:
      return m.list.diversity;
    case Metric::kNovelty:
      return m.list.novelty;
    case Metric::kCoverage:  // not a per-pair metric
      break;
  }
  return -1;
}

TEST(MetricSums, StartsAtZeroWithFlatLayout) {
  MetricSums sums(3, 2);
  EXPECT_EQ(sums.scenes(), 3);
  EXPECT_EQ(sums.ks(), 2);
  // 3 scenes x 3 cohorts x 2 Ks x (8 sums + 1 count + 2 coverage numbers).
  ASSERT_EQ(sums.data().size(), 3u * 3u * 2u * 11u);
  for (double v : sums.data()) EXPECT_EQ(v, 0.0);
  EXPECT_EQ(sums.count(2, kCold, 1), 0.0);
  EXPECT_EQ(sums.mean(2, kCold, 1, Metric::kRecall), 0.0);  // empty cell: 0, not NaN
  EXPECT_EQ(sums.overall_mean(kWarm, 0, Metric::kNdcg), 0.0);
  EXPECT_EQ(sums.coverage(2, kCold, 1), 0.0);
  EXPECT_EQ(sums.overall_coverage(kWarm, 0), 0.0);
}

TEST(MetricSums, AddFillsOnlyItsCellAndMeansEachField) {
  MetricSums sums(3, 2);
  add(sums, 1, kCold, 1, distinct_metrics(0.1));
  add(sums, 1, kCold, 1, distinct_metrics(0.5));
  // Exactly 9 entries changed: the cell's eight sums and its count.
  int nonzero = 0;
  for (double v : sums.data()) nonzero += v != 0.0;
  EXPECT_EQ(nonzero, 9);
  // The documented offset: ((scene * 3 + cohort) * ks + k_index) * 11; count after the sums.
  const std::size_t at = ((1 * 3 + 1) * 2 + 1) * 11;
  EXPECT_DOUBLE_EQ(sums.data()[at + 0], 0.11 + 0.51);
  EXPECT_DOUBLE_EQ(sums.data()[at + 5], 0.16 + 0.56);
  EXPECT_DOUBLE_EQ(sums.data()[at + 7], 0.18 + 0.58);
  EXPECT_EQ(sums.data()[at + 8], 2.0);

  EXPECT_EQ(sums.count(1, kCold, 1), 2.0);
  EXPECT_EQ(sums.count(1, kWarm, 1), 0.0);
  EXPECT_EQ(sums.count(1, kCold, 0), 0.0);
  for (Metric metric : kPairMetrics) {
    // Mean of base 0.1 and 0.5 plus the field's offset.
    const double expected =
        (field(distinct_metrics(0.1), metric) + field(distinct_metrics(0.5), metric)) / 2;
    EXPECT_NEAR(sums.mean(1, kCold, 1, metric), expected, 1e-15) << metric_name(metric);
  }
}

TEST(MetricSums, MergeIsElementwiseSum) {
  MetricSums a(2, 3);
  MetricSums b(2, 3);
  MetricSums all(2, 3);
  add(a, 0, kWarm, 0, distinct_metrics(0.2));
  add(a, 1, kCold, 2, distinct_metrics(0.3));
  add(b, 0, kWarm, 0, distinct_metrics(0.4));
  add(b, 1, kWarm, 1, distinct_metrics(0.7));
  for (const auto& [s, c, k, base] : {std::tuple{0, kWarm, 0, 0.2}, std::tuple{1, kCold, 2, 0.3},
                                      std::tuple{0, kWarm, 0, 0.4}, std::tuple{1, kWarm, 1, 0.7}})
    add(all, s, c, k, distinct_metrics(base));

  std::vector<double> by_hand = a.data();
  for (std::size_t i = 0; i < by_hand.size(); ++i) by_hand[i] += b.data()[i];
  a.merge(b);
  EXPECT_EQ(a.data(), by_hand);
  for (std::size_t i = 0; i < all.data().size(); ++i)
    EXPECT_DOUBLE_EQ(a.data()[i], all.data()[i]) << "entry " << i;
  EXPECT_EQ(a.count(0, kWarm, 0), 2.0);
  EXPECT_NEAR(a.mean(0, kWarm, 0, Metric::kPrecision), (0.21 + 0.41) / 2, 1e-15);
}

TEST(MetricSums, OverallMeanWeighsPairsNotScenes) {
  MetricSums sums(3, 1);
  RankingMetrics perfect;
  perfect.precision = 1;
  perfect.hit_rate = 1;
  const RankingMetrics miss;
  // Scene 0: one perfect pair. Scene 1: three misses. Scene 2: no warm pairs.
  sums.add(0, kWarm, 0, perfect);
  for (int i = 0; i < 3; ++i) sums.add(1, kWarm, 0, miss);
  // A cold pair must not leak into the warm figures.
  sums.add(2, kCold, 0, perfect);

  EXPECT_EQ(sums.mean(0, kWarm, 0, Metric::kPrecision), 1.0);
  EXPECT_EQ(sums.mean(1, kWarm, 0, Metric::kPrecision), 0.0);
  // Over pairs: (1 + 0 + 0 + 0) / 4 = 0.25; the mean of scene means would be 0.5.
  EXPECT_EQ(sums.overall_count(kWarm, 0), 4.0);
  EXPECT_DOUBLE_EQ(sums.overall_mean(kWarm, 0, Metric::kPrecision), 0.25);
  EXPECT_DOUBLE_EQ(sums.overall_mean(kWarm, 0, Metric::kHitRate), 0.25);
  EXPECT_EQ(sums.overall_count(kCold, 0), 1.0);
  EXPECT_EQ(sums.overall_mean(kCold, 0, Metric::kPrecision), 1.0);
}

TEST(MetricSums, CoverageNumbersLandInTheirSlotsAndAddUp) {
  MetricSums sums(2, 3);
  add(sums, 1, kWarm, 2, distinct_metrics(0.1));
  // Two contributions to one cell add up: (3 + 4) of (6 + 4).
  sums.add_coverage(1, kWarm, 2, 3, 6);
  sums.add_coverage(1, kWarm, 2, 4, 4);
  const std::size_t at = ((1 * 3 + kWarm) * 3 + 2) * 11;
  EXPECT_EQ(sums.data()[at + 9], 7.0);    // recommended
  EXPECT_EQ(sums.data()[at + 10], 10.0);  // catalogue
  int nonzero = 0;
  for (double v : sums.data()) nonzero += v != 0.0;
  EXPECT_EQ(nonzero, 11);  // the eight sums, the count and the two coverage numbers of that cell
  EXPECT_EQ(sums.recommended_items(1, kWarm, 2), 7.0);
  EXPECT_EQ(sums.catalogue_items(1, kWarm, 2), 10.0);
  EXPECT_DOUBLE_EQ(sums.coverage(1, kWarm, 2), 0.7);
  EXPECT_DOUBLE_EQ(sums.mean(1, kWarm, 2, Metric::kCoverage), 0.7);
  // A cell with coverage numbers but no pairs reports 0.
  sums.add_coverage(0, kCold, 0, 2, 8);
  EXPECT_EQ(sums.coverage(0, kCold, 0), 0.0);
  // recommended must lie in [0, catalogue].
  EXPECT_THROW(sums.add_coverage(0, kWarm, 0, 5, 4), InternalError);
  EXPECT_THROW(sums.add_coverage(0, kWarm, 0, -1, 4), InternalError);
  EXPECT_THROW(sums.add_coverage(2, kWarm, 0, 1, 4), InternalError);
}

TEST(MetricSums, OverallCoverageIsTotalRecommendedOverTotalCatalogueOfScenesWithPairs) {
  MetricSums sums(3, 2);
  // Scene 0: 2 of 4 items, one warm pair. Scene 1: 9 of 12, three warm pairs. Scene 2: 0 of 100
  // and no warm pair at K index 0 (only a cold one): left out of the warm overall.
  add(sums, 0, kWarm, 0, distinct_metrics(0.1));
  for (int i = 0; i < 3; ++i) add(sums, 1, kWarm, 0, distinct_metrics(0.2));
  add(sums, 2, kCold, 0, distinct_metrics(0.3));
  sums.add_coverage(0, kWarm, 0, 2, 4);
  sums.add_coverage(1, kWarm, 0, 9, 12);
  sums.add_coverage(2, kWarm, 0, 0, 100);
  sums.add_coverage(2, kCold, 0, 30, 100);
  // (2 + 9) / (4 + 12) = 11/16, not the mean of scene ratios (0.5 + 0.75) / 2 = 0.625.
  EXPECT_DOUBLE_EQ(sums.overall_coverage(kWarm, 0), 11.0 / 16.0);
  EXPECT_DOUBLE_EQ(sums.overall_mean(kWarm, 0, Metric::kCoverage), 11.0 / 16.0);
  EXPECT_DOUBLE_EQ(sums.overall_coverage(kCold, 0), 0.3);
  EXPECT_EQ(sums.overall_coverage(kWarm, 1), 0.0);  // no pairs at that K
  // Coverage does not disturb the per-pair means.
  EXPECT_NEAR(sums.overall_mean(kWarm, 0, Metric::kPrecision), (0.11 + 3 * 0.21) / 4, 1e-15);
}

TEST(MetricSums, RejectsOutOfRangeAndShapeMismatch) {
  MetricSums sums(2, 2);
  EXPECT_THROW(sums.add(2, kWarm, 0, RankingMetrics{}), InternalError);
  EXPECT_THROW(sums.add(0, 3, 0, RankingMetrics{}), InternalError);
  EXPECT_THROW(sums.add(0, kWarm, 2, RankingMetrics{}), InternalError);
  EXPECT_THROW(sums.mean(-1, kWarm, 0, Metric::kF1), InternalError);
  EXPECT_THROW(sums.merge(MetricSums(2, 3)), InternalError);
  EXPECT_THROW(sums.merge(MetricSums(3, 2)), InternalError);
  EXPECT_THROW(MetricSums(-1, 2), InternalError);
}

TEST(MetricSums, MetricNames) {
  EXPECT_EQ(std::string(metric_name(Metric::kPrecision)), "precision");
  EXPECT_EQ(std::string(metric_name(Metric::kRecall)), "recall");
  EXPECT_EQ(std::string(metric_name(Metric::kF1)), "f1");
  EXPECT_EQ(std::string(metric_name(Metric::kNdcg)), "ndcg");
  EXPECT_EQ(std::string(metric_name(Metric::kMap)), "map");
  EXPECT_EQ(std::string(metric_name(Metric::kHitRate)), "hit_rate");
  EXPECT_EQ(std::string(metric_name(Metric::kDiversity)), "diversity");
  EXPECT_EQ(std::string(metric_name(Metric::kNovelty)), "novelty");
  EXPECT_EQ(std::string(metric_name(Metric::kCoverage)), "coverage");
}

}  // namespace
}  // namespace sceneals::eval
