// The synthetic generator: split invariance, determinism, the line format, and the planted
// structure measured on the generated lines themselves (counts and agreement rates worked out
// from the data, compared with what chance or a uniform catalogue would give).
#include "generate/synthetic_data.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "mpi/error.h"

namespace sceneals::generate {
namespace {

constexpr std::int64_t kJan2024 = 1704067200;

struct Row {
  std::int64_t user = 0;
  std::int64_t item = 0;
  int scene = 0;
  int value = 0;
  std::int64_t timestamp = 0;
};

std::string generate(const SyntheticSpec& spec, std::int64_t begin, std::int64_t end) {
  std::string out;
  SyntheticGenerator(spec).append_lines(begin, end, out);
  return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

/// Parses "u<n>" / "i<n>" strictly: the prefix, then digits only.
std::int64_t parse_id(const std::string& field, char prefix) {
  EXPECT_GE(field.size(), 2u) << field;
  EXPECT_EQ(field[0], prefix) << field;
  EXPECT_TRUE(std::all_of(field.begin() + 1, field.end(), [](char c) {
    return c >= '0' && c <= '9';
  })) << field;
  return std::stoll(field.substr(1));
}

/// Every line of `text`, checked to be 5 well-formed fields within the spec.
std::vector<Row> parse_rows(const std::string& text, const SyntheticSpec& spec) {
  const std::vector<std::string> names = synthetic_scene_names(spec.scenes);
  std::vector<Row> rows;
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  for (const std::string& line : split(text, '\n')) {
    const std::vector<std::string> fields = split(line, ',');
    EXPECT_EQ(fields.size(), 5u) << line;
    if (fields.size() != 5) continue;
    Row row;
    row.user = parse_id(fields[0], 'u');
    row.item = parse_id(fields[1], 'i');
    row.scene = static_cast<int>(std::find(names.begin(), names.end(), fields[2]) - names.begin());
    row.value = std::stoi(fields[3]);
    row.timestamp = std::stoll(fields[4]);
    EXPECT_TRUE(row.user >= 0 && row.user < spec.users) << line;
    EXPECT_TRUE(row.item >= 0 && row.item < spec.items) << line;
    EXPECT_LT(row.scene, spec.scenes) << line;
    EXPECT_TRUE(row.value >= 1 && row.value <= 5) << line;
    EXPECT_GE(row.timestamp, kJan2024) << line;
    EXPECT_LT(row.timestamp, kJan2024 + 367 * 86400) << line;
    rows.push_back(row);
  }
  return rows;
}

SyntheticSpec spec_of(std::int64_t users, std::int64_t items, std::int64_t interactions, int scenes,
                      int topics = 16) {
  SyntheticSpec spec;
  spec.users = users;
  spec.items = items;
  spec.interactions = interactions;
  spec.scenes = scenes;
  spec.topics = topics;
  return spec;
}

TEST(SyntheticData, SceneNamesAndHeader) {
  EXPECT_EQ(synthetic_scene_names(10),
            (std::vector<std::string>{"shopping", "reading", "video", "music", "news", "travel",
                                      "games", "food", "scene8", "scene9"}));
  EXPECT_EQ(synthetic_scene_names(2), (std::vector<std::string>{"shopping", "reading"}));
  EXPECT_TRUE(synthetic_scene_names(0).empty());
  EXPECT_EQ(SyntheticGenerator::header(), "user,item,scene,value,timestamp\n");
}

TEST(SyntheticData, ConcatenationDoesNotDependOnTheSplit) {
  const SyntheticSpec spec = spec_of(300, 200, 3000, 4);
  const SyntheticGenerator generator(spec);
  std::string whole;
  generator.append_lines(0, spec.interactions, whole);
  EXPECT_EQ(std::count(whole.begin(), whole.end(), '\n'), spec.interactions);
  for (std::int64_t cut : {0, 1, 17, 1500, 2999, 3000}) {
    std::string out = "kept,";  // append_lines appends; it never clears
    generator.append_lines(0, cut, out);
    generator.append_lines(cut, spec.interactions, out);
    EXPECT_EQ(out, "kept," + whole) << "cut at " << cut;
  }
  // Uneven pieces generated out of order by separate generators, as separate ranks would.
  const std::vector<std::int64_t> bounds{0, 7, 8, 640, 641, 2222, 3000};
  std::vector<std::string> pieces(bounds.size() - 1);
  for (std::size_t k = pieces.size(); k-- > 0;)
    pieces[k] = generate(spec, bounds[k], bounds[k + 1]);
  std::string joined;
  for (const std::string& piece : pieces) joined += piece;
  EXPECT_EQ(joined, whole);
}

TEST(SyntheticData, SeedDecidesTheBytes) {
  SyntheticSpec spec = spec_of(400, 300, 2000, 3);
  const std::string first = generate(spec, 0, spec.interactions);
  EXPECT_EQ(generate(spec, 0, spec.interactions), first);
  spec.seed = 43;
  const std::vector<std::string> a = split(first, '\n');
  const std::vector<std::string> b = split(generate(spec, 0, spec.interactions), '\n');
  ASSERT_EQ(a.size(), b.size());
  std::int64_t differing = 0;
  for (std::size_t k = 0; k < a.size(); ++k) differing += a[k] != b[k];
  EXPECT_GT(differing, 1900);  // another seed is another data set, not a small perturbation
}

TEST(SyntheticData, LinesAreWellFormedAndWithinTheSpec) {
  const SyntheticSpec spec = spec_of(500, 300, 20000, 5, 8);
  const std::vector<Row> rows = parse_rows(generate(spec, 0, spec.interactions), spec);
  ASSERT_EQ(static_cast<std::int64_t>(rows.size()), spec.interactions);
  std::set<std::int64_t> users, items;
  std::set<int> scenes;
  std::vector<std::int64_t> value_counts(6, 0);
  for (const Row& row : rows) {
    users.insert(row.user);
    items.insert(row.item);
    scenes.insert(row.scene);
    ++value_counts[row.value];
  }
  EXPECT_LE(static_cast<std::int64_t>(users.size()), spec.users);
  EXPECT_LE(static_cast<std::int64_t>(items.size()), spec.items);
  EXPECT_EQ(static_cast<int>(scenes.size()), spec.scenes);
  // Values: mostly 1, each larger count rarer than the one below (.55/.20/.12/.08/.05).
  EXPECT_NEAR(static_cast<double>(value_counts[1]) / 20000.0, 0.55, 0.03);
  for (int v = 2; v <= 5; ++v) EXPECT_LT(value_counts[v], value_counts[v - 1]) << v;
  // Timestamps follow the index: the last tenth is most of a year after the first tenth.
  double early = 0, late = 0;
  for (std::size_t k = 0; k < 2000; ++k) {
    early += static_cast<double>(rows[k].timestamp) / 2000.0;
    late += static_cast<double>(rows[rows.size() - 1 - k].timestamp) / 2000.0;
  }
  EXPECT_GT(late - early, 300.0 * 86400.0);
}

TEST(SyntheticData, ItemsAndUsersStayInTheirScenes) {
  const SyntheticSpec spec = spec_of(800, 600, 20000, 6);
  const SyntheticGenerator generator(spec);
  std::map<std::int64_t, std::set<int>> item_scenes, user_scenes;
  for (const Row& row : parse_rows(generate(spec, 0, spec.interactions), spec)) {
    item_scenes[row.item].insert(row.scene);
    user_scenes[row.user].insert(row.scene);
  }
  for (const auto& [item, seen] : item_scenes) {
    EXPECT_LE(seen.size(), 2u) << "item " << item;
    const std::vector<int> truth = generator.item_scenes(item);
    for (int scene : seen) EXPECT_NE(std::find(truth.begin(), truth.end(), scene), truth.end());
  }
  for (const auto& [user, seen] : user_scenes) {
    const std::vector<int> truth = generator.user_scenes(user);
    for (int scene : seen) EXPECT_NE(std::find(truth.begin(), truth.end(), scene), truth.end());
  }
}

TEST(SyntheticData, PlantedProportionsMatchTheDocumentation) {
  const SyntheticSpec spec = spec_of(20000, 20000, 1, 8);
  const SyntheticGenerator generator(spec);
  std::map<std::size_t, double> scene_counts, topic_counts;
  for (std::int64_t u = 0; u < spec.users; ++u) {
    const std::vector<int> topics = generator.user_topics(u);
    EXPECT_EQ(std::set<int>(topics.begin(), topics.end()).size(), topics.size());
    for (int t : topics) EXPECT_TRUE(t >= 0 && t < spec.topics);
    scene_counts[generator.user_scenes(u).size()] += 1.0 / 20000.0;
    topic_counts[topics.size()] += 1.0 / 20000.0;
  }
  EXPECT_NEAR(scene_counts[1], 0.2, 0.02);
  EXPECT_NEAR(scene_counts[2], 0.4, 0.02);
  EXPECT_NEAR(scene_counts[3], 0.3, 0.02);
  EXPECT_NEAR(scene_counts[8], 0.1, 0.02);
  EXPECT_NEAR(topic_counts[1], 0.4, 0.02);
  EXPECT_NEAR(topic_counts[2], 0.4, 0.02);
  EXPECT_NEAR(topic_counts[3], 0.2, 0.02);

  std::vector<double> catalogue(8, 0);
  double in_two = 0;
  for (std::int64_t i = 0; i < spec.items; ++i) {
    const std::vector<int> scenes = generator.item_scenes(i);
    ASSERT_TRUE(scenes.size() == 1 || (scenes.size() == 2 && scenes[0] != scenes[1]));
    for (int s : scenes) ++catalogue[s];
    in_two += scenes.size() == 2 ? 1.0 / 20000.0 : 0.0;
  }
  EXPECT_NEAR(in_two, 0.1, 0.01);
  // Shares 1 / (1 + 0.35 s): scene 0 is 3.45 times scene 7 (a little less with second scenes).
  EXPECT_GT(catalogue[0], 2.5 * catalogue[7]);
  EXPECT_TRUE(std::is_sorted(catalogue.rbegin(), catalogue.rend()));
}

TEST(SyntheticData, UsersKeepTheirTopicsAcrossScenes) {
  const SyntheticSpec spec = spec_of(1000, 2000, 40000, 3);
  const SyntheticGenerator generator(spec);
  // Topic histogram per (user, scene), and over all interactions.
  std::map<std::int64_t, std::map<int, std::vector<double>>> histograms;
  std::vector<double> overall(spec.topics, 0);
  double on_interest = 0;
  for (const Row& row : parse_rows(generate(spec, 0, spec.interactions), spec)) {
    const int topic = generator.item_topic(row.item);
    auto& histogram = histograms[row.user][row.scene];
    histogram.resize(spec.topics, 0);
    ++histogram[topic];
    ++overall[topic];
    const std::vector<int> interests = generator.user_topics(row.user);
    on_interest += static_cast<double>(std::count(interests.begin(), interests.end(), topic));
  }
  // 80% from the user's topics plus the uniform draws that land on them by chance:
  // 0.8 + 0.2 * E|topics| / 16 = 0.8 + 0.2 * 1.8 / 16 = 0.8225.
  EXPECT_NEAR(on_interest / 40000.0, 0.8225, 0.02);

  // Chance that two random interactions share a topic, from the overall topic frequencies.
  double chance = 0;
  for (double count : overall) chance += (count / 40000.0) * (count / 40000.0);
  // The same probability for one item of a user in scene A and one in scene B, averaged.
  double agreement = 0;
  int pairs = 0;
  for (const auto& [user, by_scene] : histograms) {
    for (auto a = by_scene.begin(); a != by_scene.end(); ++a) {
      for (auto b = std::next(a); b != by_scene.end(); ++b) {
        const double size_a = std::accumulate(a->second.begin(), a->second.end(), 0.0);
        const double size_b = std::accumulate(b->second.begin(), b->second.end(), 0.0);
        double same = 0;
        for (int t = 0; t < spec.topics; ++t) same += a->second[t] * b->second[t];
        agreement += same / (size_a * size_b);
        ++pairs;
      }
    }
  }
  ASSERT_GT(pairs, 500);
  agreement /= pairs;
  EXPECT_LT(chance, 0.1);
  EXPECT_GT(agreement, 4 * chance) << "agreement " << agreement << " chance " << chance;
}

TEST(SyntheticData, PopularityIsSkewedInEveryScene) {
  const SyntheticSpec spec = spec_of(2000, 3000, 60000, 3);
  std::vector<std::map<std::int64_t, double>> counts(spec.scenes);
  std::vector<double> totals(spec.scenes, 0);
  for (const Row& row : parse_rows(generate(spec, 0, spec.interactions), spec)) {
    ++counts[row.scene][row.item];
    ++totals[row.scene];
  }
  for (int s = 0; s < spec.scenes; ++s) {
    std::vector<double> sorted;
    for (const auto& entry : counts[s]) sorted.push_back(entry.second);
    std::sort(sorted.rbegin(), sorted.rend());
    const auto top = static_cast<std::size_t>(std::ceil(0.01 * static_cast<double>(sorted.size())));
    const double share = std::accumulate(sorted.begin(), sorted.begin() + top, 0.0) / totals[s];
    // A uniform catalogue would give the top 1% about 1.5% (the noise of the counts).
    EXPECT_GT(share, 0.05) << "scene " << s;
  }
}

TEST(SyntheticData, EveryUserHasAChanceAndSomeAreHeavy) {
  const SyntheticSpec spec = spec_of(2000, 500, 20000, 3);  // 10 interactions per user
  std::vector<double> per_user(spec.users, 0);
  for (const Row& row : parse_rows(generate(spec, 0, spec.interactions), spec))
    ++per_user[row.user];
  const auto active =
      std::count_if(per_user.begin(), per_user.end(), [](double c) { return c > 0; });
  EXPECT_GT(active, 0.95 * 2000);
  std::sort(per_user.rbegin(), per_user.rend());
  EXPECT_GT(per_user.front(), 50.0);  // at least 5 times the mean of 10
  // A Pareto tail of exponent 1.8 gives the top 10% of users about a third of the interactions.
  EXPECT_GT(std::accumulate(per_user.begin(), per_user.begin() + 200, 0.0), 0.25 * 20000);
}

TEST(SyntheticData, InvalidSpecsNameTheOption) {
  const auto message_of = [](const SyntheticSpec& spec) -> std::string {
    try {
      SyntheticGenerator generator(spec);
    } catch (const InputError& error) {
      return error.what();
    }
    return "no error";
  };
  const SyntheticSpec good;
  SyntheticSpec bad = good;
  bad.users = 0;
  EXPECT_NE(message_of(bad).find("--users must be >= 1"), std::string::npos) << message_of(bad);
  bad = good;
  bad.items = -5;
  EXPECT_NE(message_of(bad).find("--items must be >= 1"), std::string::npos) << message_of(bad);
  bad = good;
  bad.interactions = 0;
  EXPECT_NE(message_of(bad).find("--interactions"), std::string::npos) << message_of(bad);
  bad = good;
  bad.scenes = 0;
  EXPECT_NE(message_of(bad).find("--scenes must be >= 1"), std::string::npos) << message_of(bad);
  bad = good;
  bad.topics = 0;
  EXPECT_NE(message_of(bad).find("--topics must be >= 1"), std::string::npos) << message_of(bad);
  bad = good;
  bad.items = 2;
  bad.scenes = 3;
  bad.topics = 1;
  EXPECT_NE(message_of(bad).find("--items must be >= --scenes"), std::string::npos)
      << message_of(bad);
  EXPECT_EQ(message_of(spec_of(1, 1, 1, 1, 1)), "no error");  // the smallest valid spec
}

TEST(SyntheticData, TinySpecsWork) {
  // As many scenes as items: each scene holds its pinned item (and maybe second-scene items).
  for (int topics : {1, 16}) {  // 16 topics over 4 items: most (scene, topic) lists are empty
    const SyntheticSpec spec = spec_of(3, 4, 200, 4, topics);
    const SyntheticGenerator generator(spec);
    for (std::int64_t i = 0; i < 4; ++i) EXPECT_EQ(generator.item_scenes(i).front(), i);
    for (const Row& row : parse_rows(generate(spec, 0, spec.interactions), spec)) {
      const std::vector<int> scenes = generator.item_scenes(row.item);
      EXPECT_NE(std::find(scenes.begin(), scenes.end(), row.scene), scenes.end());
    }
  }
}

TEST(SyntheticData, RangeOutsideTheSpecIsABug) {
  const SyntheticGenerator generator(spec_of(10, 10, 100, 2));
  std::string out;
  EXPECT_THROW(generator.append_lines(-1, 5, out), InternalError);
  EXPECT_THROW(generator.append_lines(5, 4, out), InternalError);
  EXPECT_THROW(generator.append_lines(0, 101, out), InternalError);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace sceneals::generate
