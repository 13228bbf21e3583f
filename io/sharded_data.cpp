#include "io/sharded_data.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string_view>

#include "io/id_hash.h"
#include "io/id_index.h"
#include "mpi/error.h"
#include "mpi/error_agreement.h"

namespace sceneals::io {

int Catalogue::shard_of_row(std::int64_t row) const {
  const auto after = std::upper_bound(shard_begin.begin(), shard_begin.end(), row);
  return static_cast<int>(after - shard_begin.begin()) - 1;
}

void sort_ids_in_row_order(std::vector<std::string>& ids) {
  std::vector<std::pair<std::uint64_t, std::string>> keyed;
  keyed.reserve(ids.size());
  for (std::string& id : ids) {
    const std::uint64_t hash = hash_id(id);
    keyed.emplace_back(hash, std::move(id));
  }
  std::sort(keyed.begin(), keyed.end());
  keyed.erase(std::unique(keyed.begin(), keyed.end()), keyed.end());
  ids.clear();
  for (auto& entry : keyed) ids.push_back(std::move(entry.second));
}

namespace {

/// The global scene list (sorted by name) and each scene's record count, over all inputs.
void gather_scenes(const mpi::Communicator& world, const std::vector<ReadResult>& inputs,
                   std::vector<std::string>& scenes, std::vector<std::int64_t>& loads) {
  std::map<std::string, std::int64_t> local;
  for (const ReadResult& input : inputs)
    for (const Interaction& r : input.records) ++local[r.scene];
  std::vector<std::string> names;
  std::vector<std::int64_t> counts;
  for (const auto& [name, count] : local) {
    names.push_back(name);
    counts.push_back(count);
  }
  const std::vector<std::string> all_names = world.allgatherv_strings(names);
  const std::vector<std::int64_t> all_counts = world.allgatherv(counts);
  std::map<std::string, std::int64_t> merged;
  for (std::size_t i = 0; i < all_names.size(); ++i) merged[all_names[i]] += all_counts[i];
  for (const auto& [name, count] : merged) {
    scenes.push_back(name);
    loads.push_back(count);
  }
}

/// Ids as they travel and wait to be encoded: their bytes back to back and where each ends,
/// 12 bytes and the id's length each instead of a 32-byte std::string (plus its heap block
/// when longer than 15 bytes).
struct PackedIds {
  std::vector<char> chars;
  std::vector<std::uint32_t> lengths;
  std::vector<std::uint64_t> ends;  ///< filled by index(), from lengths

  std::size_t size() const { return ends.size(); }
  std::string_view operator[](std::size_t i) const {
    const std::uint64_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(chars.data() + begin, ends[i] - begin);
  }
  void append(std::string_view id) {
    chars.insert(chars.end(), id.begin(), id.end());
    lengths.push_back(static_cast<std::uint32_t>(id.size()));
  }
  /// After receiving: where each id ends (and a check that the lengths cover the bytes).
  void index() {
    ends.resize(lengths.size());
    std::uint64_t end = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) ends[i] = end += lengths[i];
    std::vector<std::uint32_t>().swap(lengths);
    check_invariant(end == chars.size(), "routed id lengths cover the routed bytes");
  }
};

/// Records as they travel to their owner: ids packed, numbers as one struct.
struct RoutedNumbers {
  std::int32_t scene;
  float value;
  std::int64_t timestamp;
};

struct RoutedRecords {
  PackedIds users, items;
  std::vector<RoutedNumbers> numbers;
};

/// Sends every side of the per-destination packs to their ranks, freeing each once sent.
PackedIds exchange_ids(const mpi::Communicator& world, std::vector<PackedIds>& send) {
  std::vector<std::vector<char>> chars(send.size());
  std::vector<std::vector<std::uint32_t>> lengths(send.size());
  for (std::size_t d = 0; d < send.size(); ++d) {
    chars[d] = std::move(send[d].chars);
    lengths[d] = std::move(send[d].lengths);
  }
  std::vector<PackedIds>().swap(send);
  PackedIds received;
  received.chars = world.alltoallv(chars);
  std::vector<std::vector<char>>().swap(chars);
  received.lengths = world.alltoallv(lengths);
  received.index();
  return received;
}

RoutedRecords route_to_user_owners(const mpi::Communicator& world, const mpi::GridPlan& plan,
                                   const std::vector<std::string>& scenes,
                                   std::vector<Interaction>&& records) {
  const std::size_t ranks = static_cast<std::size_t>(world.size());
  // Owners and sizes first, so every destination's pack is reserved to its size (growing them
  // by doubling held up to twice the records at once).
  std::vector<std::int32_t> scene_of(records.size()), owner_of(records.size());
  std::vector<std::size_t> per_owner(ranks, 0), user_bytes(ranks, 0), item_bytes(ranks, 0);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Interaction& r = records[i];
    scene_of[i] = static_cast<std::int32_t>(
        std::lower_bound(scenes.begin(), scenes.end(), r.scene) - scenes.begin());
    owner_of[i] = plan.rank_of(plan.group_of_scene[static_cast<std::size_t>(scene_of[i])],
                               hash_range_part(hash_id(r.user), plan.user_shards));
    const auto d = static_cast<std::size_t>(owner_of[i]);
    ++per_owner[d];
    user_bytes[d] += r.user.size();
    item_bytes[d] += r.item.size();
  }
  std::vector<PackedIds> users(ranks), items(ranks);
  std::vector<std::vector<RoutedNumbers>> numbers(ranks);
  for (std::size_t d = 0; d < ranks; ++d) {
    users[d].chars.reserve(user_bytes[d]);
    users[d].lengths.reserve(per_owner[d]);
    items[d].chars.reserve(item_bytes[d]);
    items[d].lengths.reserve(per_owner[d]);
    numbers[d].reserve(per_owner[d]);
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Interaction& r = records[i];
    const auto d = static_cast<std::size_t>(owner_of[i]);
    users[d].append(r.user);
    items[d].append(r.item);
    numbers[d].push_back({scene_of[i], static_cast<float>(r.value), r.timestamp});
  }
  // The records (three strings each) are the largest thing here: gone before the exchange.
  std::vector<Interaction>().swap(records);
  RoutedRecords routed;
  routed.users = exchange_ids(world, users);
  routed.items = exchange_ids(world, items);
  routed.numbers = world.alltoallv(numbers);
  return routed;
}

