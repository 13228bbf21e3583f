// How one scene of this rank's scene group is laid out over the group's ranks. Users active in
// the scene are numbered by their position in the sorted list of their global rows (the same on
// every rank of the group), items likewise; each rank owns a contiguous slice of both lists (its
// user shard's users, its item shard's items), and holds the ratings of each slice as CSR rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/sharded_data.h"
#include "mpi/process_grid.h"
#include "solver/factor_types.h"

namespace sceneals::solver {

/// Compressed sparse rows with positions into the other side's list of the scene.
struct CsrBlock {
  std::vector<std::int64_t> offsets{0};
  std::vector<std::int32_t> index;
  std::vector<float> value;

  std::int64_t rows() const { return static_cast<std::int64_t>(offsets.size()) - 1; }
  SparseRows view() const { return SparseRows{offsets.data(), index.data(), value.data(), rows()}; }
};

struct SceneLayout {
  int scene = 0;     ///< global scene index
  std::string name;  ///< scene name: seeds initial factors, names errors
  /// Pooled layouts only: the real scene of each item (item_rows order); empty otherwise.
  std::vector<std::int32_t> item_scene;
  std::vector<std::int64_t> user_rows;        ///< global rows of the scene's active users, sorted
  std::vector<std::int64_t> item_rows;        ///< global rows of the scene's active items, sorted
  std::int64_t user_begin = 0, user_end = 0;  ///< this rank's slice of user_rows
  std::int64_t item_begin = 0, item_end = 0;  ///< this rank's slice of item_rows
  CsrBlock by_user;                           ///< this rank's users -> item positions
  CsrBlock by_item;                           ///< this rank's items -> user positions

  std::int64_t local_users() const { return user_end - user_begin; }
  /// Global row of this rank's u-th user of the scene.
  std::int64_t local_user_row(std::int64_t u) const {
    return user_rows[static_cast<std::size_t>(user_begin + u)];
  }
  std::int64_t local_items() const { return item_end - item_begin; }
};

/// Collective over the scene's group: the training count of each of the scene's items, in
/// item_rows order (each rank contributes its slice's counts).
std::vector<float> item_counts(const mpi::Communicator& group, const SceneLayout& layout);

/// Position of a global row in a sorted row list (the row must be present).
std::int32_t position_of(const std::vector<std::int64_t>& sorted_rows, std::int64_t row);

/// Collective over the grid. Builds the layout of every scene of this rank's group (in scene
/// order) from this rank's training ratings (sorted by scene, user, item): routes each rating to
/// its item owner in the group and gathers the scenes' user and item lists.
std::vector<SceneLayout> build_scene_layouts(const mpi::ProcessGrid& grid,
                                             const io::ShardedData& data,
                                             const std::vector<io::Rating>& train);

}  // namespace sceneals::solver
