// Floating-point operations of one ALS iteration, counted from the formulas of the kernels (a
// multiply-add is 2 operations; symmetric products count the triangle they compute), so the
// benchmark can report each phase's rate against what the machine attains.
//
// One row with n observations, solving for d unknowns out of a factor width w (= k + 1):
//   right-hand side   2 n d           (b = F c, a matrix-vector product)
//   offsets           2 n (w - d)     (the fixed coordinates' share, w - d is 0 or 1)
//   exact:  rank-n update  n d (d + 1)      (A += G G', the lower triangle of a SYRK)
//           Cholesky       d^3 / 3 + 2 d^2  (factor, then two triangular solves)
//   CG, s steps (A never formed): (s + 1) (4 n d + 2 d^2 + 10 d)
//           (one product A p = G p + F (c - 1) F' p + shift p per step and for the initial
//           residual, and the vector updates)
//   implicit rows with few observations, when it is cheaper than the above: the exact
//   low-rank solve, n d^2 + n (n + 1) d + n^3 / 3 + 2 n^2 + 2 n d + 2 d^2
//           (solver/low_rank_solve.h; A0 = G + shift I factored once per block and shift)
// A Gram matrix of m rows of width w: m w (w + 1). Averaging: 4 k per (user, scene).
// Scoring u users against i items in the evaluation: 2 u i w.
#pragma once

#include <cstdint>

#include "solver/als_params.h"
#include "solver/scene_layout.h"

namespace sceneals::solver {

double row_solve_flops(std::int64_t observations, int d, int width, const AlsParams& params);

/// Whether solve_rows solves an implicit row with n observations by the low-rank form
/// (solver/low_rank_solve.h): when that costs less than the chosen solver, by the counts above.
bool uses_low_rank_solve(std::int64_t observations, int d, const AlsParams& params);

double gram_flops(std::int64_t rows, int width);

/// Every row of `block`, solved for d unknowns.
double block_solve_flops(const CsrBlock& block, int d, int width, const AlsParams& params);

double scoring_flops(std::int64_t users, std::int64_t items, int width);

}  // namespace sceneals::solver
