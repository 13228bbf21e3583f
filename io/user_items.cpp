#include "io/user_items.h"

#include <algorithm>

#include "mpi/error.h"
#include "mpi/error_agreement.h"

namespace sceneals::io {

namespace {

/// Sorts one user's (position, value) pairs by position and sums repeats.
UserItems merge(std::vector<std::pair<std::int32_t, float>>& pairs) {
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  UserItems out;
  for (const auto& [position, value] : pairs) {
    if (!out.items.empty() && out.items.back() == position) {
      out.values.back() += value;
    } else {
      out.items.push_back(position);
      out.values.push_back(value);
    }
  }
  return out;
}

}  // namespace

std::vector<UserItems> read_user_items(
    const mpi::Communicator& comm, const ReadOptions& train, const std::string& scene,
    const std::vector<std::string>& users,
    const std::unordered_map<std::string, std::int32_t>& position_of_item,
    const std::string& model_path) {
  // Who asked for which user: every rank's distinct users, so a record goes straight to them.
  std::vector<std::string> mine = users;
  std::sort(mine.begin(), mine.end());
  mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
  const std::vector<std::int64_t> counts =
      comm.allgather<std::int64_t>(static_cast<std::int64_t>(mine.size()));
  const std::vector<std::string> asked = comm.allgatherv_strings(mine);
  std::unordered_map<std::string, std::vector<int>> askers;
  for (int rank = 0, at = 0; rank < comm.size(); ++rank)
    for (std::int64_t i = 0; i < counts[static_cast<std::size_t>(rank)]; ++i)
      askers[asked[static_cast<std::size_t>(at++)]].push_back(rank);

  ReadResult read = read_interactions(comm, train);
  const auto ranks = static_cast<std::size_t>(comm.size());
  std::vector<std::vector<std::string>> send_users(ranks);
  std::vector<std::vector<std::int32_t>> send_items(ranks);
  std::vector<std::vector<float>> send_values(ranks);
  mpi::run_agreed(comm, [&] {
    // Who asked for each distinct user of this rank's records (nullptr: nobody).
    std::vector<const std::vector<int>*> askers_of(read.users.size(), nullptr);
    for (std::uint32_t code = 0; code < read.users.size(); ++code) {
      const auto found = askers.find(std::string(read.users[code]));
      if (found != askers.end()) askers_of[code] = &found->second;
    }
    for (const ReadRecord& record : read.records) {
      if (askers_of[record.user] == nullptr || read.scenes[record.scene] != scene) continue;
      const std::string item_id(read.items[record.item]);
      const auto item = position_of_item.find(item_id);
      if (item == position_of_item.end())
        throw InputError(train.path, "item '" + item_id + "' (user '" +
                                         std::string(read.users[record.user]) + "', scene '" +
                                         scene + "') is not in the model " + model_path);
      if (item->second < 0) continue;
      for (const int rank : *askers_of[record.user]) {
        send_users[static_cast<std::size_t>(rank)].emplace_back(read.users[record.user]);
        send_items[static_cast<std::size_t>(rank)].push_back(item->second);
        send_values[static_cast<std::size_t>(rank)].push_back(record.value);
      }
    }
  });
  read = ReadResult{};
  const std::vector<std::string> got_users = comm.alltoallv_strings(send_users);
  const std::vector<std::int32_t> got_items = comm.alltoallv(send_items);
  const std::vector<float> got_values = comm.alltoallv(send_values);

  std::unordered_map<std::string, std::vector<std::pair<std::int32_t, float>>> by_user;
  for (std::size_t r = 0; r < got_users.size(); ++r)
    by_user[got_users[r]].emplace_back(got_items[r], got_values[r]);
  std::unordered_map<std::string, UserItems> merged;
  for (auto& [user, pairs] : by_user) merged.emplace(user, merge(pairs));
  std::vector<UserItems> out;
  out.reserve(users.size());
  for (const std::string& user : users) {
    const auto at = merged.find(user);
    out.push_back(at == merged.end() ? UserItems() : at->second);
  }
  return out;
}

}  // namespace sceneals::io
