#include "io/sharded_data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <string_view>

#include "io/id_hash.h"
#include "io/interned_ids.h"
#include "io/radix_sort.h"
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
  for (const ReadResult& input : inputs) {
    std::vector<std::int64_t> per_code(input.scenes.size(), 0);
    for (const ReadRecord& r : input.records) ++per_code[r.scene];
    for (std::uint32_t code = 0; code < input.scenes.size(); ++code)
      local[std::string(input.scenes[code])] += per_code[code];
  }
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
  std::vector<std::uint64_t> ends;       ///< filled by index(), from lengths
  std::size_t most_from_one_source = 0;  ///< after an exchange: a lower bound on distinct ids

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

/// A record as it travels to its user owner: a read record re-pointed in place, its ids as codes
/// into the distinct ids sent with it (one list per source and destination), its scene by its
/// global number.
using RoutedRecord = ReadRecord;

/// What a rank receives: the distinct ids every source sent it, concatenated in source order,
/// and the records, whose codes are positions in those concatenations.
struct RoutedRecords {
  PackedIds users, items;
  std::vector<RoutedRecord> records;
  /// The buffer the records were sent from, kept to be reused: memory a process touches for the
  /// first time is costly (the kernel zeroes each page), and this buffer is already touched.
  std::vector<RoutedRecord> sent;
};

/// One field's codes for one destination at a time: a local code gets the destination's next
/// code, and its id joins the destination's pack, the first time that destination's records use
/// it. `for_destination_` says which destination a code's entry is for, so one array serves
/// every destination in turn (records are visited grouped by destination).
class DestinationCodes {
 public:
  explicit DestinationCodes(const InternedIds& ids) : ids_(ids), entry_(ids.size()) {}

  std::uint32_t code(std::uint32_t local, std::uint32_t destination, PackedIds& pack) {
    Entry& entry = entry_[local];
    if (entry.destination != destination) {
      entry.destination = destination;
      entry.code = static_cast<std::uint32_t>(pack.lengths.size());
      pack.append(ids_[local]);
    }
    return entry.code;
  }
  void prefetch(std::uint32_t local) const { __builtin_prefetch(&entry_[local]); }

 private:
  // One array of pairs, not two arrays: a lookup misses the cache once.
  struct Entry {
    std::uint32_t destination = ~std::uint32_t{0};  ///< none yet
    std::uint32_t code = 0;
  };
  const InternedIds& ids_;
  std::vector<Entry> entry_;
};

/// Sends every side of the per-destination packs to their ranks, freeing each once sent.
/// `counts` receives the number of ids from each source.
PackedIds exchange_ids(const mpi::Communicator& world, std::vector<PackedIds>& send,
                       std::vector<std::int64_t>& counts) {
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
  received.lengths = world.alltoallv(lengths, &counts);
  received.index();
  // Each source sends an id once.
  received.most_from_one_source =
      static_cast<std::size_t>(*std::max_element(counts.begin(), counts.end()));
  return received;
}

/// Where each source's codes start in the concatenation of every source's ids.
std::vector<std::uint32_t> source_offsets(const std::vector<std::int64_t>& counts) {
  std::vector<std::uint32_t> offsets(counts.size(), 0);
  std::int64_t total = 0;
  for (std::size_t s = 0; s < counts.size(); ++s) {
    offsets[s] = static_cast<std::uint32_t>(total);
    total += counts[s];
  }
  check_invariant(total < (std::int64_t{1} << 32), "fewer than 2^32 routed ids per rank");
  return offsets;
}

/// Reorders `records` in place so that each destination's are contiguous, in destination
/// order (an American flag sort: each record is moved straight to its destination's next free
/// place, the record it displaces is placed next); returns how many go to each destination.
/// In place, it touches no new memory, and reads the records in order but for the displaced.
template <class DestinationFn>
std::vector<std::int64_t> group_by_destination(std::vector<ReadRecord>& records,
                                               std::size_t destinations,
                                               DestinationFn&& destination_of) {
  std::vector<std::int64_t> counts(destinations, 0);
  for (const ReadRecord& r : records) ++counts[destination_of(r)];
  std::vector<std::size_t> next(destinations, 0), end(destinations, 0);
  for (std::size_t d = 0, at = 0; d < destinations; ++d) {
    next[d] = at;
    at += static_cast<std::size_t>(counts[d]);
    end[d] = at;
  }
  for (std::size_t d = 0; d < destinations; ++d) {
    while (next[d] < end[d]) {
      ReadRecord carried = records[next[d]];
      for (std::size_t to = destination_of(carried); to != d; to = destination_of(carried))
        std::swap(carried, records[next[to]++]);
      records[next[d]++] = carried;
    }
  }
  return counts;
}

