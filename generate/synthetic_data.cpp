// The synthetic generator: sampling tables built once, then one O(1) draw per line. The model
// it plants is described in synthetic_data.h; the numbers below are that description's.
#include "generate/synthetic_data.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "io/id_hash.h"
#include "mpi/error.h"

namespace sceneals::generate {

// The stable hashes every draw is a function of (shared with the reader's id hashing).
using io::hash_combine;
using io::hash_id;
using io::hash_to_unit;
using io::mix64;
namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

constexpr double kInterestProbability = 0.8;  // topic from the user's interests, else uniform
constexpr double kSecondSceneProbability = 0.1;
constexpr double kSceneShareDecay = 0.35;        // share of scene s: 1 / (1 + 0.35 s)
constexpr double kActivityTail = 1.8;            // Pareto exponent of user activity
constexpr double kMaxActivity = 100.0;           // caps the heaviest users at 100x the lightest
constexpr std::int64_t kStartTime = 1704067200;  // 2024-01-01T00:00:00Z
constexpr std::int64_t kTimeSpan = 365 * 86400;  // index 0 .. interactions spread over a year
constexpr std::int64_t kTimeNoise = 86400;       // up to a day later than the trend
constexpr int kMaxPicks = 3;                     // at most 3 topics, and 3 scenes unless "all"

/// Uniform integer in [0, n) from the high bits of a hash (multiply-shift, no modulo bias worth
/// the name for n far below 2^64).
std::int64_t uniform_index(std::uint64_t hash, std::int64_t n) {
  __extension__ using Wide = unsigned __int128;  // GCC/Clang extension, as in io/id_hash.h
  return static_cast<std::int64_t>((static_cast<Wide>(hash) * static_cast<std::uint64_t>(n)) >> 64);
}

/// A splitmix64 sequence started from one hash: all the draws one user, item or interaction
/// needs, so each is a pure function of its key.
class HashStream {
 public:
  explicit HashStream(std::uint64_t start) : state_(start) {}
  std::uint64_t next() {
    state_ += kGolden;
    return mix64(state_);
  }
  double unit() { return hash_to_unit(next()); }
  std::int64_t index(std::int64_t n) { return uniform_index(next(), n); }

 private:
  std::uint64_t state_;
};

/// Many discrete distributions in one flat array, each sampled in O(1) by Walker's alias method
/// (Vose's construction). A draw returns the flat position begin(list) + local index, so callers
/// keep whatever the entries stand for in a parallel array.
class AliasLists {
 public:
  /// Adds the next list (numbered from 0); weights must be > 0 and may be empty.
  void add(const std::vector<double>& weights) {
    const auto n = static_cast<std::int64_t>(weights.size());
    const std::int64_t base = offsets_.back();
    offsets_.push_back(base + n);
    slots_.resize(static_cast<std::size_t>(base + n));
    double total = 0;
    for (double w : weights) total += w;
    std::vector<double> scaled(weights.size());
    std::vector<std::int64_t> small, large;
    for (std::int64_t i = 0; i < n; ++i) {
      scaled[i] = weights[i] * static_cast<double>(n) / total;
      (scaled[i] < 1.0 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
      const std::int64_t s = small.back();
      small.pop_back();
      const std::int64_t l = large.back();
      slots_[base + s] = {scaled[s], base + l};
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // What is left holds probability 1 up to rounding.
    for (const auto* rest : {&small, &large})
      for (std::int64_t i : *rest) slots_[base + i] = {1.0, base + i};
  }

  std::int64_t size(std::int64_t list) const { return offsets_[list + 1] - offsets_[list]; }

  /// Flat position of a draw from `list` (non-empty), from two independent hashes.
  std::int64_t sample(std::int64_t list, std::uint64_t slot_hash, std::uint64_t coin_hash) const {
    const Slot& slot = slots_[offsets_[list] + uniform_index(slot_hash, size(list))];
    const std::int64_t self = &slot - slots_.data();
    return hash_to_unit(coin_hash) < slot.keep ? self : slot.alias;
  }

 private:
  struct Slot {
    double keep = 1.0;       // probability of keeping this slot rather than its alias
    std::int64_t alias = 0;  // flat position
  };
  std::vector<std::int64_t> offsets_{0};
  std::vector<Slot> slots_;  // interleaved so that a draw touches one cache line
};

/// Draws `count` distinct values by repeating `draw`; rejection keeps the draws' distribution.
/// The cap bounds the work in a pathological case, where the smallest unused values fill up.
template <class DrawFn>
void draw_distinct(int count, int range, DrawFn&& draw, std::array<int, kMaxPicks>& out) {
  int have = 0;
  const auto take_if_new = [&](int value) {
    const auto taken = out.begin() + have;
    if (std::find(out.begin(), taken, value) == taken) out[have++] = value;
  };
  for (int attempt = 0; have < count && attempt < 64; ++attempt) take_if_new(draw());
  for (int value = 0; have < count && value < range; ++value) take_if_new(value);
}

struct ItemTruth {
  int topic = 0;
  int primary_scene = 0;
  int second_scene = -1;  // -1: in one scene only
};

struct UserProfile {
  std::array<int, kMaxPicks> topics{};
  int topic_count = 0;
  std::array<int, kMaxPicks> scenes{};  // unused when all_scenes
  std::array<double, kMaxPicks> scene_weights{};
  int scene_count = 0;
  bool all_scenes = false;  // a broad user of more than three scenes: global size shares
};

struct InteractionDraw {
  std::int64_t user = 0;
  std::int64_t item = 0;
  int scene = 0;
  int value = 1;
  std::int64_t timestamp = 0;
};

}  // namespace

struct SyntheticGenerator::Tables {
  explicit Tables(const SyntheticSpec& spec);

