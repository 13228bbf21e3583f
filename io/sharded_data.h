// The interaction log after reading and sharding: every rating lives on the rank that owns its
// (scene group, user shard), with string ids replaced by global row numbers. Row numbers follow
// the order of (stable hash, id), so they do not depend on the number of ranks or the order of
// input lines, and each shard's rows are one contiguous range (what parallel HDF5 writes best).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/interaction_reader.h"
#include "mpi/process_grid.h"

namespace sceneals::io {

/// One interaction after sharding, on its user owner.
struct Rating {
  std::int64_t user_row = 0;
  std::int64_t item_row = 0;
  std::int32_t scene = 0;
  float value = 0;
  std::int64_t timestamp = 0;
  std::uint64_t pair_hash = 0;  ///< hash of (user id, item id): the split's per-interaction key
};

/// The rows of one side (users or items) that belong to this rank's shard, plus where every
/// shard's rows start. Shard s owns global rows [shard_begin[s], shard_begin[s + 1]).
struct Catalogue {
  std::vector<std::string> ids;  ///< this shard's ids, in row order
  std::vector<std::int64_t> shard_begin;
  int shard = 0;

  std::int64_t row_begin() const { return shard_begin[static_cast<std::size_t>(shard)]; }
  std::int64_t total() const { return shard_begin.back(); }
  std::int64_t size() const { return static_cast<std::int64_t>(ids.size()); }
  /// The shard that owns a global row.
  int shard_of_row(std::int64_t row) const;
  const std::string& id_of_row(std::int64_t row) const {
    return ids[static_cast<std::size_t>(row - row_begin())];
  }
};

struct ShardedData {
  std::vector<std::string> scenes;  ///< every scene, sorted by name (same on all ranks)
  std::vector<std::int64_t> scene_interactions;  ///< deduplicated interactions per scene
  Catalogue users;  ///< users of this rank's shard (same on every rank of the shard)
  Catalogue items;  ///< items of the item shard with this rank's shard number
  std::vector<Rating>
      ratings;  ///< this rank's ratings, deduplicated, sorted by (scene, user, item)
  std::unordered_map<std::int64_t, std::string> item_ids_seen;  ///< row -> id of items in `ratings`
  bool has_timestamps = false;
  std::int64_t duplicates_merged = 0;  ///< over all ranks
};

/// Pure: orders ids by (stable hash, id) and removes repeats — the global row order.
void sort_ids_in_row_order(std::vector<std::string>& ids);

/// Collective over world. Plans the grid from the scenes' loads (requested_groups = 0: automatic),
/// routes each record to its owner with MPI_Alltoallv, builds the user and item catalogues, and
/// sums duplicate (user, item, scene) rows. Consumes `read`. `extra_item_ids` (this rank's;
/// items of --item-features, which may not occur in the log) join the item catalogue too, and
/// their global rows come back in extra_item_rows, in the same order.
struct ShardingResult {
  mpi::ProcessGrid grid;
  ShardedData data;
  std::vector<std::int64_t> extra_item_rows;
};
ShardingResult shard_interactions(const mpi::Communicator& world, ReadResult&& read,
                                  int requested_groups,
                                  const std::vector<std::string>& extra_item_ids = {});

/// Several inputs that share one grid and one user/item catalogue (the train and test files of
/// a split): `data` is built from all of them, but each input keeps its own ratings.
struct MultiShardingResult {
  mpi::ProcessGrid grid;
  ShardedData data;  ///< data.ratings is empty; counts and duplicates are over all inputs
  std::vector<std::vector<Rating>> ratings;  ///< per input, deduplicated, sorted like data.ratings
};

/// Collective over world. Like shard_interactions for `inputs` together: the grid is planned from
/// the scenes' loads of all inputs, and duplicates within an input are summed. A (user, item,
/// scene) present in two inputs is an agreed InputError (exit 1) naming both, by `names`
/// (one per input). Consumes the inputs' records. `extra_item_ids` join the item catalogue as in
/// shard_interactions.
MultiShardingResult shard_inputs(const mpi::Communicator& world, std::vector<ReadResult>&& inputs,
                                 const std::vector<std::string>& names, int requested_groups,
                                 const std::vector<std::string>& extra_item_ids = {});

}  // namespace sceneals::io
