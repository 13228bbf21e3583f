#include "eval/evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>

#include "eval/list_metrics.h"
#include "eval/ranking_metrics.h"
#include "eval/top_k.h"
#include "mpi/error.h"
#include "solver/block_scores.h"

namespace sceneals::eval {

namespace {

/// Users scored per matrix product: large enough for an efficient GEMM, small enough that the
/// score block (users x items floats) stays modest.
constexpr std::size_t kUserBlock = 256;

/// One (user, scene) test pair on this rank: its held-out items and the training items to mask,
/// both as positions in the cohort's candidate list (held-out items that are not candidates get
/// distinct negative positions: never recommended, still counted as relevant).
struct TestPair {
  std::int64_t user_row;
  Cohort cohort;
  std::vector<std::int32_t> relevant;
  std::vector<std::int32_t> training;
};

/// Position of `row` in the sorted `rows`, or -1.
std::int32_t position_in(const std::vector<std::int64_t>& rows, std::int64_t row) {
  const auto at = std::lower_bound(rows.begin(), rows.end(), row);
  return at != rows.end() && *at == row ? static_cast<std::int32_t>(at - rows.begin()) : -1;
}

/// Calls on_user(user, first, last) for each user's run of the ratings [begin, end) (sorted by
/// user).
template <class OnUser>
void for_each_user(const std::vector<io::Rating>& ratings, std::size_t begin, std::size_t end,
                   OnUser&& on_user) {
  for (std::size_t i = begin; i < end;) {
    std::size_t last = i;
    while (last < end && ratings[last].user_row == ratings[i].user_row) ++last;
    on_user(ratings[i].user_row, i, last);
    i = last;
  }
}

std::size_t scene_end(const std::vector<io::Rating>& ratings, std::size_t begin, int scene) {
  while (begin < ratings.size() && ratings[begin].scene < scene) ++begin;
  std::size_t end = begin;
  while (end < ratings.size() && ratings[end].scene == scene) ++end;
  return end;
}

std::size_t scene_begin(const std::vector<io::Rating>& ratings, std::size_t from, int scene) {
  while (from < ratings.size() && ratings[from].scene < scene) ++from;
  return from;
}

const std::vector<std::int64_t>& feature_rows_of(const SceneModel& model) {
  static const std::vector<std::int64_t> none;
  return model.feature_item_rows != nullptr ? *model.feature_item_rows : none;
}

/// The scene's test pairs: per user, the held-out items that no scene trained (not in
/// `trained_rows`, sorted; only with `cold_items`) make a cold-item pair, the others a warm or
/// cold-scene pair.
std::vector<TestPair> collect_pairs(const SceneModel& model, const std::vector<io::Rating>& train,
                                    const std::vector<io::Rating>& test,
                                    const std::vector<std::int64_t>& trained_rows,
                                    bool cold_items) {
  const std::vector<std::int64_t>& feature_rows = feature_rows_of(model);
  std::vector<TestPair> pairs, cold_item_pairs;
  std::int32_t absent = -1;
  const auto place = [&](std::vector<std::int32_t>& positions, std::int32_t position) {
    positions.push_back(position >= 0 ? position : absent--);
  };
  const std::size_t test_begin = scene_begin(test, 0, model.scene);
  for_each_user(
      test, test_begin, scene_end(test, test_begin, model.scene),
      [&](std::int64_t user, std::size_t first, std::size_t last) {
        TestPair regular{user, Cohort::kCold, {}, {}};
        TestPair cold_item{user, Cohort::kColdItem, {}, {}};
        for (std::size_t r = first; r < last; ++r) {
          const std::int64_t item = test[r].item_row;
          if (cold_items && !std::binary_search(trained_rows.begin(), trained_rows.end(), item))
            place(cold_item.relevant, position_in(feature_rows, item));
          else
            place(regular.relevant, position_in(*model.item_rows, item));
        }
        for (TestPair* pair : {&regular, &cold_item}) {
          std::sort(pair->relevant.begin(), pair->relevant.end());
          if (!pair->relevant.empty())
            (pair == &regular ? pairs : cold_item_pairs).push_back(std::move(*pair));
        }
      });
  // Training items of the same users: the pair is warm, and they are masked.
  const std::size_t train_begin = scene_begin(train, 0, model.scene);
  std::size_t at = 0;
  for_each_user(train, train_begin, scene_end(train, train_begin, model.scene),
                [&](std::int64_t user, std::size_t first, std::size_t last) {
                  while (at < pairs.size() && pairs[at].user_row < user) ++at;
                  if (at == pairs.size() || pairs[at].user_row != user) return;
                  pairs[at].cohort = Cohort::kWarm;
                  for (std::size_t r = first; r < last; ++r)
                    if (const std::int32_t item = position_in(*model.item_rows, train[r].item_row);
                        item >= 0)
                      pairs[at].training.push_back(item);
                  std::sort(pairs[at].training.begin(), pairs[at].training.end());
                });
  pairs.insert(pairs.end(), std::make_move_iterator(cold_item_pairs.begin()),
               std::make_move_iterator(cold_item_pairs.end()));
  return pairs;
}

/// Collective over the grid: the sorted rows of every item that some scene trained (the union
/// of every group's item lists).
std::vector<std::int64_t> trained_anywhere(const mpi::ProcessGrid& grid,
                                           const std::vector<SceneModel>& models) {
  std::vector<std::int64_t> rows;
  for (const SceneModel& model : models)
    rows.insert(rows.end(), model.item_rows->begin(), model.item_rows->end());
  const auto sorted_unique = [](std::vector<std::int64_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  sorted_unique(rows);
  rows = grid.shard_comm.allgatherv(rows);  // one rank of every group
  sorted_unique(rows);
  return rows;
}

/// One cohort's candidates in a scene: their rows, and what diversity and novelty read.
struct Candidates {
  const solver::Matrix* factors = nullptr;
  solver::Matrix unit;       ///< unit vectors for diversity (eval/list_metrics.h)
  std::vector<double> bits;  ///< novelty of each candidate
};

/// The first k columns of the item rows [y, b]: their factors without the bias.
solver::Matrix factor_columns(const solver::Matrix& items) {
  return items.leftCols(std::max<Eigen::Index>(items.cols() - 1, 0));
}

/// Collective over the group: the training count of each of the scene's items, from the group's
/// training ratings (all of the scene's users live in the group).
std::vector<float> training_counts(const mpi::Communicator& group_comm, const SceneModel& model,
                                   const std::vector<io::Rating>& train) {
  std::vector<float> counts(model.item_rows->size(), 0.0f);
  const std::size_t begin = scene_begin(train, 0, model.scene);
  for (std::size_t r = begin, end = scene_end(train, begin, model.scene); r < end; ++r)
    if (const std::int32_t item = position_in(*model.item_rows, train[r].item_row); item >= 0)
      counts[static_cast<std::size_t>(item)] += 1.0f;
  group_comm.allreduce_in_place(counts, mpi::ReduceOp::kSum);
  return counts;
}

/// Which of the items of every model appear in some top-K list: one byte per (model, cohort,
/// K index, item), all in one buffer, so that a single MAX reduction over the group unites them.
/// The cold-item cohort's items are the model's feature items, the others' its trained items.
class CoverageMarks {
 public:
  CoverageMarks(const std::vector<SceneModel>& models, std::size_t ks) : ks_(ks) {
    std::size_t size = 0;
    for (const SceneModel& model : models) {
      for (int cohort = 0; cohort < kCohortCount; ++cohort) {
        begin_.push_back(size);
        item_count_.push_back(cohort == kColdItem ? feature_rows_of(model).size()
                                                  : model.item_rows->size());
        size += ks * item_count_.back();
      }
    }
    marks_.assign(size, 0);
  }

  /// Marks the items (positions in the cohort's candidate list) of one top-K list.
  void mark(std::size_t model, int cohort, std::size_t k_index,
            const std::vector<std::int32_t>& top) {
    std::uint8_t* list = marks_.data() + offset(model, cohort, k_index);
    for (const std::int32_t item : top) list[item] = 1;
  }

  /// Collective over the group: its rank 0 then holds the union of the group's marks. The
  /// buffer sizes are compared first, since different models would make the reduction misalign.
  void reduce_to_root(const mpi::Communicator& group_comm) {
    const auto size = static_cast<std::int64_t>(marks_.size());
    check_invariant(group_comm.min(size) == group_comm.max(size),
                    "evaluate_model: the ranks of a scene group hold different scene models");
    group_comm.reduce_in_place(marks_.data(), size, mpi::ReduceOp::kMax, 0);
  }

  /// Number of the cohort's candidates marked for (model, K index), and how many there are.
  double count(std::size_t model, int cohort, std::size_t k_index) const {
    const auto begin = marks_.begin() + static_cast<std::ptrdiff_t>(offset(model, cohort, k_index));
    return static_cast<double>(std::count(
        begin, begin + static_cast<std::ptrdiff_t>(items(model, cohort)), std::uint8_t{1}));
  }
  std::size_t items(std::size_t model, int cohort) const {
    return item_count_[model * kCohortCount + static_cast<std::size_t>(cohort)];
  }

 private:
  std::size_t offset(std::size_t model, int cohort, std::size_t k_index) const {
    const std::size_t cell = model * kCohortCount + static_cast<std::size_t>(cohort);
    return begin_[cell] + k_index * item_count_[cell];
  }

  std::size_t ks_;
  std::vector<std::size_t> begin_;       ///< per (model, cohort)
  std::vector<std::size_t> item_count_;  ///< per (model, cohort)
  std::vector<std::uint8_t> marks_;
};

/// Scores pairs [begin, end) of one cohort against its candidates and adds their metrics.
struct PairScorer {
  const io::Catalogue& users;
  const std::vector<int>& ks;
  int k_max;
  MetricSums& sums;
  CoverageMarks& marks;
  std::vector<std::int32_t> workspace, ranked, prefix;
  std::vector<ListMetrics> list;

  void score(const SceneModel& model, std::size_t m, const std::vector<TestPair>& pairs,
             std::size_t begin, std::size_t end, const Candidates& candidates) {
    const Eigen::Index columns = model.items->cols();
    static const solver::Matrix no_items;
    const solver::Matrix& items = candidates.factors != nullptr ? *candidates.factors : no_items;
    for (std::size_t block = begin; block < end; block += kUserBlock) {
      const std::size_t block_end = std::min(end, block + kUserBlock);
      // The users' rows as the file holds them ([x_us, 1], or the bridged vector for a user
      // cold in the scene); scores = users x items in one matrix product.
      solver::Matrix block_users(static_cast<Eigen::Index>(block_end - block), columns);
      for (std::size_t p = block; p < block_end; ++p)
        (*model.shard_users)(pairs[p].user_row - users.row_begin(), 1,
                             block_users.row(static_cast<Eigen::Index>(p - block)).data());
      const solver::Matrix scores = solver::block_scores(block_users, items);
      for (std::size_t p = block; p < block_end; ++p) {
        const auto row = static_cast<Eigen::Index>(p - block);
        top_k_into(scores.row(row).data(), scores.cols(), k_max, pairs[p].training, workspace,
                   ranked);
        list_metrics(ranked, candidates.unit, candidates.bits, ks, list);
        for (std::size_t ki = 0; ki < ks.size(); ++ki) {
          const auto cut = std::min<std::size_t>(ranked.size(), static_cast<std::size_t>(ks[ki]));
          prefix.assign(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(cut));
          sums.add(model.scene, pairs[p].cohort, static_cast<int>(ki),
                   ranking_metrics(prefix, pairs[p].relevant, ks[ki]), list[ki]);
          marks.mark(m, pairs[p].cohort, ki, prefix);
        }
      }
    }
  }
};

}  // namespace

MetricSums evaluate_model(const mpi::ProcessGrid& grid, const io::Catalogue& users,
                          const std::vector<io::Rating>& train, const std::vector<io::Rating>& test,
                          const std::vector<SceneModel>& models, const std::vector<int>& ks,
                          bool cold_item_cohort) {
  MetricSums sums(static_cast<int>(grid.plan.group_of_scene.size()), static_cast<int>(ks.size()));
  CoverageMarks marks(models, ks.size());
  const std::vector<std::int64_t> trained_rows =
      cold_item_cohort ? trained_anywhere(grid, models) : std::vector<std::int64_t>();
  PairScorer scorer{users, ks, *std::max_element(ks.begin(), ks.end()), sums, marks, {}, {},
                    {},    {}};
  for (std::size_t m = 0; m < models.size(); ++m) {
    const SceneModel& model = models[m];
    const std::size_t item_count = model.item_rows->size();
    const std::size_t feature_count = feature_rows_of(model).size();
    check_invariant(static_cast<std::size_t>(model.items->rows()) == item_count,
                    "evaluate_model: item factors and item list differ in length");
    check_invariant(feature_count == 0 ||
                        (model.feature_items != nullptr &&
                         static_cast<std::size_t>(model.feature_items->rows()) == feature_count),
                    "evaluate_model: feature item rows and their list differ in length");
    // Novelty's shares: the trained items' counts, then the feature items' (none).
    std::vector<float> counts = training_counts(grid.group_comm, model, train);
    counts.resize(item_count + feature_count, 0.0f);
    std::vector<double> bits = novelty_bits(counts, static_cast<std::int64_t>(counts.size()));
    Candidates from_features;
    if (feature_count > 0) {
      from_features.factors = model.feature_items;
      from_features.unit =
          unit_rows(model.feature_item_vectors != nullptr ? *model.feature_item_vectors
                                                          : factor_columns(*model.feature_items));
      from_features.bits.assign(bits.begin() + static_cast<std::ptrdiff_t>(item_count), bits.end());
    }
    bits.resize(item_count);
    const Candidates trained{
        model.items,
        unit_rows(model.item_vectors != nullptr ? *model.item_vectors
                                                : factor_columns(*model.items)),
        std::move(bits)};
    const std::vector<TestPair> pairs =
        collect_pairs(model, train, test, trained_rows, cold_item_cohort);
    const std::size_t regular_end = static_cast<std::size_t>(
        std::find_if(pairs.begin(), pairs.end(),
                     [](const TestPair& pair) { return pair.cohort == Cohort::kColdItem; }) -
        pairs.begin());
    scorer.score(model, m, pairs, 0, regular_end, trained);
    scorer.score(model, m, pairs, regular_end, pairs.size(), from_features);
  }
  // Coverage: the union of the group's top-K lists, counted on the group's rank 0, goes into the
  // sums there (the other ranks of the group add nothing), so it travels with them.
  marks.reduce_to_root(grid.group_comm);
  if (grid.group_comm.rank() == 0)
    for (std::size_t m = 0; m < models.size(); ++m)
      for (int cohort = 0; cohort < kCohortCount; ++cohort)
        for (std::size_t ki = 0; ki < ks.size(); ++ki)
          sums.add_coverage(models[m].scene, cohort, static_cast<int>(ki),
                            marks.count(m, cohort, ki),
                            static_cast<double>(marks.items(m, cohort)));
  // Only the sums travel: reduce over each group, then across the group roots.
  grid.group_comm.reduce_in_place(sums.data().data(), static_cast<std::int64_t>(sums.data().size()),
                                  mpi::ReduceOp::kSum, 0);
  if (grid.group_comm.rank() == 0)
    grid.shard_comm.reduce_in_place(
        sums.data().data(), static_cast<std::int64_t>(sums.data().size()), mpi::ReduceOp::kSum, 0);
  return sums;
}

}  // namespace sceneals::eval