  ItemTruth item(std::int64_t item) const;
  UserProfile user(std::int64_t user) const;
  InteractionDraw interaction(std::int64_t n) const;

  std::int64_t interactions;
  int scenes;
  int topics;
  // Independent hash functions for each kind of decision, all derived from the seed.
  std::uint64_t activity_key, profile_key, item_key, rank_key, interaction_key;
  AliasLists user_activity;  // one list: user index
  AliasLists scene_shares;   // one list: scene index
  AliasLists catalogues;     // list s: scene s's items by Zipf popularity
  AliasLists topic_lists;    // list s * topics + t: the same, restricted to topic t
  std::vector<std::int64_t> catalogue_items;  // item at each flat position of `catalogues`
  std::vector<std::int64_t> topic_list_items;
};

SyntheticGenerator::Tables::Tables(const SyntheticSpec& spec)
    : interactions(spec.interactions),
      scenes(spec.scenes),
      topics(spec.topics),
      activity_key(hash_id("activity", spec.seed)),
      profile_key(hash_id("profile", spec.seed)),
      item_key(hash_id("item", spec.seed)),
      rank_key(hash_id("rank", spec.seed)),
      interaction_key(hash_id("interaction", spec.seed)) {
  std::vector<double> weights(static_cast<std::size_t>(scenes));
  for (int s = 0; s < scenes; ++s) weights[s] = 1.0 / (1.0 + kSceneShareDecay * s);
  scene_shares.add(weights);

  weights.resize(static_cast<std::size_t>(spec.users));
  for (std::int64_t u = 0; u < spec.users; ++u) {
    const double uniform = hash_to_unit(hash_combine(activity_key, static_cast<std::uint64_t>(u)));
    weights[u] = std::min(kMaxActivity, std::pow(1.0 - uniform, -1.0 / kActivityTail));
  }
  user_activity.add(weights);

  // Catalogue entries per scene as (rank hash, item): sorting them gives the popularity order.
  std::vector<std::vector<std::pair<std::uint64_t, std::int64_t>>> catalogue(scenes);
  std::vector<int> item_topics(static_cast<std::size_t>(spec.items));
  for (std::int64_t i = 0; i < spec.items; ++i) {
    const ItemTruth truth = item(i);
    item_topics[i] = truth.topic;
    for (int s : {truth.primary_scene, truth.second_scene}) {
      if (s < 0) continue;
      const std::uint64_t scene_rank_key = hash_combine(rank_key, static_cast<std::uint64_t>(s));
      catalogue[s].emplace_back(hash_combine(scene_rank_key, static_cast<std::uint64_t>(i)), i);
    }
  }
  std::vector<std::int64_t> by_topic;
  for (int s = 0; s < scenes; ++s) {
    auto& entries = catalogue[s];
    std::sort(entries.begin(), entries.end());
    const double exponent = zipf_exponent(s);
    weights.clear();
    for (std::size_t r = 0; r < entries.size(); ++r) {
      weights.push_back(std::pow(static_cast<double>(r + 1), -exponent));
      catalogue_items.push_back(entries[r].second);
    }
    catalogues.add(weights);

    // Popularity order within each topic is the scene's order; a stable sort keeps it.
    by_topic.resize(entries.size());
    for (std::size_t r = 0; r < entries.size(); ++r) by_topic[r] = static_cast<std::int64_t>(r);
    std::stable_sort(by_topic.begin(), by_topic.end(), [&](std::int64_t a, std::int64_t b) {
      return item_topics[entries[a].second] < item_topics[entries[b].second];
    });
    std::vector<double> topic_weights;
    auto next = by_topic.begin();
    for (int t = 0; t < topics; ++t) {
      topic_weights.clear();
      for (; next != by_topic.end() && item_topics[entries[*next].second] == t; ++next) {
        topic_weights.push_back(weights[*next]);
        topic_list_items.push_back(entries[*next].second);
      }
      topic_lists.add(topic_weights);
    }
  }
}

ItemTruth SyntheticGenerator::Tables::item(std::int64_t item) const {
  HashStream draw(hash_combine(item_key, static_cast<std::uint64_t>(item)));
  ItemTruth truth;
  truth.topic = static_cast<int>(draw.index(topics));
  const std::uint64_t slot = draw.next(), coin = draw.next();
  // Item s is pinned to scene s so that every scene has a catalogue (items >= scenes).
  truth.primary_scene =
      item < scenes ? static_cast<int>(item) : static_cast<int>(scene_shares.sample(0, slot, coin));
  if (scenes >= 2 && draw.unit() < kSecondSceneProbability) {
    const auto offset = static_cast<int>(draw.index(scenes - 1));
    truth.second_scene = (truth.primary_scene + 1 + offset) % scenes;
  }
  return truth;
}

UserProfile SyntheticGenerator::Tables::user(std::int64_t user) const {
  HashStream draw(hash_combine(profile_key, static_cast<std::uint64_t>(user)));
  UserProfile profile;
  const double topic_class = draw.unit();
  profile.topic_count = std::min(topics, topic_class < 0.4 ? 1 : topic_class < 0.8 ? 2 : 3);
  draw_distinct(
      profile.topic_count, topics, [&] { return static_cast<int>(draw.index(topics)); },
      profile.topics);

  const double scene_class = draw.unit();
  const int wanted = scene_class < 0.2 ? 1 : scene_class < 0.6 ? 2 : scene_class < 0.9 ? 3 : scenes;
  if (wanted >= scenes && scenes > kMaxPicks) {
    profile.all_scenes = true;
    profile.scene_count = scenes;
    return profile;
  }
  profile.scene_count = std::min(wanted, scenes);
  if (profile.scene_count == scenes) {
    for (int s = 0; s < scenes; ++s) profile.scenes[s] = s;
  } else {
    draw_distinct(
        profile.scene_count, scenes,
        [&] {
          const std::uint64_t slot = draw.next();
          return static_cast<int>(scene_shares.sample(0, slot, draw.next()));
        },
        profile.scenes);
  }
  for (int k = 0; k < profile.scene_count; ++k) profile.scene_weights[k] = 0.25 + draw.unit();
  return profile;
}

InteractionDraw SyntheticGenerator::Tables::interaction(std::int64_t n) const {
  HashStream draw(hash_combine(interaction_key, static_cast<std::uint64_t>(n)));
  InteractionDraw out;
  std::uint64_t slot = draw.next();
  out.user = user_activity.sample(0, slot, draw.next());
  const UserProfile profile = user(out.user);

  if (profile.all_scenes) {
    slot = draw.next();
    out.scene = static_cast<int>(scene_shares.sample(0, slot, draw.next()));
  } else {
    double total = 0;
    for (int k = 0; k < profile.scene_count; ++k) total += profile.scene_weights[k];
    double target = draw.unit() * total;
    int k = 0;
    while (k + 1 < profile.scene_count && target >= profile.scene_weights[k])
      target -= profile.scene_weights[k++];
    out.scene = profile.scenes[k];
  }

  const int topic = draw.unit() < kInterestProbability
                        ? profile.topics[draw.index(profile.topic_count)]
                        : static_cast<int>(draw.index(topics));
  const std::int64_t list = static_cast<std::int64_t>(out.scene) * topics + topic;
  slot = draw.next();
  const std::uint64_t coin = draw.next();
  out.item = topic_lists.size(list) > 0 ? topic_list_items[topic_lists.sample(list, slot, coin)]
                                        : catalogue_items[catalogues.sample(out.scene, slot, coin)];

  const double value = draw.unit();
  out.value = value < 0.55 ? 1 : value < 0.75 ? 2 : value < 0.87 ? 3 : value < 0.95 ? 4 : 5;

  __extension__ using Wide = __int128;  // n * span overflows 64 bits beyond ~3e11 interactions
  const auto trend = static_cast<std::int64_t>(static_cast<Wide>(n) * kTimeSpan / interactions);
  out.timestamp = kStartTime + trend + draw.index(kTimeNoise);
  return out;
}

std::vector<std::string> synthetic_scene_names(int scenes) {
  static const char* const kNamed[] = {"shopping", "reading", "video", "music",
                                       "news",     "travel",  "games", "food"};
  constexpr int kNamedCount = static_cast<int>(sizeof(kNamed) / sizeof(kNamed[0]));
  std::vector<std::string> names;
  for (int s = 0; s < scenes; ++s)
    names.push_back(s < kNamedCount ? std::string(kNamed[s]) : "scene" + std::to_string(s));
  return names;
}

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw InputError("sceneals generate: " + what);
}

}  // namespace

