#include "solver/finite_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace sceneals::solver {
namespace {

// The reference is std::isfinite on every value; each special value is placed at every
// position of a buffer that spans several blocks and ends in a partial one.
TEST(AllFinite, AgreesWithIsfiniteForEverySpecialValueAtEveryBlockPosition) {
  const float specials[] = {
      std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
      std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  std::vector<float> values(4096 * 2 + 37);
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = std::ldexp(static_cast<float>(i % 7) - 3.0f, static_cast<int>(i % 250) - 125);
  values[5] = std::numeric_limits<float>::max();
  values[6] = -std::numeric_limits<float>::max();
  values[7] = std::numeric_limits<float>::denorm_min();
  const auto count = static_cast<std::int64_t>(values.size());
  EXPECT_TRUE(all_finite(values.data(), count));
  for (const std::size_t at :
       {std::size_t{0}, std::size_t{4095}, std::size_t{4096}, std::size_t{8191}, values.size() - 1})
    for (const float special : specials) {
      std::vector<float> bad = values;
      bad[at] = special;
      bool reference = true;
      for (const float v : bad) reference = reference && std::isfinite(v);
      EXPECT_EQ(all_finite(bad.data(), count), reference) << "position " << at;
      EXPECT_FALSE(all_finite(bad.data(), count));
      EXPECT_TRUE(all_finite(bad.data(), static_cast<std::int64_t>(at)));  // before it: finite
    }
  EXPECT_TRUE(all_finite(values.data(), 0));
}

TEST(AllFinite, MatrixOverload) {
  Matrix m = Matrix::Constant(3, 5, 1.5f);
  EXPECT_TRUE(all_finite(m));
  m(2, 4) = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(all_finite(m));
}

}  // namespace
}  // namespace sceneals::solver