RoutedRecords route_to_user_owners(const mpi::Communicator& world, const mpi::GridPlan& plan,
                                   const std::vector<std::string>& scenes, ReadResult&& input) {
  const std::size_t ranks = static_cast<std::size_t>(world.size());
  std::vector<std::uint32_t> scene_number(input.scenes.size());
  for (std::uint32_t code = 0; code < input.scenes.size(); ++code)
    scene_number[code] = static_cast<std::uint32_t>(
        std::lower_bound(scenes.begin(), scenes.end(), input.scenes[code]) - scenes.begin());
  std::vector<int> shard_of_user(input.users.size());
  for (std::uint32_t code = 0; code < input.users.size(); ++code)
    shard_of_user[code] = hash_range_part(input.users.hash(code), plan.user_shards);

  // Grouped by owner, so each owner's distinct ids are found in one pass over its records, and
  // its records are sent from where they lie once re-pointed.
  std::vector<ReadRecord>& records = input.records;
  const std::vector<std::int64_t> send_counts =
      group_by_destination(records, ranks, [&](const ReadRecord& r) {
        return static_cast<std::size_t>(
            plan.rank_of(plan.group_of_scene[scene_number[r.scene]], shard_of_user[r.user]));
      });
  std::vector<PackedIds> users(ranks), items(ranks);
  {
    DestinationCodes user_code(input.users), item_code(input.items);
    std::size_t at = 0;
    for (std::size_t d = 0; d < ranks; ++d) {
      const auto destination = static_cast<std::uint32_t>(d);
      const std::size_t end = at + static_cast<std::size_t>(send_counts[d]);
      for (; at < end; ++at) {
        constexpr std::size_t kAhead = 8;  // records ahead whose user entry is prefetched
        if (at + kAhead < end) user_code.prefetch(records[at + kAhead].user);
        ReadRecord& r = records[at];
        r.user = user_code.code(r.user, destination, users[d]);
        r.item = item_code.code(r.item, destination, items[d]);
        r.scene = scene_number[r.scene];
      }
    }
  }
  input.users = InternedIds{};  // the packs hold what is still needed
  input.items = InternedIds{};

  RoutedRecords routed;
  std::vector<std::int64_t> user_counts, item_counts, record_counts;
  routed.users = exchange_ids(world, users, user_counts);
  routed.items = exchange_ids(world, items, item_counts);
  routed.records = world.alltoallv(records.data(), send_counts, &record_counts);
  routed.sent = std::move(records);
  input = ReadResult{};
  // Each source's codes count from 0: made positions in the concatenations.
  const std::vector<std::uint32_t> user_offset = source_offsets(user_counts);
  const std::vector<std::uint32_t> item_offset = source_offsets(item_counts);
  std::size_t at = 0;
  for (std::size_t source = 0; source < ranks; ++source)
    for (std::int64_t i = 0; i < record_counts[source]; ++i, ++at) {
      routed.records[at].user += user_offset[source];
      routed.records[at].item += item_offset[source];
    }
  return routed;
}

