#include "solver/flop_count.h"

#include "solver/low_rank_solve.h"

namespace sceneals::solver {

namespace {

/// The chosen solver's operations for one row, without the right-hand side.
double solver_flops(std::int64_t observations, int d, const AlsParams& params) {
  const double n = static_cast<double>(observations);
  const double dd = d;
  if (params.solver == LinearSolverKind::kConjugateGradient)  // A is never formed
    return (params.cg_steps + 1) * (4 * n * dd + 2 * dd * dd + 10 * dd);
  return n * dd * (dd + 1) + dd * dd * dd / 3 + 2 * dd * dd;
}

}  // namespace

bool uses_low_rank_solve(std::int64_t observations, int d, const AlsParams& params) {
  return params.feedback == Feedback::kImplicit &&
         low_rank_solve_flops(observations, d) < solver_flops(observations, d, params);
}

double row_solve_flops(std::int64_t observations, int d, int width, const AlsParams& params) {
  const double n = static_cast<double>(observations);
  const double rhs = 2 * n * d + 2 * n * (width - d);
  if (uses_low_rank_solve(observations, d, params))
    return rhs + low_rank_solve_flops(observations, d);
  return rhs + solver_flops(observations, d, params);
}

double gram_flops(std::int64_t rows, int width) {
  return static_cast<double>(rows) * width * (width + 1.0);
}

double block_solve_flops(const CsrBlock& block, int d, int width, const AlsParams& params) {
  double total = 0;
  for (std::int64_t r = 0; r < block.rows(); ++r) {
    const auto u = static_cast<std::size_t>(r);
    total += row_solve_flops(block.offsets[u + 1] - block.offsets[u], d, width, params);
  }
  return total;
}

double scoring_flops(std::int64_t users, std::int64_t items, int width) {
  return 2.0 * static_cast<double>(users) * static_cast<double>(items) * width;
}

}  // namespace sceneals::solver
