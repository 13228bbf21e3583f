#include "solver/low_rank_solve.h"

#include <algorithm>

namespace sceneals::solver {

double low_rank_solve_flops(std::int64_t n, int d) {
  const double nn = static_cast<double>(n), dd = d;
  // Z = L^-1 H, S = I + Z'Z (a triangle), Cholesky of S and its two solves, c, y = c - Z t, x.
  return nn * dd * dd + nn * (nn + 1) * dd + nn * nn * nn / 3 + 2 * nn * nn + 2 * nn * dd +
         2 * dd * dd;
}

bool LowRankUpdateSolver::prepare(const Eigen::MatrixXf& gram_of_other, int d, float shift) {
  if (gram_ != &gram_of_other || d_ != d) {  // another system: no kept factor applies
    gram_ = &gram_of_other;
    d_ = d;
    bases_.clear();
    bases_.reserve(kKeptShifts);  // no reallocation: base_ points into it
    next_slot_ = 0;
  }
  for (const Base& kept : bases_)
    if (kept.shift == shift) {
      base_ = &kept;
      return kept.factored;
    }
  Base* slot = nullptr;
  if (bases_.size() < kKeptShifts) {
    slot = &bases_.emplace_back();
  } else {
    slot = &bases_[next_slot_];
    next_slot_ = (next_slot_ + 1) % kKeptShifts;
  }
  Eigen::MatrixXf a0 = gram_of_other.topLeftCorner(d, d);
  a0.diagonal().array() += shift;
  slot->shift = shift;
  const Eigen::LLT<Eigen::MatrixXf> llt(a0);
  slot->factored = llt.info() == Eigen::Success;
  if (slot->factored) {
    // L^-1 once per shift: every row's L^-1 H is then a triangular matrix product, which runs
    // near the GEMM rate, where a triangular solve with a few right-hand sides runs at a
    // fraction of it (it was a quarter of the exact user step at k = 64).
    slot->inverse_l.setIdentity(d, d);
    llt.matrixL().solveInPlace(slot->inverse_l);
  }
  base_ = slot;
  return slot->factored;
}

bool LowRankUpdateSolver::solve(const Eigen::MatrixXf& h, std::int64_t n, const Eigen::VectorXf& b,
                                Eigen::Ref<Eigen::VectorXf> x) {
  const Eigen::Index d = d_, m = static_cast<Eigen::Index>(n);
  const auto inverse_l = base_->inverse_l.triangularView<Eigen::Lower>();
  c_.noalias() = inverse_l * b;
  if (m > 0) {
    if (z_.rows() != d || z_.cols() < m) z_.resize(d, std::max<Eigen::Index>(m, z_.cols()));
    auto z = z_.leftCols(m);
    z.noalias() = inverse_l * h.leftCols(m);
    if (small_.rows() < m) {
      small_.resize(m, m);
      t_.resize(m);
      t_float_.resize(m);
    }
    if (z_double_.rows() != d || z_double_.cols() < m) z_double_.resize(d, z_.cols());
    auto zd = z_double_.leftCols(m);
    zd = z.cast<double>();
    auto s = small_.topLeftCorner(m, m);
    s.setIdentity();
    s.selfadjointView<Eigen::Lower>().rankUpdate(zd.transpose());
    auto t = t_.head(m);
    t.noalias() = zd.transpose() * c_.cast<double>();
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> factor(s);  // in place: no allocation
    if (factor.info() != Eigen::Success) return false;
    factor.solveInPlace(t);
    if (!t.allFinite()) return false;
    auto t_float = t_float_.head(m);
    t_float = t.cast<float>();
    c_.noalias() -= z * t_float;
  }
  x.noalias() = base_->inverse_l.transpose().triangularView<Eigen::Upper>() * c_;
  return true;
}

}  // namespace sceneals::solver
