#include "io/id_index.h"

#include <limits>

#include "mpi/error.h"

namespace sceneals::io {

namespace {

std::size_t capacity_for(std::size_t ids) {
  std::size_t capacity = 16;
  while (capacity < 2 * ids) capacity *= 2;  // at most half full: short probe sequences
  return capacity;
}

}  // namespace

IdIndex::IdIndex(std::size_t expected) : slots_(capacity_for(expected)) {}

std::size_t IdIndex::slot_of(std::string_view id, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  // hash_id's high bits are well mixed (splitmix64), so its low bits pick the slot directly.
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    const Slot& slot = slots_[at];
    if (slot.id == nullptr || (slot.hash == hash && std::string_view(slot.id, slot.length) == id))
      return at;
  }
}

std::int64_t IdIndex::find_present(std::string_view id, std::uint64_t hash) const {
  if (shared_hash_) return find(id, hash);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    const Slot& slot = slots_[at];
    if (slot.hash == hash && slot.id != nullptr) return slot.value;
    if (slot.id == nullptr) return -1;  // not present after all: the caller's invariant fails
  }
}

std::pair<std::int64_t, bool> IdIndex::emplace(std::string_view id, std::uint64_t hash,
                                               std::int64_t value) {
  check_invariant(id.size() <= std::numeric_limits<std::uint32_t>::max() && value >= 0,
                  "IdIndex: ids under 4 GiB, values not negative");
  if (2 * (size_ + 1) > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t at = hash & mask;
  for (; slots_[at].id != nullptr; at = (at + 1) & mask) {
    const Slot& other = slots_[at];
    if (other.hash != hash) continue;
    if (std::string_view(other.id, other.length) == id) return {other.value, false};
    shared_hash_ = true;  // another id, the same 64-bit hash: lookups must compare ids
  }
  Slot& slot = slots_[at];
  // An empty id still needs a non-null pointer to mark the slot as used.
  static constexpr char kEmpty = '\0';
  slot = Slot{hash, id.empty() ? &kEmpty : id.data(), static_cast<std::uint32_t>(id.size()), value};
  ++size_;
  return {value, true};
}

std::int64_t IdIndex::find(std::string_view id, std::uint64_t hash) const {
  const Slot& slot = slots_[slot_of(id, hash)];
  return slot.id == nullptr ? -1 : slot.value;
}

void IdIndex::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.id == nullptr) continue;
    std::size_t at = slot.hash & mask;
    while (slots_[at].id != nullptr) at = (at + 1) & mask;
    slots_[at] = slot;
  }
}

}  // namespace sceneals::io