/// Rows of a shard: every rank of the shard communicator contributes the ids it saw; the union,
/// in row order, is the shard's catalogue. Shard sizes travel over the group communicator.
Catalogue build_catalogue(const mpi::ProcessGrid& grid, std::vector<std::string> local_ids) {
  sort_ids_in_row_order(local_ids);
  Catalogue catalogue;
  catalogue.ids = grid.shard_comm.allgatherv_strings(local_ids);
  sort_ids_in_row_order(catalogue.ids);
  catalogue.shard = grid.shard;
  const std::vector<std::int64_t> sizes = grid.group_comm.allgather(catalogue.size());
  catalogue.shard_begin.assign(1, 0);
  for (std::int64_t size : sizes)
    catalogue.shard_begin.push_back(catalogue.shard_begin.back() + size);
  return catalogue;
}

/// The distinct ids of one field over the routed records of every input, in first-seen order
/// (the catalogue orders them).
std::vector<std::string> distinct_ids(const std::vector<RoutedRecords>& routed,
                                      PackedIds RoutedRecords::*field) {
  // The records repeat each id many times (a user per interaction): an index of the ones seen,
  // so only the distinct ones are copied and later sorted.
  std::size_t records = 0;
  for (const RoutedRecords& r : routed) records += (r.*field).size();
  IdIndex seen(records / 16);  // grows when there are more distinct ids
  std::vector<std::string> ids;
  for (const RoutedRecords& r : routed)
    for (std::size_t i = 0; i < (r.*field).size(); ++i) {
      const std::string_view id = (r.*field)[i];
      if (seen.insert(id, hash_id(id), 0)) ids.emplace_back(id);
    }
  return ids;
}

/// Rows by id: `ids[i]` has row `first_row + i`. Views into `ids`, which must outlive it.
IdIndex index_rows(const std::vector<std::string>& ids, std::int64_t first_row) {
  IdIndex index(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i)
    index.insert(ids[i], hash_id(ids[i]), first_row + static_cast<std::int64_t>(i));
  return index;
}

