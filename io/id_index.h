// A flat open-addressing index from string ids to numbers, keyed by the stable hash_id the
// sharding computes anyway. std::unordered_map<std::string, ...> costs a heap node per id, a
// second hash (std::hash) and a pointer chase per lookup; with millions of ids looked up once
// per interaction that was most of the routing time. Ids are compared only when hashes match
// (distinct ids with equal 64-bit hashes stay distinct), and are not copied: the index holds
// views into storage the caller keeps alive and unchanged.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace sceneals::io {

class IdIndex {
 public:
  /// Sized for `expected` ids without growing.
  explicit IdIndex(std::size_t expected = 0);

  /// Adds `id` (whose hash_id is `hash`) with `value` unless present. Returns true when added.
  bool insert(std::string_view id, std::uint64_t hash, std::int64_t value) {
    return emplace(id, hash, value).second;
  }
  /// Adds `id` with `value` unless present. Returns the value `id` now has (its old one when it
  /// was present) and whether it was added.
  std::pair<std::int64_t, bool> emplace(std::string_view id, std::uint64_t hash,
                                        std::int64_t value);
  /// The value of `id`, or -1 when absent (values are rows: never negative).
  std::int64_t find(std::string_view id, std::uint64_t hash) const;
  /// The value of an id known to be in the index. While no two ids of the index share a hash
  /// (checked on insert; true in practice for 64-bit hashes) the hash alone identifies it and
  /// the id's bytes are not read: one memory access fewer per lookup.
  std::int64_t find_present(std::string_view id, std::uint64_t hash) const;
  /// Hints the processor to load the slot `hash` starts at (batched lookups overlap misses).
  void prefetch(std::uint64_t hash) const {
    __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    const char* id = nullptr;  ///< nullptr: empty slot
    std::uint32_t length = 0;
    std::int64_t value = 0;
  };
  std::size_t slot_of(std::string_view id, std::uint64_t hash) const;
  void grow();

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  bool shared_hash_ = false;  // two ids of the index have the same hash
};

}  // namespace sceneals::io
