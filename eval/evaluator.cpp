#include "eval/evaluator.h"

#include <algorithm>
#include <cstdint>

#include "eval/ranking_metrics.h"
#include "eval/top_k.h"
#include "mpi/error.h"

namespace sceneals::eval {

namespace {

/// Users scored per matrix product: large enough for an efficient GEMM, small enough that the
/// score block (users x items floats) stays modest.
constexpr std::size_t kUserBlock = 256;

/// One (user, scene) test pair on this rank: its held-out items and the training items to mask,
/// both as positions in the scene's item list (held-out items the scene never saw in training
/// get distinct negative positions: never recommended, still counted as relevant).
struct TestPair {
  std::int64_t user_row;
  Cohort cohort;
  std::vector<std::int32_t> relevant;
  std::vector<std::int32_t> training;
};

/// Ratings [begin, end) of one scene, sorted by user: the positions of their items, grouped.
template <class OnUser>
void for_each_user(const std::vector<io::Rating>& ratings, std::size_t begin, std::size_t end,
                   const std::vector<std::int64_t>& item_rows, OnUser&& on_user) {
  std::vector<std::int32_t> positions;
  std::int32_t absent = -1;
  for (std::size_t i = begin; i < end;) {
    const std::int64_t user = ratings[i].user_row;
    positions.clear();
    for (; i < end && ratings[i].user_row == user; ++i) {
      const auto at = std::lower_bound(item_rows.begin(), item_rows.end(), ratings[i].item_row);
      positions.push_back(at != item_rows.end() && *at == ratings[i].item_row
                              ? static_cast<std::int32_t>(at - item_rows.begin())
                              : absent--);
    }
    std::sort(positions.begin(), positions.end());
    on_user(user, positions);
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

std::vector<TestPair> collect_pairs(const SceneModel& model, const std::vector<io::Rating>& train,
                                    const std::vector<io::Rating>& test) {
  std::vector<TestPair> pairs;
  const std::size_t test_begin = scene_begin(test, 0, model.scene);
  for_each_user(test, test_begin, scene_end(test, test_begin, model.scene), *model.item_rows,
                [&](std::int64_t user, const std::vector<std::int32_t>& items) {
                  pairs.push_back({user, Cohort::kCold, items, {}});
                });
  // Training items of the same users: the pair is warm, and they are masked.
  const std::size_t train_begin = scene_begin(train, 0, model.scene);
  std::size_t at = 0;
  for_each_user(train, train_begin, scene_end(train, train_begin, model.scene), *model.item_rows,
                [&](std::int64_t user, const std::vector<std::int32_t>& items) {
                  while (at < pairs.size() && pairs[at].user_row < user) ++at;
                  if (at < pairs.size() && pairs[at].user_row == user) {
                    pairs[at].cohort = Cohort::kWarm;
                    for (std::int32_t item : items)
                      if (item >= 0) pairs[at].training.push_back(item);
                  }
                });
  return pairs;
}

/// Which of the items of every model appear in some top-K list: one byte per (model, cohort,
/// K index, item), all in one buffer, so that a single MAX reduction over the group unites them.
class CoverageMarks {
 public:
  CoverageMarks(const std::vector<SceneModel>& models, std::size_t ks) : ks_(ks) {
    std::size_t size = 0;
    for (const SceneModel& model : models) {
      model_begin_.push_back(size);
      item_count_.push_back(model.item_rows->size());
      size += kCohortCount * ks * model.item_rows->size();
    }
    marks_.assign(size, 0);
  }

  /// Marks the items (positions in the model's item list) of one top-K list.
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

  /// Number of the model's items marked for (cohort, K index).
  double count(std::size_t model, int cohort, std::size_t k_index) const {
    const auto begin = marks_.begin() + static_cast<std::ptrdiff_t>(offset(model, cohort, k_index));
    return static_cast<double>(std::count(
        begin, begin + static_cast<std::ptrdiff_t>(item_count_[model]), std::uint8_t{1}));
  }

 private:
  std::size_t offset(std::size_t model, int cohort, std::size_t k_index) const {
    return model_begin_[model] +
           (static_cast<std::size_t>(cohort) * ks_ + k_index) * item_count_[model];
  }

  std::size_t ks_;
  std::vector<std::size_t> model_begin_;
  std::vector<std::size_t> item_count_;
  std::vector<std::uint8_t> marks_;
};

}  // namespace

MetricSums evaluate_model(const mpi::ProcessGrid& grid, const io::Catalogue& users,
                          const std::vector<io::Rating>& train, const std::vector<io::Rating>& test,
                          const std::vector<SceneModel>& models, const std::vector<int>& ks) {
  MetricSums sums(static_cast<int>(grid.plan.group_of_scene.size()), static_cast<int>(ks.size()));
  const int k_max = *std::max_element(ks.begin(), ks.end());
  std::vector<std::int32_t> workspace, ranked, prefix;
  CoverageMarks marks(models, ks.size());
  for (std::size_t m = 0; m < models.size(); ++m) {
    const SceneModel& model = models[m];
    const std::size_t item_count = model.item_rows->size();
    check_invariant(static_cast<std::size_t>(model.items->rows()) == item_count,
                    "evaluate_model: item factors and item list differ in length");
    const std::vector<TestPair> pairs = collect_pairs(model, train, test);
    for (std::size_t block = 0; block < pairs.size(); block += kUserBlock) {
      const std::size_t block_end = std::min(pairs.size(), block + kUserBlock);
      // The users' rows as the file holds them ([x_us, 1], or the bridged vector for a user
      // cold in the scene); scores = users x items in one matrix product.
      solver::Matrix block_users(static_cast<Eigen::Index>(block_end - block), model.items->cols());
      for (std::size_t p = block; p < block_end; ++p)
        (*model.shard_users)(pairs[p].user_row - users.row_begin(), 1,
                             block_users.row(static_cast<Eigen::Index>(p - block)).data());
      const solver::Matrix scores = block_users * model.items->transpose();
      for (std::size_t p = block; p < block_end; ++p) {
        const auto row = static_cast<Eigen::Index>(p - block);
        top_k_into(scores.row(row).data(), scores.cols(), k_max, pairs[p].training, workspace,
                   ranked);
        for (std::size_t ki = 0; ki < ks.size(); ++ki) {
          const auto cut = std::min<std::size_t>(ranked.size(), static_cast<std::size_t>(ks[ki]));
          prefix.assign(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(cut));
          sums.add(model.scene, pairs[p].cohort, static_cast<int>(ki),
                   ranking_metrics(prefix, pairs[p].relevant, ks[ki]));
          marks.mark(m, pairs[p].cohort, ki, prefix);
        }
      }
    }
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
                            static_cast<double>(models[m].item_rows->size()));
  // Only the sums travel: reduce over each group, then across the group roots.
  grid.group_comm.reduce_in_place(sums.data().data(), static_cast<std::int64_t>(sums.data().size()),
                                  mpi::ReduceOp::kSum, 0);
  if (grid.group_comm.rank() == 0)
    grid.shard_comm.reduce_in_place(
        sums.data().data(), static_cast<std::int64_t>(sums.data().size()), mpi::ReduceOp::kSum, 0);
  return sums;
}

}  // namespace sceneals::eval
