// Stable 64-bit hashes of string ids. They decide owner ranks, row order, factor initialisation
// and the split, so they must never change between versions, platforms or rank counts:
// FNV-1a over the bytes, finished by the splitmix64 mixer for well-spread high bits.
#pragma once

#include <cstdint>
#include <string_view>

namespace sceneals::io {

/// splitmix64's finaliser: a bijection on 64-bit words that spreads every input bit.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// Hash of a string, seeded. Different seeds give independent-looking hash functions.
constexpr std::uint64_t hash_id(std::string_view id, std::uint64_t seed = 0) {
  std::uint64_t h = 0xCBF29CE484222325ULL ^ mix64(seed);
  for (char c : id) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001B3ULL;
  }
  return mix64(h);
}

/// Combines two hashes (order matters), for keys made of several ids such as (user, scene).
constexpr std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b) {
  return mix64(a ^ (b + 0x9E3779B97F4A7C15ULL + (a << 6) + (a >> 2)));
}

/// Maps a hash to one of `parts` contiguous ranges of the 64-bit space (the high bits decide),
/// so sorting by hash keeps each part's members together.
inline int hash_range_part(std::uint64_t hash, int parts) {
  __extension__ using Wide = unsigned __int128;  // GCC/Clang extension; -Wpedantic accepts it here
  return static_cast<int>((static_cast<Wide>(hash) * static_cast<unsigned>(parts)) >> 64);
}

/// Uniform double in [0, 1) from a hash (53 high bits).
constexpr double hash_to_unit(std::uint64_t hash) {
  return static_cast<double>(hash >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace sceneals::io
