// Item content features for the synthetic log (`sceneals generate --item-features`): what an
// encoder would say about each item, as a noisy projection of the planted truth. Each topic t
// gets a fixed random unit direction e_t in R^D; item i's features are
//
//   f_i = e_topic(i) + noise * g_i,   g_i ~ N(0, I / D)   (so |noise * g_i| is about `noise`)
//
// With noise 0 the features name the topic exactly (and a cold item is as placeable as its
// topic); as the noise grows they tell less and less, and at a few times 1 almost nothing.
// Every value is a function of (seed, item, coordinate) through the stable hashes, so ranks
// write disjoint item ranges and the file is the same whatever their number.
#pragma once

#include <cstdint>
#include <string>

#include "generate/synthetic_data.h"

namespace sceneals::generate {

struct FeatureSpec {
  int dimensions = 16;
  double noise = 0.5;
};

class ItemFeatureGenerator {
 public:
  /// Validates the spec: dimensions in [1, 4096], noise >= 0 (InputError naming the option).
  ItemFeatureGenerator(const SyntheticGenerator& items, const FeatureSpec& spec);

  /// "item,f0,...,f{D-1}\n".
  std::string header() const;
  /// Appends the rows of items [begin, end) ("i<index>,<D values>") to `out`.
  void append_lines(std::int64_t begin, std::int64_t end, std::string& out) const;
  /// The D features of one item.
  void features(std::int64_t item, double* out) const;

 private:
  const SyntheticGenerator& items_;
  FeatureSpec spec_;
  std::uint64_t direction_key_, noise_key_;
};

}  // namespace sceneals::generate