SyntheticGenerator::SyntheticGenerator(const SyntheticSpec& spec) : spec_(spec) {
  const auto got = [](std::int64_t value) { return " (got " + std::to_string(value) + ")"; };
  require(spec.users >= 1, "--users must be >= 1" + got(spec.users));
  require(spec.items >= 1, "--items must be >= 1" + got(spec.items));
  require(spec.interactions >= 1, "--interactions must be >= 1" + got(spec.interactions));
  require(spec.scenes >= 1, "--scenes must be >= 1" + got(spec.scenes));
  require(spec.topics >= 1, "--topics must be >= 1" + got(spec.topics));
  require(spec.items >= spec.scenes,
          "--items must be >= --scenes, every scene needs a catalogue (got --items " +
              std::to_string(spec.items) + ", --scenes " + std::to_string(spec.scenes) + ")");
  scene_names_ = synthetic_scene_names(spec.scenes);
  tables_ = std::make_shared<const Tables>(spec);
}

std::string SyntheticGenerator::header() { return "user,item,scene,value,timestamp\n"; }

void SyntheticGenerator::append_lines(std::int64_t begin, std::int64_t end,
                                      std::string& out) const {
  check_invariant(0 <= begin && begin <= end && end <= spec_.interactions,
                  "synthetic interaction range within [0, interactions]");
  for (std::int64_t n = begin; n < end; ++n) {
    const InteractionDraw d = tables_->interaction(n);
    const std::string& scene = scene_names_[d.scene];
    // Written in place: room for two 19-digit ids, the scene, a digit, a 19-digit timestamp
    // and 7 separators, then trimmed to what was written.
    const std::size_t start = out.size();
    out.resize(start + scene.size() + 3 * 19 + 8);
    char* p = out.data() + start;
    char* const room_end = out.data() + out.size();
    *p++ = 'u';
    p = std::to_chars(p, room_end, d.user).ptr;
    *p++ = ',';
    *p++ = 'i';
    p = std::to_chars(p, room_end, d.item).ptr;
    *p++ = ',';
    p = std::copy(scene.begin(), scene.end(), p);
    *p++ = ',';
    *p++ = static_cast<char>('0' + d.value);
    *p++ = ',';
    p = std::to_chars(p, room_end, d.timestamp).ptr;
    *p++ = '\n';
    out.resize(static_cast<std::size_t>(p - out.data()));
  }
}

