// The lines `sceneals recommend` writes: CSV (header user,rank,item,score,source) or JSON lines
// (one object per recommended item), optionally with the explanation of each score. Pure text
// formatting, so the layout is unit-tested apart from the command.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sceneals::eval {

enum class RecommendationFormat { kCsv, kJsonLines };

/// Where a recommendation's score comes from: the user's vector in the scene, or (kFeatures) an
/// item with no interactions, embedded from its content features.
enum class ScoreSource {
  kTrained,     ///< trained on the user's interactions in the scene
  kBridged,     ///< cold in the scene: the scene's bridge applied to the shared factor
  kShared,      ///< cold in the scene: the shared (or pooled) factor itself, no bridge
  kPopularity,  ///< the unit row [0, 1]: the scene's popular items (independent, popularity kinds)
  kFoldedIn,    ///< solved now from the items given on the command line
  kFeatures,    ///< the item has no interactions: its row is W_s' [f_i, 1] of its features
};
/// "trained", "bridged", "shared", "popularity", "folded-in" or "features".
const char* source_name(ScoreSource source);

/// The parts of one score (solver/score_explanation.h); they add up to the score.
struct ExplanationParts {
  std::vector<std::pair<std::string, double>> top_items;  ///< past items, largest share first
  double other_items = 0;                                 ///< the rest of the past items
  double item_bias = 0;                                   ///< b_i
  double unobserved_items = 0;  ///< the unobserved items' biases seen through W
  double prior = 0;             ///< the cross-scene prior seen through W
  double transferred = 0;       ///< x . y_i of a vector not solved from items in the scene
  double refit = 0;             ///< stored score minus the score of the re-solved user step
};

/// The CSV header line (with '\n'); empty for JSON lines.
std::string recommendation_header(RecommendationFormat format, bool explain);

/// Appends one recommended item as a line. `parts` is nullptr without --explain.
/// CSV: user,rank,item,score,source[,because,other_items,item_bias,unobserved_items,prior,
/// transferred,refit] with because = "item=share;item=share" (RFC 4180 quoting where needed).
/// JSON: {"user":..,"rank":..,"item":..,"score":..,"source":..[,"explanation":{"items":[{"item":
/// ..,"contribution":..}],"other_items":..,...}]}. Numbers print with 9 significant digits (a
/// float32 reads back exactly); a non-finite number is written as JSON null / an empty CSV field.
void append_recommendation(std::string& out, RecommendationFormat format, const std::string& user,
                           int rank, const std::string& item, float score, ScoreSource source,
                           const ExplanationParts* parts);

}  // namespace sceneals::eval
