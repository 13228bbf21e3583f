// The lines of `sceneals recommend`, by hand-written tables: the CSV header and rows (RFC 4180
// quoting of ids), JSON lines (escaped strings, null for a non-finite number), with and without
// explanations.
#include "eval/recommendation_format.h"

#include <gtest/gtest.h>

#include <limits>

namespace sceneals::eval {
namespace {

ExplanationParts parts() {
  ExplanationParts p;
  p.top_items = {{"i7", 0.25}, {"i,3", 0.125}};
  p.other_items = -0.0625;
  p.item_bias = 0.5;
  p.unobserved_items = -0.03125;
  p.prior = 0.015625;
  p.refit = 0.001;
  return p;
}

TEST(RecommendationFormat, Csv) {
  EXPECT_EQ(recommendation_header(RecommendationFormat::kCsv, false),
            "user,rank,item,score,source\n");
  EXPECT_EQ(recommendation_header(RecommendationFormat::kCsv, true),
            "user,rank,item,score,source,because,other_items,item_bias,unobserved_items,prior,"
            "transferred,refit\n");
  std::string out;
  append_recommendation(out, RecommendationFormat::kCsv, "u1", 1, "i9", 0.75f,
                        ScoreSource::kTrained, nullptr);
  append_recommendation(out, RecommendationFormat::kCsv, "u,\"2\"", 2, "i9", 0.1f,
                        ScoreSource::kBridged, nullptr);
  EXPECT_EQ(out, "u1,1,i9,0.75,trained\n\"u,\"\"2\"\"\",2,i9,0.100000001,bridged\n");
  out.clear();
  const ExplanationParts p = parts();
  append_recommendation(out, RecommendationFormat::kCsv, "u1", 3, "i2", 0.798f,
                        ScoreSource::kFoldedIn, &p);
  EXPECT_EQ(out,
            "u1,3,i2,0.797999978,folded-in,\"i7=0.25;i,3=0.125\",-0.0625,0.5,-0.03125,0.015625,0,"
            "0.001\n");
}

TEST(RecommendationFormat, JsonLines) {
  EXPECT_EQ(recommendation_header(RecommendationFormat::kJsonLines, true), "");
  std::string out;
  append_recommendation(out, RecommendationFormat::kJsonLines, "u\"1\\", 1, "i\n9",
                        std::numeric_limits<float>::quiet_NaN(), ScoreSource::kPopularity, nullptr);
  EXPECT_EQ(out,
            "{\"user\": \"u\\\"1\\\\\", \"rank\": 1, \"item\": \"i\\n9\", \"score\": null, "
            "\"source\": \"popularity\"}\n");
  out.clear();
  const ExplanationParts p = parts();
  append_recommendation(out, RecommendationFormat::kJsonLines, "u1", 2, "i2", 0.5f,
                        ScoreSource::kShared, &p);
  EXPECT_EQ(out,
            "{\"user\": \"u1\", \"rank\": 2, \"item\": \"i2\", \"score\": 0.5, \"source\": "
            "\"shared\", \"explanation\": {\"items\": [{\"item\": \"i7\", \"contribution\": "
            "0.25}, {\"item\": \"i,3\", \"contribution\": 0.125}], \"other_items\": -0.0625, "
            "\"item_bias\": 0.5, \"unobserved_items\": -0.03125, \"prior\": 0.015625, "
            "\"transferred\": 0, \"refit\": 0.001}}\n");
}

}  // namespace
}  // namespace sceneals::eval
