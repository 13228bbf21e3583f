// Solvers for one row's symmetric positive definite system A x = b: Eigen's LLT (the exact
// reference) and a few warm-started conjugate-gradient steps (Takacs et al. 2011), which start
// from the previous half-step's factor and so need far fewer than d steps.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>

namespace sceneals::solver {

/// Reusable storage for the solvers, so that a loop over rows allocates nothing per row.
struct SolverWorkspace {
  Eigen::LLT<Eigen::MatrixXf> llt;
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

/// At most `steps` conjugate-gradient steps on A x = b starting from the given x (warm start);
/// stops early once the residual is negligible (|r| <= 1e-6 |b|). Throws InternalError when a
/// search direction shows that A is not positive definite.
void solve_conjugate_gradient(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                              Eigen::Ref<Eigen::VectorXf> x, int steps);
/// The same, reusing `workspace` (no allocation once its sizes match).
void solve_conjugate_gradient(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                              Eigen::Ref<Eigen::VectorXf> x, int steps, SolverWorkspace& workspace);

}  // namespace sceneals::solver
