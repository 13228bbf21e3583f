// The synthetic multi-scene interaction log behind `sceneals generate`: the default data set and
// the data for large benchmarks. It plants the structure that multi-scene co-learning is meant to
// find, so a model that transfers knowledge across scenes has something to transfer:
//
//  * Topics. Every item has one latent topic. Every user has 1-3 topics of interest (40% one,
//    40% two, 20% three), the SAME in every scene: this is the cross-scene signal.
//  * Scenes. Scene s has size share 1 / (1 + 0.35 s), so the first scenes are the biggest.
//    Each item belongs to one scene drawn by those shares (item s < scenes is pinned to scene s,
//    so no catalogue is empty), and 10% of items also appear in a second, uniformly chosen
//    scene. A user is active in 1 scene (20%), 2 (40%), 3 (30%) or all scenes (10%), chosen by
//    the size shares; a user of 1-3 scenes weights each of them by 0.25 + U(0,1), a user of all
//    scenes (where there are more than three) uses the global size shares.
//  * Popularity. Each scene ranks its catalogue in a seeded random order and gives rank r the
//    Zipf weight (r + 1)^-a_s, with a_s in [0.6, 1.1) different for each scene.
//  * Activity. User u draws interactions in proportion to min(100, (1 - U)^(-1/1.8)), a Pareto
//    tail: a few heavy users, yet every user has at least 1/2.25 of the mean weight, so with 10
//    interactions per user fewer than 2% of users end up with none.
//
// Interaction n: a user by activity; a scene by that user's scene weights; with probability 0.8
// one of the user's topics (uniformly), else a uniform topic; then an item of (scene, topic) by
// the scene's Zipf weights, or of the whole scene catalogue when that topic has no item there.
// value: 1 to 5 with probabilities .55/.20/.12/.08/.05. timestamp: 2024-01-01 (Unix seconds)
// plus n/interactions of a year plus up to one day of noise. Ids: "u<index>", "i<index>", from 0.
//
// Every draw is a function of (spec, index) through the stable hashes of io/id_hash.h, never
// global state: ranks can generate disjoint index ranges and the concatenation is the same
// bytes whatever the split, and a given spec gives the same file on every platform.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sceneals::generate {

/// What to generate. The option names in messages are those of `sceneals generate`.
struct SyntheticSpec {
  std::int64_t users = 5000;
  std::int64_t items = 2000;
  std::int64_t interactions = 100000;
  int scenes = 3;
  std::uint64_t seed = 42;
  int topics = 16;
};

/// "shopping", "reading", "video", "music", "news", "travel", "games", "food", then "scene8",
/// "scene9", ... : the names of the first `scenes` scenes (none when scenes <= 0).
std::vector<std::string> synthetic_scene_names(int scenes);

/// Generates the CSV lines of a SyntheticSpec. Construction precomputes sampling tables in
/// O(users + items + scenes * topics) memory; each line then costs O(1). Immutable, so it is
/// safe to share between threads.
class SyntheticGenerator {
 public:
  /// Validates the spec: users, items, interactions, scenes and topics >= 1, items >= scenes
  /// (every scene needs a catalogue). Throws InputError naming the option. Topics without items
  /// in a scene are allowed: draws of such a topic fall back to the scene's whole catalogue.
  explicit SyntheticGenerator(const SyntheticSpec& spec);

  /// The CSV header line, "user,item,scene,value,timestamp\n".
  static std::string header();

  /// Appends the CSV lines of interactions [begin, end) to `out` (0 <= begin <= end <=
  /// interactions, else InternalError). Each line depends only on (spec, index), so ranks can
  /// generate disjoint index ranges independently and the concatenation is identical whatever
  /// the split.
  void append_lines(std::int64_t begin, std::int64_t end, std::string& out) const;

  const SyntheticSpec& spec() const { return spec_; }
  const std::vector<std::string>& scene_names() const { return scene_names_; }

  // The planted truth, for tests and for anyone checking what a model recovers.

  /// The topic of item `item` (index, 0 <= item < items), in [0, topics).
  int item_topic(std::int64_t item) const;
  /// The 1 or 2 scenes whose catalogue holds `item`, primary scene first.
  std::vector<int> item_scenes(std::int64_t item) const;
  /// The 1-3 distinct topics of user `user` (index), in the order they were drawn.
  std::vector<int> user_topics(std::int64_t user) const;
  /// The scenes user `user` is active in (may draw interactions from), ascending.
  std::vector<int> user_scenes(std::int64_t user) const;
  /// The Zipf exponent a_s of scene `scene`'s popularity.
  static double zipf_exponent(int scene);

 private:
  struct Tables;  // the alias tables and per-(scene, topic) item lists, built once

  SyntheticSpec spec_;
  std::vector<std::string> scene_names_;
  std::shared_ptr<const Tables> tables_;
};

}  // namespace sceneals::generate