int SyntheticGenerator::item_topic(std::int64_t item) const {
  check_invariant(0 <= item && item < spec_.items, "item index within [0, items)");
  return tables_->item(item).topic;
}

std::vector<int> SyntheticGenerator::item_scenes(std::int64_t item) const {
  check_invariant(0 <= item && item < spec_.items, "item index within [0, items)");
  const ItemTruth truth = tables_->item(item);
  std::vector<int> scenes{truth.primary_scene};
  if (truth.second_scene >= 0) scenes.push_back(truth.second_scene);
  return scenes;
}

std::vector<int> SyntheticGenerator::user_topics(std::int64_t user) const {
  check_invariant(0 <= user && user < spec_.users, "user index within [0, users)");
  const UserProfile profile = tables_->user(user);
  return {profile.topics.begin(), profile.topics.begin() + profile.topic_count};
}

std::vector<int> SyntheticGenerator::user_scenes(std::int64_t user) const {
  check_invariant(0 <= user && user < spec_.users, "user index within [0, users)");
  const UserProfile profile = tables_->user(user);
  std::vector<int> scenes;
  if (profile.all_scenes) {
    for (int s = 0; s < spec_.scenes; ++s) scenes.push_back(s);
  } else {
    scenes.assign(profile.scenes.begin(), profile.scenes.begin() + profile.scene_count);
    std::sort(scenes.begin(), scenes.end());
  }
  return scenes;
}

double SyntheticGenerator::zipf_exponent(int scene) {
  // Golden-ratio steps spread the exponents evenly over [0.6, 1.1) for any number of scenes.
  const double step = 0.5 + 0.6180339887498949 * scene;
  return 0.6 + 0.5 * (step - std::floor(step));
}

}  // namespace sceneals::generate
