#include "solver/scene_layout.h"

#include <algorithm>

#include "mpi/error.h"

namespace sceneals::solver {

std::int32_t position_of(const std::vector<std::int64_t>& sorted_rows, std::int64_t row) {
  const auto at = std::lower_bound(sorted_rows.begin(), sorted_rows.end(), row);
  check_invariant(at != sorted_rows.end() && *at == row, "row missing from a scene's row list");
  return static_cast<std::int32_t>(at - sorted_rows.begin());
}

}  // namespace sceneals::solver

namespace sceneals::solver {

namespace {

/// A training rating on its way to the item owner.
struct ItemSideRating {
  std::int64_t user_row;
  std::int64_t item_row;
  std::int32_t scene;
  float value;
};

template <class Rows, class Key>
std::vector<std::int64_t> distinct_sorted(const Rows& rows, std::size_t begin, std::size_t end,
                                          Key&& key) {
  std::vector<std::int64_t> out;
  for (std::size_t i = begin; i < end; ++i) out.push_back(key(rows[i]));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Appends a CSR block from entries sorted by (row, column), rows given as a sorted list.
template <class Entries, class RowOf, class ColumnOf, class ValueOf>
void fill_csr(CsrBlock& csr, const std::vector<std::int64_t>& rows, const Entries& entries,
              std::size_t begin, std::size_t end, RowOf&& row_of, ColumnOf&& column_of,
              ValueOf&& value_of) {
  std::size_t at = begin;
  for (std::int64_t row : rows) {
    while (at < end && row_of(entries[at]) == row) {
      csr.index.push_back(column_of(entries[at]));
      csr.value.push_back(value_of(entries[at]));
      ++at;
    }
    csr.offsets.push_back(static_cast<std::int64_t>(csr.index.size()));
  }
  check_invariant(at == end, "CSR entries not sorted by row");
}

}  // namespace

std::vector<SceneLayout> build_scene_layouts(const mpi::ProcessGrid& grid,
                                             const io::ShardedData& data,
                                             const std::vector<io::Rating>& train) {
  const mpi::Communicator& group = grid.group_comm;
  // Each training rating also lives on its item owner: same scene group, item shard of its item.
  std::vector<std::vector<ItemSideRating>> outgoing(static_cast<std::size_t>(group.size()));
  for (const io::Rating& r : train)
    outgoing[static_cast<std::size_t>(data.items.shard_of_row(r.item_row))].push_back(
        {r.user_row, r.item_row, r.scene, r.value});
  std::vector<ItemSideRating> item_side = group.alltoallv(outgoing);
  outgoing.clear();
  std::sort(item_side.begin(), item_side.end(),
            [](const ItemSideRating& a, const ItemSideRating& b) {
              return std::tie(a.scene, a.item_row, a.user_row) <
                     std::tie(b.scene, b.item_row, b.user_row);
            });

  std::vector<SceneLayout> layouts;
  std::size_t user_at = 0, item_at = 0;
  for (std::size_t s = 0; s < data.scenes.size(); ++s) {
    if (grid.plan.group_of_scene[s] != grid.group) continue;
    const auto scene = static_cast<std::int32_t>(s);
    const std::size_t user_begin = user_at, item_begin = item_at;
    while (user_at < train.size() && train[user_at].scene == scene) ++user_at;
    while (item_at < item_side.size() && item_side[item_at].scene == scene) ++item_at;

    SceneLayout layout;
    layout.scene = scene;
    layout.name = data.scenes[s];
    const std::vector<std::int64_t> my_users =
        distinct_sorted(train, user_begin, user_at, [](const io::Rating& r) { return r.user_row; });
    const std::vector<std::int64_t> my_items = distinct_sorted(
        item_side, item_begin, item_at, [](const ItemSideRating& r) { return r.item_row; });
    // Group ranks are ordered by shard and shards own increasing row ranges, so the gathered
    // lists come out sorted.
    std::vector<std::int64_t> user_counts, item_counts;
    layout.user_rows = group.allgatherv(my_users, &user_counts);
    layout.item_rows = group.allgatherv(my_items, &item_counts);
    for (int r = 0; r < group.rank(); ++r) {
      layout.user_begin += user_counts[static_cast<std::size_t>(r)];
      layout.item_begin += item_counts[static_cast<std::size_t>(r)];
    }
    layout.user_end = layout.user_begin + static_cast<std::int64_t>(my_users.size());
    layout.item_end = layout.item_begin + static_cast<std::int64_t>(my_items.size());

    fill_csr(
        layout.by_user, my_users, train, user_begin, user_at,
        [](const io::Rating& r) { return r.user_row; },
        [&](const io::Rating& r) { return position_of(layout.item_rows, r.item_row); },
        [](const io::Rating& r) { return r.value; });
    fill_csr(
        layout.by_item, my_items, item_side, item_begin, item_at,
        [](const ItemSideRating& r) { return r.item_row; },
        [&](const ItemSideRating& r) { return position_of(layout.user_rows, r.user_row); },
        [](const ItemSideRating& r) { return r.value; });
    layouts.push_back(std::move(layout));
  }
  return layouts;
}

std::vector<float> item_counts(const mpi::Communicator& group, const SceneLayout& layout) {
  const CsrBlock& by_item = layout.by_item;
  std::vector<float> mine(static_cast<std::size_t>(by_item.rows()));
  for (std::size_t i = 0; i < mine.size(); ++i)
    mine[i] = static_cast<float>(by_item.offsets[i + 1] - by_item.offsets[i]);
  return group.allgatherv(mine);
}

}  // namespace sceneals::solver
