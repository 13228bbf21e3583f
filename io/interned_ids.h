// The distinct ids of one field (users, items or scenes) in the order they were first met, each
// stored once with its stable hash and known by a code: its position in that order. The reader
// turns each record's ids into codes as it parses, so a record is 24 bytes instead of three
// strings, and routing and cataloguing work on the distinct ids (a user has dozens of
// interactions, an item thousands) instead of a string per interaction.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace sceneals::io {

class InternedIds {
 public:
  InternedIds() = default;
  InternedIds(InternedIds&&) = default;
  InternedIds& operator=(InternedIds&&) = default;
  // The index holds views into the blocks: a copy would point into its original.
  InternedIds(const InternedIds&) = delete;
  InternedIds& operator=(const InternedIds&) = delete;

  /// The code of `id`, whose hash_id is `hash`; a new id gets the next code.
  std::uint32_t intern(std::string_view id, std::uint64_t hash);
  /// Sizes the index for `ids` distinct ids at least, so that interning them never rehashes:
  /// each doubling of a large index touches new memory and moves every entry.
  void reserve(std::size_t ids);
  /// Hints the processor to load the slot of `hash` (batched interning overlaps misses).
  void prefetch(std::uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }

  std::size_t size() const { return ids_.size(); }
  std::string_view operator[](std::uint32_t code) const { return ids_[code]; }
  std::uint64_t hash(std::uint32_t code) const { return hashes_[code]; }

 private:
  /// An id of up to kInlineBytes is kept in its slot too, zero-padded, so that finding it
  /// compares two words of the slot already loaded instead of following a pointer to its bytes
  /// (a second cache miss per lookup once the table outgrows the cache).
  static constexpr std::size_t kInlineBytes = 16;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t code_plus_one = 0;  ///< 0: empty
    std::uint32_t length = 0;
    std::uint64_t inline_words[2] = {0, 0};
  };

  /// A stable copy of `id`: blocks are never moved, so views into them stay valid.
  std::string_view store(std::string_view id);
  /// Rehashes into an index of `slots` slots (a power of two).
  void rehash(std::size_t slots);

  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_bytes_ = 0;  ///< size of the last block
  std::size_t block_free_ = 0;   ///< bytes left at the end of the last block
  std::vector<std::string_view> ids_;
  std::vector<std::uint64_t> hashes_;
  std::vector<Slot> slots_;  ///< open addressing, at most half full
};

}  // namespace sceneals::io
