// The items some users have in one scene of an interaction log (the train.csv of a split): what
// `recommend` masks (--exclude-seen) and what rebuilds a stored user's system (--explain). The log
// is read in parallel byte ranges like any input; each record reaches the ranks that asked for
// its user in one all-to-all, so no rank reads or holds the whole log.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/interaction_reader.h"
#include "mpi/communicator.h"

namespace sceneals::io {

/// One user's items in a scene: positions in the scene's item table, ascending and distinct, with
/// the values of duplicate lines summed (as training sums them).
struct UserItems {
  std::vector<std::int32_t> items;
  std::vector<float> values;
};

/// Collective over `comm`. For each of this rank's `users` (repeats allowed), its items in
/// `scene` in the log `train`. `position_of_item` maps every item id of the model to its position
/// in the scene's item table, or -1 when it has no factors in the scene (such items are skipped:
/// they are never recommended and add nothing to a user's system). An item of a requested user's
/// line in the scene that is not in the model is an AgreedError (exit 1) naming both files.
/// Bad lines of the log are AgreedErrors as for every input (io/interaction_reader.h).
std::vector<UserItems> read_user_items(
    const mpi::Communicator& comm, const ReadOptions& train, const std::string& scene,
    const std::vector<std::string>& users,
    const std::unordered_map<std::string, std::int32_t>& position_of_item,
    const std::string& model_path);

}  // namespace sceneals::io