/// Items are owned by item shards (hash ranges, like users). Each rank asks the owners in its
/// scene group for the rows of the items it holds (`wanted`, distinct); the owners build the
/// catalogue and answer. The rows come back in `rows`, one per wanted id.
void encode_items(const mpi::ProcessGrid& grid, const std::vector<std::string>& wanted,
                  Catalogue& catalogue, std::vector<std::int64_t>& rows_of_wanted) {
  const std::size_t shards = static_cast<std::size_t>(grid.plan.user_shards);
  std::vector<std::vector<std::string>> asks(shards);
  std::vector<std::vector<std::size_t>> asked_at(shards);  // each ask's position in `wanted`
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const auto shard =
        static_cast<std::size_t>(hash_range_part(hash_id(wanted[i]), grid.plan.user_shards));
    asks[shard].push_back(wanted[i]);
    asked_at[shard].push_back(i);
  }
  std::vector<std::int64_t> ask_counts;
  const std::vector<std::string> asked = grid.group_comm.alltoallv_strings(asks, &ask_counts);

  catalogue = build_catalogue(grid, asked);
  const IdIndex row_of = index_rows(catalogue.ids, catalogue.row_begin());

  std::vector<std::vector<std::int64_t>> answers(shards);
  std::size_t next = 0;
  for (std::size_t source = 0; source < shards; ++source)
    for (std::int64_t i = 0; i < ask_counts[source]; ++i, ++next)
      answers[source].push_back(row_of.find(asked[next], hash_id(asked[next])));
  const std::vector<std::int64_t> rows = grid.group_comm.alltoallv(answers);

  // The answers come in the order of the asks.
  rows_of_wanted.assign(wanted.size(), -1);
  next = 0;
  for (const std::vector<std::size_t>& positions : asked_at)
    for (const std::size_t at : positions) rows_of_wanted[at] = rows[next++];
}

/// Sorts by (scene, user, item) and sums repeated triples (values added, latest timestamp kept).
std::int64_t merge_duplicates(std::vector<Rating>& ratings) {
  std::sort(ratings.begin(), ratings.end(), [](const Rating& a, const Rating& b) {
    return std::tie(a.scene, a.user_row, a.item_row, a.value) <
           std::tie(b.scene, b.user_row, b.item_row, b.value);
  });
  std::size_t out = 0;
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    if (out > 0 && ratings[out - 1].scene == ratings[i].scene &&
        ratings[out - 1].user_row == ratings[i].user_row &&
        ratings[out - 1].item_row == ratings[i].item_row) {
      ratings[out - 1].value += ratings[i].value;
      ratings[out - 1].timestamp = std::max(ratings[out - 1].timestamp, ratings[i].timestamp);
    } else {
      ratings[out++] = ratings[i];
    }
  }
  const auto merged = static_cast<std::int64_t>(ratings.size() - out);
  ratings.resize(out);
  return merged;
}

/// Duplicates are summed in float32 (every value fits, the line parser checks that): a sum that
/// overflows is the input's problem, named by its ids.
void check_sums_finite(const ShardedData& data, const std::vector<Rating>& ratings) {
  for (const Rating& r : ratings)
    if (!std::isfinite(r.value))
      throw InputError("duplicate rows of (user '" + data.users.id_of_row(r.user_row) +
                       "', item '" + data.item_ids_seen.at(r.item_row) + "', scene '" +
                       data.scenes[static_cast<std::size_t>(r.scene)] +
                       "') sum to more than float32 can hold");
}

/// The routed records of one input as ratings with global rows.
std::vector<Rating> encode_ratings(const RoutedRecords& routed, const IdIndex& user_row,
                                   const IdIndex& item_row) {
  const std::size_t n = routed.numbers.size();
  std::vector<Rating> ratings(n);
  // In batches: hash a batch and prefetch its slots, then look them up, so the cache misses of
  // a batch overlap instead of following one another.
  constexpr std::size_t kBatch = 16;
  std::uint64_t user_hash[kBatch], item_hash[kBatch];
  for (std::size_t begin = 0; begin < n; begin += kBatch) {
    const std::size_t count = std::min(kBatch, n - begin);
    for (std::size_t j = 0; j < count; ++j) {
      user_hash[j] = hash_id(routed.users[begin + j]);
      item_hash[j] = hash_id(routed.items[begin + j]);
      user_row.prefetch(user_hash[j]);
      item_row.prefetch(item_hash[j]);
    }
    for (std::size_t j = 0; j < count; ++j) {
      const std::size_t i = begin + j;
      Rating& r = ratings[i];
      r.user_row = user_row.find_present(routed.users[i], user_hash[j]);
      r.item_row = item_row.find_present(routed.items[i], item_hash[j]);
      check_invariant(r.user_row >= 0 && r.item_row >= 0, "every routed id has a row");
      r.scene = routed.numbers[i].scene;
      r.value = routed.numbers[i].value;
      r.timestamp = routed.numbers[i].timestamp;
      r.pair_hash = hash_combine(user_hash[j], item_hash[j]);
    }
  }
  return ratings;
}

