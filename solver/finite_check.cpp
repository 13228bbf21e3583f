#include "solver/finite_check.h"

#include <algorithm>
#include <cstring>

namespace sceneals::solver {

bool all_finite(const float* values, std::int64_t count) {
  // A float is NaN or infinite exactly when its 8 exponent bits are all set.
  constexpr std::uint32_t kExponent = 0x7f800000u;
  constexpr std::int64_t kBlock = 4096;  // branch-free inside a block, so it vectorises
  for (std::int64_t begin = 0; begin < count; begin += kBlock) {
    const std::int64_t end = std::min(count, begin + kBlock);
    std::uint32_t any = 0;
    for (std::int64_t i = begin; i < end; ++i) {
      std::uint32_t bits;
      std::memcpy(&bits, values + i, sizeof bits);
      any |= static_cast<std::uint32_t>((bits & kExponent) == kExponent);
    }
    if (any) return false;
  }
  return true;
}

}  // namespace sceneals::solver
