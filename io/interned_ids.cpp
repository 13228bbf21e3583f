#include "io/interned_ids.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "mpi/error.h"

namespace sceneals::io {

namespace {

// Large enough that the block list stays short, small enough that a rank with few ids does not
// hold much unused memory.
constexpr std::size_t kBlockBytes = std::size_t{1} << 20;

}  // namespace

std::string_view InternedIds::store(std::string_view id) {
  if (id.size() > block_free_) {
    const std::size_t bytes = std::max(kBlockBytes, id.size());
    blocks_.push_back(std::make_unique<char[]>(bytes));
    block_bytes_ = bytes;
    block_free_ = bytes;
  }
  char* at = blocks_.back().get() + (block_bytes_ - block_free_);
  if (!id.empty()) std::memcpy(at, id.data(), id.size());
  block_free_ -= id.size();
  return std::string_view(at, id.size());
}

std::uint32_t InternedIds::intern(std::string_view id, std::uint64_t hash) {
  check_invariant(ids_.size() < std::numeric_limits<std::uint32_t>::max() &&
                      id.size() <= std::numeric_limits<std::uint32_t>::max(),
                  "fewer than 2^32 distinct ids per field on one rank, each under 4 GiB");
  if (2 * (ids_.size() + 1) > slots_.size()) rehash(std::max<std::size_t>(16, 2 * slots_.size()));
  std::uint64_t key[2] = {0, 0};
  const bool is_inline = id.size() <= kInlineBytes;
  if (is_inline && !id.empty()) std::memcpy(key, id.data(), id.size());
  const std::size_t mask = slots_.size() - 1;
  // hash_id's bits are well mixed (splitmix64), so its low bits pick the slot directly.
  std::size_t at = hash & mask;
  for (; slots_[at].code_plus_one != 0; at = (at + 1) & mask) {
    const Slot& slot = slots_[at];
    if (slot.hash != hash || slot.length != id.size()) continue;
    const bool same = is_inline ? slot.inline_words[0] == key[0] && slot.inline_words[1] == key[1]
                                : ids_[slot.code_plus_one - 1] == id;
    if (same) return slot.code_plus_one - 1;
  }
  const auto code = static_cast<std::uint32_t>(ids_.size());
  slots_[at] = Slot{hash, code + 1, static_cast<std::uint32_t>(id.size()), {key[0], key[1]}};
  ids_.push_back(store(id));
  hashes_.push_back(hash);
  return code;
}

void InternedIds::reserve(std::size_t ids) {
  std::size_t slots = 16;
  while (slots < 2 * (ids + 1)) slots *= 2;
  if (slots > slots_.size()) rehash(slots);
  ids_.reserve(ids);
  hashes_.reserve(ids);
}

void InternedIds::rehash(std::size_t slots) {
  std::vector<Slot> old(slots);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.code_plus_one == 0) continue;
    std::size_t at = slot.hash & mask;
    while (slots_[at].code_plus_one != 0) at = (at + 1) & mask;
    slots_[at] = slot;
  }
}

}  // namespace sceneals::io
