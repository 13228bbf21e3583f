// The exact solve of a row with few observations through its low-rank structure. An implicit
// row's matrix is A = A0 + H H' with A0 = G[0,d)^2 + shift I the same for every row of a block
// with the same shift (the Gram matrix plus the regulariser and the prior weight), and H = F
// diag(c - 1)^(1/2) the row's n observed factors (d x n). With A0 = L L' factored once,
//   A^-1 b = L^-T (c - Z S^-1 Z' c),   Z = L^-1 H,  c = L^-1 b,  S = I + Z'Z  (n x n)
// (the Woodbury identity in its symmetric, positive definite form). A row then costs
// n d^2 + n^2 d + n^3 / 3 + 2 d^2 operations instead of the n d (d + 1) + d^3 / 3 + 2 d^2 of
// forming and factoring A: about 4x less at d = 64 and the few observations most users have.
// It is the same solution, not an approximation; S is at least I, so its factorisation is
// stable, and it is accumulated in double precision.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sceneals::solver {

/// Operations of one low-rank solve, n observations, d unknowns (after A0 is factored).
double low_rank_solve_flops(std::int64_t n, int d);

/// A0 = G[0,d)^2 + shift I factored once, then any number of rows A0 + H H' solved exactly.
/// Reuse one object per thread: it keeps the factors of the last kKeptShifts shifts (rows differ
/// in shift when the prior weight is mu times the row's count, --average-weight count) and its
/// buffers only grow, so a loop over rows allocates nothing once warm.
class LowRankUpdateSolver {
 public:
  /// Makes A0's factor for `shift` the current one, factoring it unless it is kept for this Gram
  /// matrix (by address; valid while the caller keeps it unchanged). False when float32 cannot
  /// factor A0.
  bool prepare(const Eigen::MatrixXf& gram_of_other, int d, float shift);

  /// x = (A0 + H H')^-1 b with the current A0, H the first n columns of `h` (d rows). False when
  /// the n x n system is not positive definite (non-finite input): the caller solves the row
  /// another way.
  bool solve(const Eigen::MatrixXf& h, std::int64_t n, const Eigen::VectorXf& b,
             Eigen::Ref<Eigen::VectorXf> x);

 private:
  static constexpr std::size_t kKeptShifts = 16;
  struct Base {
    float shift = 0;
    bool factored = false;
    Eigen::MatrixXf inverse_l;  ///< L^-1 (lower triangular), L L' = A0
  };
  const Eigen::MatrixXf* gram_ = nullptr;
  int d_ = 0;
  std::vector<Base> bases_;     ///< at most kKeptShifts, replaced in turn
  std::size_t next_slot_ = 0;   ///< the one replaced next when full
  const Base* base_ = nullptr;  ///< the current one
  Eigen::MatrixXf z_;           ///< Z = L^-1 H
  Eigen::MatrixXd z_double_;    ///< Z in double, for S
  Eigen::VectorXf t_float_;
  Eigen::VectorXf c_;      ///< L^-1 b
  Eigen::MatrixXd small_;  ///< S = I + Z'Z, factored in place
  Eigen::VectorXd t_;      ///< S^-1 Z' c
};

}  // namespace sceneals::solver
