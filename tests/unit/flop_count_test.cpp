// flop_count: the formulas of solver/flop_count.h, checked on hand-computed cases.
#include "solver/flop_count.h"

#include <gtest/gtest.h>

namespace sceneals::solver {
namespace {

AlsParams cholesky() { return AlsParams{}; }

AlsParams cg(int steps) {
  AlsParams params;
  params.solver = LinearSolverKind::kConjugateGradient;
  params.cg_steps = steps;
  return params;
}

TEST(FlopCount, RowSolveByHand) {
  // n = 3 observations, d = 2 unknowns, width 3 (one fixed coordinate):
  // rhs 2*3*2 = 12, offsets 2*3*1 = 6, rank-3 update 3*2*3 = 18, Cholesky 8/3 + 8.
  EXPECT_DOUBLE_EQ(row_solve_flops(3, 2, 3, cholesky()), 12 + 6 + 18 + 8.0 / 3 + 8);
  // With 4 CG steps (5 products of 4*3*2 + 2*4 + 10*2 = 52, 260 in all) the exact low-rank
  // solve is cheaper: n d^2 12, n (n + 1) d 24, n^3 / 3 9, 2 n^2 18, 2 n d 12, 2 d^2 8.
  EXPECT_TRUE(uses_low_rank_solve(3, 2, cg(4)));
  EXPECT_DOUBLE_EQ(row_solve_flops(3, 2, 3, cg(4)), 12 + 6 + 83);
  // 40 observations: CG, A never formed: 5 products of 4*40*2 + 8 + 20 = 348.
  EXPECT_FALSE(uses_low_rank_solve(40, 2, cg(4)));
  EXPECT_DOUBLE_EQ(row_solve_flops(40, 2, 3, cg(4)), 160 + 80 + 5 * 348);
  // No observations: the shared factor's two triangular solves, 2 d^2 (low rank, n = 0);
  // d = width: no offsets.
  EXPECT_TRUE(uses_low_rank_solve(0, 3, cholesky()));
  EXPECT_DOUBLE_EQ(row_solve_flops(0, 3, 3, cholesky()), 18);
  // k = 64, a user with 5 items: low rank, n d^2 + n (n + 1) d + ... against 5*64*65 + 64^3/3.
  EXPECT_TRUE(uses_low_rank_solve(5, 64, cholesky()));
  EXPECT_FALSE(uses_low_rank_solve(60, 64, cholesky()));
  // Explicit feedback has no shared Gram part: always the formed system.
  AlsParams explicit_feedback;
  explicit_feedback.feedback = Feedback::kExplicit;
  EXPECT_FALSE(uses_low_rank_solve(0, 64, explicit_feedback));
}

TEST(FlopCount, BlockIsTheSumOfItsRows) {
  CsrBlock block;
  block.offsets = {0, 2, 2, 7};  // rows with 2, 0 and 5 observations
  block.index = {0, 1, 0, 1, 2, 3, 4};
  block.value.assign(7, 1.0f);
  const double expected = row_solve_flops(2, 4, 5, cholesky()) +
                          row_solve_flops(0, 4, 5, cholesky()) +
                          row_solve_flops(5, 4, 5, cholesky());
  EXPECT_DOUBLE_EQ(block_solve_flops(block, 4, 5, cholesky()), expected);
}

TEST(FlopCount, GramAndScoring) {
  EXPECT_DOUBLE_EQ(gram_flops(10, 3), 10 * 3 * 4);  // the triangle of a 3 x 3 from 10 rows
  EXPECT_DOUBLE_EQ(scoring_flops(7, 100, 65), 2.0 * 7 * 100 * 65);
}

}  // namespace
}  // namespace sceneals::solver
