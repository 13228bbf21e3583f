// Hash-seeded factor initialisation: deterministic, sensitive to every key part, bounded, and
// centred.
#include "solver/factor_init.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mpi/error.h"

namespace sceneals::solver {
namespace {

std::vector<float> init(std::string_view id, std::string_view scene, std::string_view role,
                        std::uint64_t seed, int k) {
  std::vector<float> row(static_cast<std::size_t>(k), 99.0f);
  init_factor_row(id, scene, role, seed, k, row.data());
  return row;
}

TEST(FactorInit, IsDeterministic) {
  EXPECT_EQ(init("user42", "books", "user", 7, 16), init("user42", "books", "user", 7, 16));
}

TEST(FactorInit, DiffersAcrossIdSceneSeedAndRole) {
  const std::vector<float> base = init("u1", "books", "user", 7, 8);
  EXPECT_NE(base, init("u2", "books", "user", 7, 8));
  EXPECT_NE(base, init("u1", "music", "user", 7, 8));
  EXPECT_NE(base, init("u1", "books", "user", 8, 8));
  EXPECT_NE(base, init("u1", "books", "item", 7, 8));
  // Where the id ends and the scene begins matters.
  EXPECT_NE(init("ab", "c", "user", 7, 8), init("a", "bc", "user", 7, 8));
  // The coordinates of one row are not all the same value.
  for (std::size_t c = 1; c < base.size(); ++c) EXPECT_NE(base[c], base[0]);
}

TEST(FactorInit, StaysWithinTheScaledUnitInterval) {
  for (const int k : {1, 4, 64}) {
    // In double, with float rounding's slack on top.
    const double bound = 0.1 / std::sqrt(static_cast<double>(k)) * (1.0 + 1e-6);
    for (int u = 0; u < 500; ++u) {
      for (const float v : init("user" + std::to_string(u), "s", "item", 3, k)) {
        EXPECT_LE(std::abs(v), bound) << "k " << k;
      }
    }
  }
}

TEST(FactorInit, IsCentredAndUniformOverManyIds) {
  // Uniform on [-s, s]: mean 0, variance s^2 / 3. With n = 80000 values the mean's standard
  // error is s * 0.002, so 0.01 s is five standard errors.
  const int k = 8;
  const double scale = 0.1 / std::sqrt(8.0);
  double sum = 0.0;
  double sum_squares = 0.0;
  int n = 0;
  for (int u = 0; u < 10000; ++u) {
    for (const float v : init(std::to_string(u), "video", "user", 1, k)) {
      sum += v / scale;
      sum_squares += (v / scale) * (v / scale);
      ++n;
    }
  }
  const double mean = sum / n;
  EXPECT_LT(std::abs(mean), 0.01);
  EXPECT_NEAR(sum_squares / n - mean * mean, 1.0 / 3.0, 0.01);
}

TEST(FactorInit, RejectsAnUnknownRole) {
  float out[4];
  EXPECT_THROW(init_factor_row("u", "s", "movie", 1, 4, out), InternalError);
}

}  // namespace
}  // namespace sceneals::solver
