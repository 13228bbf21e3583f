// Solvers for one row's symmetric positive definite system A x = b: Cholesky (the exact
// reference, solver/row_cholesky.h) and a few warm-started conjugate-gradient steps (Takacs et al.
// 2011), which start from the previous half-step's factor and so need far fewer than d steps.
#pragma once

#include <Eigen/Core>
#include <cmath>

namespace sceneals::solver {

/// Throws InternalError("conjugate gradient: the system is not positive definite").
[[noreturn]] void throw_not_positive_definite();

/// Reusable storage for the solvers, so that a loop over rows allocates nothing per row.
struct SolverWorkspace {
  Eigen::MatrixXf factor;  ///< the Cholesky factor (solver/row_cholesky.h)
  Eigen::VectorXf residual;
  Eigen::VectorXf direction;
  Eigen::VectorXf a_direction;
};

/// x = A^-1 b by Cholesky. Throws InternalError when A is not positive definite.
void solve_cholesky(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                    Eigen::Ref<Eigen::VectorXf> x);
/// The same, reusing `workspace` (no allocation once its sizes match).
void solve_cholesky(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                    Eigen::Ref<Eigen::VectorXf> x, SolverWorkspace& workspace);

/// At most `steps` conjugate-gradient steps on A x = b from the given x (warm start), with A
/// given only by its products: `apply(p, out)` sets out = A p. Stops early once the residual is
/// negligible (|r| <= 1e-6 |b|). Throws InternalError when a search direction shows that A is
/// not positive definite.
template <class ApplyFn>
void conjugate_gradient_steps(ApplyFn&& apply, const Eigen::VectorXf& b,
                              Eigen::Ref<Eigen::VectorXf> x, int steps,
                              SolverWorkspace& workspace) {
  Eigen::VectorXf& r = workspace.residual;
  Eigen::VectorXf& p = workspace.direction;
  Eigen::VectorXf& ap = workspace.a_direction;
  apply(x, ap);
  r = b - ap;
  // Relative threshold (|r| <= 1e-6 |b|): about what float arithmetic can resolve; further steps
  // would only chase rounding noise. With b = 0 it only accepts an exact zero residual.
  const float threshold = 1e-12f * b.squaredNorm();
  float rs = r.squaredNorm();
  if (rs <= threshold) return;
  p = r;
  for (int step = 0; step < steps; ++step) {
    apply(p, ap);
    const float curvature = p.dot(ap);
    if (!(curvature > 0.0f) || !std::isfinite(curvature)) throw_not_positive_definite();
    const float step_length = rs / curvature;  // minimises the quadratic along p
    x += step_length * p;
    r -= step_length * ap;
    const float rs_next = r.squaredNorm();
    if (rs_next <= threshold) return;
    p = r + (rs_next / rs) * p;  // Fletcher-Reeves: the next A-conjugate direction
    rs = rs_next;
  }
}

/// At most `steps` conjugate-gradient steps on A x = b starting from the given x (warm start);
/// stops early once the residual is negligible (|r| <= 1e-6 |b|). Throws InternalError when a
/// search direction shows that A is not positive definite.
void solve_conjugate_gradient(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                              Eigen::Ref<Eigen::VectorXf> x, int steps);
/// The same, reusing `workspace` (no allocation once its sizes match).
void solve_conjugate_gradient(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                              Eigen::Ref<Eigen::VectorXf> x, int steps, SolverWorkspace& workspace);

}  // namespace sceneals::solver
