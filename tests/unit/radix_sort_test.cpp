// The radix sort against std::stable_sort (the reference) on keys that differ in every byte, in
// a few bytes only, and not at all, with many equal keys whose order must be kept.
#include "io/radix_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

namespace sceneals::io {
namespace {

using Entry = std::pair<std::uint64_t, std::uint32_t>;  // (key, position): shows stability

std::vector<Entry> entries(std::size_t n, std::uint64_t mask, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<Entry> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = {rng() & mask, static_cast<std::uint32_t>(i)};
  return out;
}

void expect_sorted_like_stable_sort(std::vector<Entry> values) {
  std::vector<Entry> expected = values;
  std::stable_sort(expected.begin(), expected.end(),
                   [](const Entry& a, const Entry& b) { return a.first < b.first; });
  radix_sort_by_key(values, [](const Entry& e) { return e.first; });
  EXPECT_EQ(values, expected);
}

TEST(RadixSort, MatchesStableSort) {
  for (const std::size_t n : {0, 1, 2, 255, 256, 257, 10000}) {
    expect_sorted_like_stable_sort(entries(n, ~std::uint64_t{0}, 1));      // every byte differs
    expect_sorted_like_stable_sort(entries(n, 0xFF000000000000FFULL, 2));  // two bytes: skips
    expect_sorted_like_stable_sort(entries(n, 0x7, 3));  // few distinct keys: many equal
    expect_sorted_like_stable_sort(entries(n, 0x0, 4));  // all equal: order kept
  }
}

TEST(RadixSort, SortsTheExtremes) {
  std::vector<Entry> values = {{~std::uint64_t{0}, 0},
                               {0, 1},
                               {std::uint64_t{1} << 63, 2},
                               {0, 3},
                               {(std::uint64_t{1} << 63) - 1, 4}};
  expect_sorted_like_stable_sort(values);
}

}  // namespace
}  // namespace sceneals::io