/// Rows of a shard: every rank of the shard communicator contributes the distinct ids it saw;
/// the union, in row order, is the shard's catalogue, and `rows[code]` receives the global row
/// of `ids[code]`. Shard sizes travel over the group communicator. The ids are ordered by their
/// 64-bit hashes, which travel with them, and compared as strings only where two hashes are
/// equal: the order of sort_ids_in_row_order without sorting strings.
Catalogue build_catalogue(const mpi::ProcessGrid& grid, const InternedIds& ids,
                          std::vector<std::int64_t>& rows) {
  PackedIds all;
  std::vector<std::uint64_t> hashes(ids.size());
  for (std::uint32_t code = 0; code < ids.size(); ++code) {
    all.append(ids[code]);
    hashes[code] = ids.hash(code);
  }
  std::vector<std::int64_t> counts;
  all.chars = grid.shard_comm.allgatherv(all.chars);
  all.lengths = grid.shard_comm.allgatherv(all.lengths, &counts);
  all.index();
  hashes = grid.shard_comm.allgatherv(hashes);

  std::vector<std::pair<std::uint64_t, std::uint32_t>> order(all.size());  // (hash, position)
  for (std::uint32_t at = 0; at < order.size(); ++at) order[at] = {hashes[at], at};
  std::vector<std::uint64_t>().swap(hashes);
  radix_sort_by_key(order, [](const auto& entry) { return entry.first; });
  // Equal hashes: the same id from several ranks, or (rarely) two ids that collide, which the
  // row order puts in the order of their strings.
  for (std::size_t k = 0; k < order.size();) {
    std::size_t end = k + 1;
    while (end < order.size() && order[end].first == order[k].first) ++end;
    if (end - k > 1)
      std::sort(order.begin() + static_cast<std::ptrdiff_t>(k),
                order.begin() + static_cast<std::ptrdiff_t>(end),
                [&](const auto& a, const auto& b) { return all[a.second] < all[b.second]; });
    k = end;
  }
  Catalogue catalogue;
  catalogue.shard = grid.shard;
  // The row of every gathered id, counted within the shard until its first row is known.
  std::vector<std::int64_t> row_of(all.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::uint32_t at = order[k].second;
    const bool repeat =
        k > 0 && order[k].first == order[k - 1].first && all[at] == all[order[k - 1].second];
    if (!repeat) catalogue.ids.emplace_back(all[at]);
    row_of[at] = catalogue.size() - 1;
  }
  const std::vector<std::int64_t> sizes = grid.group_comm.allgather(catalogue.size());
  catalogue.shard_begin.assign(1, 0);
  for (std::int64_t size : sizes)
    catalogue.shard_begin.push_back(catalogue.shard_begin.back() + size);

  const std::int64_t mine =
      std::accumulate(counts.begin(), counts.begin() + grid.shard_comm.rank(), std::int64_t{0});
  rows.resize(ids.size());
  for (std::size_t code = 0; code < ids.size(); ++code)
    rows[code] = catalogue.row_begin() + row_of[static_cast<std::size_t>(mine) + code];
  return catalogue;
}

/// One field's routed ids over every input: the distinct ones, in first-seen order, and for
/// each input which distinct id each routed position holds.
struct FieldIds {
  InternedIds distinct;
  std::vector<std::vector<std::uint32_t>> distinct_of;  ///< [input][position]
};

FieldIds collect_field(const std::vector<RoutedRecords>& routed, PackedIds RoutedRecords::*field) {
  FieldIds out;
  std::size_t at_least = 0;
  for (const RoutedRecords& r : routed)
    at_least = std::max(at_least, (r.*field).most_from_one_source);
  out.distinct.reserve(at_least);
  for (const RoutedRecords& r : routed) {
    const PackedIds& ids = r.*field;
    std::vector<std::uint32_t>& distinct_of = out.distinct_of.emplace_back(ids.size());
    for (std::size_t p = 0; p < ids.size(); ++p)
      distinct_of[p] = out.distinct.intern(ids[p], hash_id(ids[p]));
  }
  return out;
}

