// The distributed evaluation against a brute-force single-process one: a small data set and a
// model whose every factor is a closed-form function of (id, scene), so every rank can rebuild
// the whole problem; the reference sorts all scores of every test user, masks training items and
// applies the metric formulas directly (diversity by explicit cosines of every pair of a list,
// novelty from counted training interactions). Test rows on items no scene trained (the rare
// items, and "cold" items held out entirely, which are served from "features": closed-form rows
// as well) form the cold-item cohort, ranked among the feature items. At 1, 2 and 4 ranks and with
// one or two scene groups, every sum of rank 0 (counts, the eight metric sums, coverage) must equal
// the reference's.
#include "eval/evaluator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "io/id_hash.h"
#include "io/interaction_reader.h"
#include "io/sharded_data.h"
#include "mpi_test_support.h"

namespace sceneals::eval {
namespace {

constexpr int kFactors = 4;  // rows have kFactors + 1 columns
constexpr int kUsers = 70;
const std::vector<std::string> kSceneNames = {"books", "games", "music"};  // sorted: index order
const std::vector<int> kKs = {1, 3, 10, 40};  // 40 exceeds every scene's catalogue

// ---- the data set and the model, in closed form ------------------------------------------

struct Interaction {
  std::string user;
  std::string item;
  int scene;
};

std::uint64_t hash_of(const std::string& a, std::uint64_t b) {
  return io::hash_combine(io::hash_id(a), b);
}

/// Each user is active in most scenes with up to 9 distinct items from the scene's pool of 24
/// (pools overlap, so some items live in two scenes); a few users also have a rare item.
std::vector<Interaction> all_interactions() {
  std::vector<Interaction> out;
  for (int u = 0; u < kUsers; ++u) {
    const std::string user = "u" + std::to_string(u);
    for (int s = 0; s < static_cast<int>(kSceneNames.size()); ++s) {
      const std::uint64_t h = hash_of(user, static_cast<std::uint64_t>(s) + 100);
      if (h % 5 == 0) continue;
      std::set<int> items;
      const int n = 1 + static_cast<int>((h >> 8) % 9);
      for (int j = 0; static_cast<int>(items.size()) < n; ++j)
        items.insert(s * 12 + static_cast<int>(hash_of(user, 1000 + 37 * s + j) % 24));
      for (int i : items) out.push_back({user, "i" + std::to_string(i), s});
      // An item only this user has, held out: relevant, but never a candidate of the scene.
      if (u % 10 == 3) out.push_back({user, "rare-" + user, s});
      // A cold item (held out entirely, served from its features), for some users.
      if (u % 4 == 2) out.push_back({user, "cold" + std::to_string((u + s) % 7), s});
    }
  }
  return out;
}

/// The split: a sixth of the users are cold in one scene (all its interactions held out);
/// otherwise a quarter of the interactions and every rare item are held out (a (user, scene)
/// whose every interaction is held out is cold too: it has no training data there).
bool is_cold_item(const std::string& item) { return item.rfind("cold", 0) == 0; }

bool is_test(const std::string& user, const std::string& item, int scene) {
  if (item.rfind("rare-", 0) == 0 || is_cold_item(item)) return true;
  const std::uint64_t u = hash_of(user, 7);
  if (u % 6 == 0 && static_cast<int>((u >> 8) % 3) == scene) return true;
  return hash_of(user + "|" + item, static_cast<std::uint64_t>(scene)) % 4 == 0;
}

/// A factor entry: a multiple of 1/4 in [-1, 1], so every score (5 products) is exact in float
/// whatever the summation order, and equal scores (ties) are common.
float factor(const std::string& id, int scene, int column, std::uint64_t side) {
  const std::uint64_t h =
      hash_of(id, side * 1000 + static_cast<std::uint64_t>(scene) * 10 + column);
  return (static_cast<float>(h % 9) - 4.0f) / 4.0f;
}
float user_factor(const std::string& user, int scene, int column) {
  return column == kFactors ? 1.0f : factor(user, scene, column, 1);
}
float item_factor(const std::string& item, int scene, int column) {
  return factor(item, scene, column, 2);
}

/// Ids in global row order, as the sharding numbers them (checked against the program's).
std::vector<std::string> ids_in_row_order(const std::vector<Interaction>& all, bool users) {
  std::vector<std::string> ids;
  for (const Interaction& x : all) ids.push_back(users ? x.user : x.item);
  io::sort_ids_in_row_order(ids);
  return ids;
}

// ---- the brute-force reference -------------------------------------------------------------

RankingMetrics reference_metrics(const std::vector<std::string>& top,
                                 const std::set<std::string>& relevant, int k) {
  RankingMetrics m;
  double hits = 0, dcg = 0, precision_sum = 0;
  for (std::size_t i = 0; i < top.size(); ++i)
    if (relevant.count(top[i]) != 0) {
      hits += 1;
      dcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
      precision_sum += hits / static_cast<double>(i + 1);
    }
  const double ideal = std::min<double>(k, static_cast<double>(relevant.size()));
  double idcg = 0;
  for (int i = 0; i < ideal; ++i) idcg += 1.0 / std::log2(i + 2.0);
  m.precision = hits / k;
  m.recall = hits / static_cast<double>(relevant.size());
  m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
  m.ndcg = dcg / idcg;
  m.average_precision = precision_sum / ideal;
  m.hit_rate = hits > 0 ? 1 : 0;
  return m;
}

struct Reference {
  MetricSums sums{static_cast<int>(kSceneNames.size()), static_cast<int>(kKs.size())};
  int relevant_outside_catalogue = 0;  // held-out items the scene's candidates lack
};

/// Mean over the list's pairs of 1 - cosine of the items' factors (the bias column left out).
double reference_diversity(const std::vector<std::string>& top, int scene) {
  double distance = 0, pairs = 0;
  for (std::size_t a = 0; a < top.size(); ++a)
    for (std::size_t b = a + 1; b < top.size(); ++b) {
      double dot = 0, na = 0, nb = 0;
      for (int c = 0; c < kFactors; ++c) {
        const double x = item_factor(top[a], scene, c), y = item_factor(top[b], scene, c);
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      if (na == 0 || nb == 0) continue;
      distance += 1 - dot / std::sqrt(na * nb);
      pairs += 1;
    }
  return pairs > 0 ? distance / pairs : 0;
}

/// `cold_item_cohort`: test rows on items no scene trained are the cold-item cohort's; without
/// it they stay in their warm or cold pair, where they can never be ranked.
Reference brute_force(const std::vector<Interaction>& all,
                      const std::vector<std::vector<std::string>>& candidates,
                      const std::vector<std::string>& cold_items, bool cold_item_cohort) {
  Reference ref;
  // Items no scene trained: their test rows are the cold-item cohort's.
  std::set<std::string> trained_anywhere;
  for (const Interaction& x : all)
    if (!is_test(x.user, x.item, x.scene)) trained_anywhere.insert(x.item);
  for (int s = 0; s < static_cast<int>(kSceneNames.size()); ++s) {
    const std::vector<std::string>& trained_items = candidates[static_cast<std::size_t>(s)];
    std::map<std::string, std::set<std::string>> test, cold_item_test, train;
    std::map<std::string, double> count;  // training interactions per item of the scene
    for (const Interaction& x : all) {
      if (x.scene != s) continue;
      if (cold_item_cohort && trained_anywhere.count(x.item) == 0)
        cold_item_test[x.user].insert(x.item);
      else if (is_test(x.user, x.item, s))
        test[x.user].insert(x.item);
      else
        train[x.user].insert(x.item), count[x.item] += 1;
    }
    // Novelty: -log2 of the add-one share among every served item (trained and cold).
    double total = static_cast<double>(trained_items.size() + cold_items.size());
    for (const auto& [item, c] : count) total += c;
    const auto novelty = [&](const std::vector<std::string>& top) {
      double bits = 0;
      for (const std::string& item : top) bits += -std::log2((count[item] + 1) / total);
      return top.empty() ? 0.0 : bits / static_cast<double>(top.size());
    };
    std::vector<std::set<std::string>> recommended(kCohortCount * kKs.size());
    const auto add_pair = [&](const std::string& user, const std::set<std::string>& relevant,
                              const std::vector<std::string>& items, int cohort,
                              const std::set<std::string>& mask) {
      std::vector<double> score(items.size());
      std::vector<std::size_t> order;
      for (std::size_t j = 0; j < items.size(); ++j) {
        for (int c = 0; c <= kFactors; ++c)
          score[j] += static_cast<double>(user_factor(user, s, c)) * item_factor(items[j], s, c);
        if (mask.count(items[j]) == 0) order.push_back(j);
      }
      // Full sort: higher score first, ties to the earlier item.
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return score[a] != score[b] ? score[a] > score[b] : a < b;
      });
      for (const std::string& item : relevant)
        ref.relevant_outside_catalogue +=
            std::find(items.begin(), items.end(), item) == items.end() ? 1 : 0;
      for (std::size_t ki = 0; ki < kKs.size(); ++ki) {
        std::vector<std::string> top;
        for (std::size_t r = 0; r < order.size() && r < static_cast<std::size_t>(kKs[ki]); ++r)
          top.push_back(items[order[r]]);
        ref.sums.add(s, cohort, static_cast<int>(ki), reference_metrics(top, relevant, kKs[ki]),
                     {reference_diversity(top, s), novelty(top)});
        recommended[static_cast<std::size_t>(cohort) * kKs.size() + ki].insert(top.begin(),
                                                                               top.end());
      }
    };
    for (const auto& [user, relevant] : test)
      add_pair(user, relevant, trained_items, train[user].empty() ? kCold : kWarm, train[user]);
    for (const auto& [user, relevant] : cold_item_test)
      add_pair(user, relevant, cold_items, kColdItem, {});
    for (int cohort = 0; cohort < kCohortCount; ++cohort)
      for (std::size_t ki = 0; ki < kKs.size(); ++ki)
        ref.sums.add_coverage(
            s, cohort, static_cast<int>(ki),
            static_cast<double>(
                recommended[static_cast<std::size_t>(cohort) * kKs.size() + ki].size()),
            static_cast<double>(cohort == kColdItem ? cold_items.size() : trained_items.size()));
  }
  return ref;
}

// ---- the test ------------------------------------------------------------------------------

TEST(Evaluator, DistributedSumsEqualTheBruteForceReference) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "evaluator");
  const std::vector<Interaction> all = all_interactions();
  std::string csv = "user,item,scene\n";
  for (const Interaction& x : all)
    csv += x.user + "," + x.item + "," + kSceneNames[static_cast<std::size_t>(x.scene)] + "\n";
  testing::write_file_on_root(world, dir + "/in.csv", csv);

  const std::vector<std::string> item_order = ids_in_row_order(all, false);
  std::map<std::string, std::int64_t> item_row;
  for (std::size_t r = 0; r < item_order.size(); ++r)
    item_row[item_order[r]] = static_cast<std::int64_t>(r);
  // Per scene: candidate items as global rows (sorted) and as ids in that order.
  std::vector<std::vector<std::int64_t>> candidate_rows(kSceneNames.size());
  std::vector<std::vector<std::string>> candidates(kSceneNames.size());
  for (const Interaction& x : all)
    if (!is_test(x.user, x.item, x.scene))
      candidate_rows[static_cast<std::size_t>(x.scene)].push_back(item_row.at(x.item));
  for (std::size_t s = 0; s < kSceneNames.size(); ++s) {
    std::vector<std::int64_t>& rows = candidate_rows[s];
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    for (std::int64_t r : rows) candidates[s].push_back(item_order[static_cast<std::size_t>(r)]);
  }
  // The cold items, served from features in every scene: global rows (sorted) and ids.
  std::vector<std::int64_t> cold_item_rows;
  std::vector<std::string> cold_items;
  for (std::size_t r = 0; r < item_order.size(); ++r)
    if (is_cold_item(item_order[r])) {
      cold_item_rows.push_back(static_cast<std::int64_t>(r));
      cold_items.push_back(item_order[r]);
    }
  const Reference reference = brute_force(all, candidates, cold_items, true);
  const Reference without_cohort = brute_force(all, candidates, cold_items, false);
  EXPECT_EQ(without_cohort.sums.overall_count(kColdItem, 0), 0);
  // The reference exercises what it should: every cohort, items outside the catalogue, partial
  // coverage.
  EXPECT_GT(reference.sums.overall_count(kWarm, 0), 50);
  EXPECT_GT(reference.sums.overall_count(kCold, 0), 5);
  EXPECT_GT(reference.sums.overall_count(kColdItem, 0), 5);
  EXPECT_GT(reference.sums.overall_mean(kWarm, 1, Metric::kDiversity), 0.1);
  EXPECT_GT(reference.relevant_outside_catalogue, 0);
  EXPECT_GT(reference.sums.overall_coverage(kWarm, 0), 0.1);
  EXPECT_LT(reference.sums.overall_coverage(kWarm, 0), 0.9);

  // One scene group, then two (at 2 and 4 ranks), so that both reductions are exercised.
  std::vector<int> group_counts = {1};
  if (world.size() % 2 == 0) group_counts.push_back(2);
  for (const int groups : group_counts) {
    io::ReadOptions options;
    options.path = dir + "/in.csv";
    io::ShardingResult sharded =
        io::shard_interactions(world, io::read_interactions(world, options), groups);
    const io::ShardedData& data = sharded.data;
    const mpi::ProcessGrid& grid = sharded.grid;
    EXPECT_EQ(data.scenes, kSceneNames);
    EXPECT_EQ(data.items.total(), static_cast<std::int64_t>(item_order.size()));
    std::vector<io::Rating> train, test;
    for (const io::Rating& r : data.ratings) {
      // The rows the reference uses are the program's rows.
      EXPECT_EQ(data.item_ids_seen.at(r.item_row),
                item_order[static_cast<std::size_t>(r.item_row)]);
      const bool held_out =
          is_test(data.users.id_of_row(r.user_row), data.item_ids_seen.at(r.item_row), r.scene);
      (held_out ? test : train).push_back(r);
    }

    // The models of this rank's group, with the factors the formulas give.
    std::vector<solver::Matrix> user_blocks, item_blocks, cold_item_blocks;
    std::vector<int> scenes;
    for (int s = 0; s < static_cast<int>(kSceneNames.size()); ++s)
      if (grid.plan.group_of_scene[static_cast<std::size_t>(s)] == grid.group) scenes.push_back(s);
    for (const int s : scenes) {
      const std::vector<std::string>& items = candidates[static_cast<std::size_t>(s)];
      solver::Matrix users(data.users.size(), kFactors + 1);
      solver::Matrix item_factors(static_cast<Eigen::Index>(items.size()), kFactors + 1);
      for (Eigen::Index u = 0; u < users.rows(); ++u)
        for (int c = 0; c <= kFactors; ++c)
          users(u, c) = user_factor(data.users.ids[static_cast<std::size_t>(u)], s, c);
      for (Eigen::Index i = 0; i < item_factors.rows(); ++i)
        for (int c = 0; c <= kFactors; ++c)
          item_factors(i, c) = item_factor(items[static_cast<std::size_t>(i)], s, c);
      solver::Matrix cold(static_cast<Eigen::Index>(cold_items.size()), kFactors + 1);
      for (Eigen::Index i = 0; i < cold.rows(); ++i)
        for (int c = 0; c <= kFactors; ++c)
          cold(i, c) = item_factor(cold_items[static_cast<std::size_t>(i)], s, c);
      user_blocks.push_back(std::move(users));
      item_blocks.push_back(std::move(item_factors));
      cold_item_blocks.push_back(std::move(cold));
    }
    std::vector<io::RowSource> user_rows;
    for (const solver::Matrix& block : user_blocks) user_rows.push_back(io::rows_of(block));
    std::vector<SceneModel> models;
    for (std::size_t m = 0; m < scenes.size(); ++m)
      models.push_back({scenes[m], &user_rows[m],
                        &candidate_rows[static_cast<std::size_t>(scenes[m])], &item_blocks[m],
                        nullptr, &cold_item_rows, &cold_item_blocks[m], nullptr});

    for (const bool cohort : {true, false}) {
      const MetricSums sums = evaluate_model(grid, data.users, train, test, models, kKs, cohort);
      const MetricSums& want_sums = cohort ? reference.sums : without_cohort.sums;
      // No ASSERT here: returning early on rank 0 would leave the others in the next collective.
      if (world.is_root() && sums.data().size() == want_sums.data().size()) {
        for (std::size_t i = 0; i < sums.data().size(); ++i) {
          const double want = want_sums.data()[i];
          // Counts and coverage are exact; metric sums differ only by summation order, but for
          // diversity (float cosines, field 6 of each cell of 11).
          const double tolerance = i % 11 == 6 ? 1e-5 : 1e-12;
          EXPECT_NEAR(sums.data()[i], want, tolerance * std::max(1.0, std::abs(want)))
              << "entry " << i << " with " << grid.plan.describe() << ", cold-item cohort "
              << cohort;
        }
      } else if (world.is_root()) {
        ADD_FAILURE() << "sums of " << sums.data().size() << " entries, expected "
                      << want_sums.data().size();
      }
      world.barrier();
    }
  }
  if (world.is_root()) std::filesystem::remove_all(dir);
  world.barrier();
}

}  // namespace
}  // namespace sceneals::eval