/// Shards every input with one grid and one catalogue; each input keeps its own ratings.
MultiShardingResult shard_all(const mpi::Communicator& world, std::vector<ReadResult>& inputs,
                              int requested_groups) {
  ShardedData data;
  for (const ReadResult& input : inputs) data.has_timestamps |= input.has_timestamps;
  std::vector<std::int64_t> loads;
  gather_scenes(world, inputs, data.scenes, loads);
  mpi::GridPlan plan;
  mpi::run_agreed(world, [&] {
    for (const std::string& scene : data.scenes)  // each scene becomes an HDF5 group name
      if (scene.find('/') != std::string::npos || scene == "." || scene == "..")
        throw InputError("scene name '" + scene +
                         "' cannot be an HDF5 group name (no '/', '.' or '..')");
    plan = mpi::plan_process_grid(world.size(), loads, requested_groups);
  });
  mpi::ProcessGrid grid = mpi::make_process_grid(world, std::move(plan));

  std::vector<RoutedRecords> routed;
  for (ReadResult& input : inputs)
    routed.push_back(route_to_user_owners(world, grid.plan, data.scenes, std::move(input.records)));
  data.users = build_catalogue(grid, distinct_ids(routed, &RoutedRecords::users));
  const IdIndex user_row = index_rows(data.users.ids, data.users.row_begin());
  const std::vector<std::string> item_ids = distinct_ids(routed, &RoutedRecords::items);
  std::vector<std::int64_t> rows_of_items;
  encode_items(grid, item_ids, data.items, rows_of_items);
  IdIndex item_row(item_ids.size());
  for (std::size_t i = 0; i < item_ids.size(); ++i)
    item_row.insert(item_ids[i], hash_id(item_ids[i]), rows_of_items[i]);

  std::vector<std::vector<Rating>> ratings;
  std::int64_t merged = 0;
  for (RoutedRecords& input : routed) {
    ratings.push_back(encode_ratings(input, user_row, item_row));
    input = RoutedRecords{};  // the strings are no longer needed
    merged += merge_duplicates(ratings.back());
  }
  for (std::size_t i = 0; i < item_ids.size(); ++i)
    data.item_ids_seen.emplace(rows_of_items[i], item_ids[i]);
  mpi::run_agreed(world, [&] {
    for (const std::vector<Rating>& input : ratings) check_sums_finite(data, input);
  });
  data.duplicates_merged = world.sum(merged);

  data.scene_interactions.assign(data.scenes.size(), 0);
  for (const std::vector<Rating>& input : ratings)
    for (const Rating& r : input) ++data.scene_interactions[static_cast<std::size_t>(r.scene)];
  world.allreduce_in_place(data.scene_interactions, mpi::ReduceOp::kSum);
  return MultiShardingResult{std::move(grid), std::move(data), std::move(ratings)};
}

/// Throws InputError for the first (user, item, scene) this rank finds in two inputs. Each
/// input's ratings are sorted by (scene, user, item) with no repeated triple.
void check_disjoint(const ShardedData& data, const std::vector<std::vector<Rating>>& ratings,
                    const std::vector<std::string>& names) {
  const auto key = [](const Rating& r) { return std::tie(r.scene, r.user_row, r.item_row); };
  for (std::size_t a = 0; a < ratings.size(); ++a)
    for (std::size_t b = a + 1; b < ratings.size(); ++b) {
      auto x = ratings[a].begin(), y = ratings[b].begin();
      while (x != ratings[a].end() && y != ratings[b].end()) {
        if (key(*x) < key(*y)) {
          ++x;
        } else if (key(*y) < key(*x)) {
          ++y;
        } else {
          throw InputError("user '" + data.users.id_of_row(x->user_row) + "', item '" +
                           data.item_ids_seen.at(x->item_row) + "', scene '" +
                           data.scenes[static_cast<std::size_t>(x->scene)] + "' is in both " +
                           names[a] + " and " + names[b]);
        }
      }
    }
}

}  // namespace

ShardingResult shard_interactions(const mpi::Communicator& world, ReadResult&& read,
                                  int requested_groups) {
  std::vector<ReadResult> inputs;
  inputs.push_back(std::move(read));
  MultiShardingResult all = shard_all(world, inputs, requested_groups);
  all.data.ratings = std::move(all.ratings.front());
  return ShardingResult{std::move(all.grid), std::move(all.data)};
}

MultiShardingResult shard_inputs(const mpi::Communicator& world, std::vector<ReadResult>&& inputs,
                                 const std::vector<std::string>& names, int requested_groups) {
  check_invariant(names.size() == inputs.size(), "shard_inputs: one name per input");
  MultiShardingResult result = shard_all(world, inputs, requested_groups);
  mpi::run_agreed(world, [&] { check_disjoint(result.data, result.ratings, names); });
  return result;
}

}  // namespace sceneals::io
