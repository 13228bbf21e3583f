// What `sceneals train --tune` searches: the hyper-parameters a candidate is trained with (model
// kind, mu, lambda, alpha, iterations), and the ones chosen per scene on the trained model
// without training again (the bridge's ridge, and beta, the weight of the popularity blend
// score + beta * log(1 + training count of the item)). Given as `--tune-space` text such as
// "mu=0,1,10,100 lambda=0.1,1 beta=0,0.1,popularity"; a dimension not named keeps its default.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "solver/als_params.h"

namespace sceneals::tune {

/// beta that stands for "fall back to popularity": large enough that the blend ranks by the
/// training count, the model's score only breaking ties. Printed and stored as "popularity".
inline constexpr double kPopularityBeta = 1e4;

/// mu of a candidate: one value for every scene, or per-scene values over a default. Written
/// "10" or "1/book=10/music=0" (a bare value, 0 when absent, then scene=value parts).
struct MuValue {
  float all = 0;
  std::vector<std::pair<std::string, float>> by_scene;
  bool operator==(const MuValue& other) const {
    return all == other.all && by_scene == other.by_scene;
  }
  /// Some scene's mu is > 0 (the map matters only then).
  bool pulls() const;
  std::string describe() const;
  /// mu per scene of `scenes` (the job's scene list); InputError naming --tune-space for a scene
  /// that is not in it.
  std::vector<float> resolve(const std::vector<std::string>& scenes) const;
};

/// One trained candidate.
struct Setting {
  solver::ModelKind kind = solver::ModelKind::kColearn;
  MuValue mu;                 ///< colearn only
  float scene_map_ridge = 0;  ///< the scene map's ridge (colearn with mu > 0 only); 0: no map
  float feature_weight = 0;   ///< the item feature prior's weight (with item features); 0: none
  float lambda = 0.1f;
  float alpha = 10.0f;
  int iterations = 15;

  /// "colearn mu=10 lambda=0.1 alpha=10 iterations=15" (pooled: no mu).
  std::string describe() const;
};

struct SearchSpace {
  std::vector<solver::ModelKind> kinds;
  std::vector<MuValue> mu;
  std::vector<float> lambda, alpha;
  std::vector<float> map;  ///< scene map ridges, 0 for none (solver/scene_map.h)
  /// Feature prior weights (solver/feature_map.h), searched only when `features_given`.
  std::vector<float> feature;
  bool features_given = false;
  std::vector<int> iterations;
  std::vector<double> ridge;
  std::vector<double> beta;

  /// Every combination of the trained dimensions, in a fixed order; a pooled candidate ignores
  /// mu, so it appears once per (lambda, alpha, iterations); the map matters only where mu > 0,
  /// the feature weight only with item features (and not for pooled, which has no such prior).
  std::vector<Setting> candidates() const;
  /// "kind=colearn,pooled mu=0,1 ..." in the syntax parse_search_space reads.
  std::string describe() const;
};

/// The default space: kind colearn and pooled, mu 0, 1, 10, 100, map 0, 10, feature 0, 100 (with
/// item features), lambda 0.1, 1, alpha 1, 10, iterations `iterations`, ridge 10, 100, beta 0,
/// 0.01, 0.03, 0.1, 0.3, 1, popularity.
SearchSpace default_search_space(int iterations);

/// Pure. `text`: whitespace- or ';'-separated `name=value,value,...` items, names kind, mu
/// (each value a MuValue, e.g. mu=0,10,1/book=10),
/// map, feature, lambda, alpha, iterations, ridge, beta (beta also takes `popularity`). InputError
/// naming
/// --tune-space for an unknown name, a bad or out-of-range value, or an empty list.
SearchSpace parse_search_space(const std::string& text, int iterations);

/// "popularity" for kPopularityBeta, else the number.
std::string beta_text(double beta);

}  // namespace sceneals::tune
