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
// A Gram matrix of m rows of width w: m w (w + 1). Averaging: 4 k per (user, scene).
// Scoring u users against i items in the evaluation: 2 u i w.
#pragma once

#include <cstdint>

#include "solver/als_params.h"
#include "solver/scene_layout.h"

namespace sceneals::solver {

double row_solve_flops(std::int64_t observations, int d, int width, const AlsParams& params);

double gram_flops(std::int64_t rows, int width);

/// Every row of `block`, solved for d unknowns.
double block_solve_flops(const CsrBlock& block, int d, int width, const AlsParams& params);

double scoring_flops(std::int64_t users, std::int64_t items, int width);

}  // namespace sceneals::solver