/// Items are owned by item shards (hash ranges, like users). Each rank asks the owners in its
/// scene group for the rows of the items it holds (`wanted`, distinct); the owners build the
/// catalogue and answer. The rows come back in `rows`, one per wanted id.
void encode_items(const mpi::ProcessGrid& grid, const InternedIds& wanted, Catalogue& catalogue,
                  std::vector<std::int64_t>& rows_of_wanted) {
  const std::size_t shards = static_cast<std::size_t>(grid.plan.user_shards);
  std::vector<std::vector<std::string>> asks(shards);
  std::vector<std::vector<std::uint32_t>> asked_at(shards);  // each ask's code in `wanted`
  for (std::uint32_t code = 0; code < wanted.size(); ++code) {
    const auto shard =
        static_cast<std::size_t>(hash_range_part(wanted.hash(code), grid.plan.user_shards));
    asks[shard].emplace_back(wanted[code]);
    asked_at[shard].push_back(code);
  }
  std::vector<std::int64_t> ask_counts;
  const std::vector<std::string> asked = grid.group_comm.alltoallv_strings(asks, &ask_counts);
  // An item asked by several ranks of the group is one id of the catalogue's input.
  InternedIds distinct;
  std::vector<std::uint32_t> distinct_of(asked.size());
  for (std::size_t i = 0; i < asked.size(); ++i)
    distinct_of[i] = distinct.intern(asked[i], hash_id(asked[i]));
  std::vector<std::int64_t> rows_of_distinct;
  catalogue = build_catalogue(grid, distinct, rows_of_distinct);

  std::vector<std::vector<std::int64_t>> answers(shards);
  std::size_t next = 0;
  for (std::size_t source = 0; source < shards; ++source)
    for (std::int64_t i = 0; i < ask_counts[source]; ++i, ++next)
      answers[source].push_back(rows_of_distinct[distinct_of[next]]);
  const std::vector<std::int64_t> rows = grid.group_comm.alltoallv(answers);

  // The answers come in the order of the asks.
  rows_of_wanted.assign(wanted.size(), -1);
  next = 0;
  for (const std::vector<std::uint32_t>& codes : asked_at)
    for (const std::uint32_t at : codes) rows_of_wanted[at] = rows[next++];
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

/// The routed records of one input as ratings with global rows (`user_row[j]` is the row of the
/// j-th distinct user, `item_row` likewise), sorted by (scene, user, item) with repeated triples
/// summed: values added in ascending order, so that the sum does not depend on the order the
/// ratings arrived in, and the latest timestamp kept. `merged` counts the repeats removed.
///
/// A counting sort by user, then a small sort per user, then a stable scatter by scene, instead
/// of one comparison sort of everything: a user has a few dozen ratings, so the per-user sorts
/// stay in cache. Until the last scatter the records stay 24-byte routed records holding the
/// distinct codes (grouped in `spare`'s memory, already touched), and each is written once as a
/// 40-byte rating, in its final place.
std::vector<Rating> encode_merged_ratings(
    std::vector<RoutedRecord>&& routed, std::vector<RoutedRecord>&& spare,
    const std::vector<std::uint32_t>& user_of, const FieldIds& users,
    const std::vector<std::int64_t>& user_row, const std::vector<std::uint32_t>& item_of,
    const FieldIds& items, const std::vector<std::int64_t>& item_row, const Catalogue& catalogue,
    std::size_t scenes, std::int64_t& merged) {
  const std::int64_t first_user = catalogue.row_begin();
  check_invariant(catalogue.size() <= std::numeric_limits<std::uint32_t>::max(),
                  "fewer than 2^32 users per user shard");
  // Each routed user code's row within the shard, looked up once per distinct id rather than
  // once per record (two dependent cache misses each), and each row's hash, for the pair hash.
  std::vector<std::uint32_t> row_of_routed(user_of.size());
  std::vector<std::uint64_t> hash_of_row(static_cast<std::size_t>(catalogue.size()), 0);
  for (std::size_t p = 0; p < user_of.size(); ++p) {
    const std::int64_t row = user_row[user_of[p]];
    check_invariant(row >= first_user && row < first_user + catalogue.size(),
                    "ratings are on their user's shard");
    row_of_routed[p] = static_cast<std::uint32_t>(row - first_user);
    hash_of_row[row_of_routed[p]] = users.distinct.hash(user_of[p]);
  }
  // begin[u]: where the records of the shard's u-th user start in `by_user`.
  std::vector<std::size_t> begin(static_cast<std::size_t>(catalogue.size()) + 1, 0);
  for (const RoutedRecord& r : routed) ++begin[row_of_routed[r.user] + 1];
  for (std::size_t u = 1; u < begin.size(); ++u) begin[u] += begin[u - 1];
  // Grouped by user, each record's item code made a distinct code (over every source), in
  // `spare`'s memory where it is large enough.
  std::vector<RoutedRecord> by_user = std::move(spare);
  if (by_user.capacity() < routed.size()) by_user.clear();  // growing would copy stale records
  by_user.resize(routed.size());
  {
    std::vector<std::size_t> next(begin.begin(), begin.end() - 1);
    for (const RoutedRecord& r : routed) {
      RoutedRecord& placed = by_user[next[row_of_routed[r.user]]++];
      placed = r;
      placed.item = item_of[r.item];
    }
  }
  const std::size_t received = routed.size();
  std::vector<RoutedRecord>().swap(routed);

  // Each user's records by (scene, item row, value), repeats summed in place; begin[u] becomes
  // where user u's kept records start.
  const auto key = [&](const RoutedRecord& r) {
    return std::make_tuple(r.scene, item_row[r.item], r.value);
  };
  std::size_t kept = 0, start = 0;
  std::vector<std::size_t> scene_begin(scenes + 1, 0);
  for (std::size_t u = 0; u + 1 < begin.size(); ++u) {
    const std::size_t end = begin[u + 1];
    begin[u] = kept;
    const auto first = by_user.begin() + static_cast<std::ptrdiff_t>(start);
    const auto last = by_user.begin() + static_cast<std::ptrdiff_t>(end);
    std::sort(first, last,
              [&](const RoutedRecord& a, const RoutedRecord& b) { return key(a) < key(b); });
    for (auto r = first; r != last; ++r) {
      // Equal distinct codes are equal items (codes and rows correspond one to one).
      if (kept > begin[u] && by_user[kept - 1].scene == r->scene &&
          by_user[kept - 1].item == r->item) {
        by_user[kept - 1].value += r->value;
        by_user[kept - 1].timestamp = std::max(by_user[kept - 1].timestamp, r->timestamp);
      } else {
        by_user[kept++] = *r;
        ++scene_begin[static_cast<std::size_t>(r->scene) + 1];
      }
    }
    start = end;
  }
  begin.back() = kept;
  merged += static_cast<std::int64_t>(received - kept);

  // Stable by scene: within a scene the users stay in row order, and a user's items in order.
  for (std::size_t c = 1; c < scene_begin.size(); ++c) scene_begin[c] += scene_begin[c - 1];
  std::vector<Rating> ratings(kept);
  for (std::size_t u = 0; u + 1 < begin.size(); ++u)
    for (std::size_t k = begin[u]; k < begin[u + 1]; ++k) {
      const RoutedRecord& r = by_user[k];
      ratings[scene_begin[static_cast<std::size_t>(r.scene)]++] =
          Rating{first_user + static_cast<std::int64_t>(u),
                 item_row[r.item],
                 static_cast<std::int32_t>(r.scene),
                 r.value,
                 r.timestamp,
                 hash_combine(hash_of_row[u], items.distinct.hash(r.item))};
    }
  return ratings;
}

/// Shards every input with one grid and one catalogue; each input keeps its own ratings.
MultiShardingResult shard_all(const mpi::Communicator& world, std::vector<ReadResult>& inputs,
                              int requested_groups, const std::vector<std::string>& extra_item_ids,
                              std::vector<std::int64_t>& extra_item_rows) {
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
  for (ReadResult& input : inputs) {
    // Only the last input's sent buffer is kept for reuse: an earlier one would be held while
    // the later inputs route, raising the peak instead of lowering it.
    if (!routed.empty()) std::vector<RoutedRecord>().swap(routed.back().sent);
    routed.push_back(route_to_user_owners(world, grid.plan, data.scenes, std::move(input)));
  }

  const FieldIds users = collect_field(routed, &RoutedRecords::users);
  std::vector<std::int64_t> user_rows;
  data.users = build_catalogue(grid, users.distinct, user_rows);
  FieldIds items = collect_field(routed, &RoutedRecords::items);
  std::vector<std::uint32_t> extra_codes;
  for (const std::string& id : extra_item_ids)
    extra_codes.push_back(items.distinct.intern(id, hash_id(id)));
  std::vector<std::int64_t> item_rows;
  encode_items(grid, items.distinct, data.items, item_rows);
  for (const std::uint32_t code : extra_codes) extra_item_rows.push_back(item_rows[code]);
  for (const std::vector<std::int64_t>* rows : {&user_rows, &item_rows})
    for (const std::int64_t row : *rows) check_invariant(row >= 0, "every routed id has a row");

  std::vector<std::vector<Rating>> ratings;
  std::int64_t merged = 0;
  for (std::size_t input = 0; input < routed.size(); ++input) {
    std::vector<RoutedRecord> records = std::move(routed[input].records);
    std::vector<RoutedRecord> sent = std::move(routed[input].sent);
    routed[input] = RoutedRecords{};  // the strings are no longer needed
    ratings.push_back(encode_merged_ratings(
        std::move(records), std::move(sent), users.distinct_of[input], users, user_rows,
        items.distinct_of[input], items, item_rows, data.users, data.scenes.size(), merged));
  }
  for (std::uint32_t code = 0; code < items.distinct.size(); ++code)
    data.item_ids_seen.emplace(item_rows[code], items.distinct[code]);
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
                                  int requested_groups,
                                  const std::vector<std::string>& extra_item_ids) {
  std::vector<ReadResult> inputs;
  inputs.push_back(std::move(read));
  std::vector<std::int64_t> extra_item_rows;
  MultiShardingResult all =
      shard_all(world, inputs, requested_groups, extra_item_ids, extra_item_rows);
  all.data.ratings = std::move(all.ratings.front());
  return ShardingResult{std::move(all.grid), std::move(all.data), std::move(extra_item_rows)};
}

MultiShardingResult shard_inputs(const mpi::Communicator& world, std::vector<ReadResult>&& inputs,
                                 const std::vector<std::string>& names, int requested_groups,
                                 const std::vector<std::string>& extra_item_ids) {
  check_invariant(names.size() == inputs.size(), "shard_inputs: one name per input");
  std::vector<std::int64_t> extra_rows;
  MultiShardingResult result =
      shard_all(world, inputs, requested_groups, extra_item_ids, extra_rows);
  mpi::run_agreed(world, [&] { check_disjoint(result.data, result.ratings, names); });
  return result;
}

}  // namespace sceneals::io
