#include "solver/linear_solver.h"

#include <cmath>
#include <string>

#include "mpi/error.h"

namespace sceneals::solver {
namespace {

void check_shapes(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                  const Eigen::Ref<Eigen::VectorXf>& x) {
  check_invariant(A.rows() == A.cols() && A.rows() == b.size() && b.size() == x.size(),
                  "linear solver: A must be d x d with b and x of length d");
}

}  // namespace

void solve_cholesky(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                    Eigen::Ref<Eigen::VectorXf> x) {
  SolverWorkspace workspace;
  solve_cholesky(A, b, x, workspace);
}

void solve_cholesky(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                    Eigen::Ref<Eigen::VectorXf> x, SolverWorkspace& workspace) {
  check_shapes(A, b, x);
  workspace.llt.compute(A);
  if (workspace.llt.info() != Eigen::Success)
    throw InternalError("Cholesky solve: the " + std::to_string(A.rows()) + " x " +
                        std::to_string(A.rows()) + " system is not positive definite");
  x = workspace.llt.solve(b);
}

void solve_conjugate_gradient(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                              Eigen::Ref<Eigen::VectorXf> x, int steps) {
  SolverWorkspace workspace;
  solve_conjugate_gradient(A, b, x, steps, workspace);
}

void solve_conjugate_gradient(const Eigen::MatrixXf& A, const Eigen::VectorXf& b,
                              Eigen::Ref<Eigen::VectorXf> x, int steps,
                              SolverWorkspace& workspace) {
  check_shapes(A, b, x);
  Eigen::VectorXf& r = workspace.residual;
  Eigen::VectorXf& p = workspace.direction;
  Eigen::VectorXf& ap = workspace.a_direction;
  r = b;
  r.noalias() -= A * x;  // r = b - A x
  // Relative threshold (|r| <= 1e-6 |b|): about what float arithmetic can resolve; further steps
  // would only chase rounding noise. With b = 0 it only accepts an exact zero residual.
  const float threshold = 1e-12f * b.squaredNorm();
  float rs = r.squaredNorm();
  if (rs <= threshold) return;
  p = r;
  for (int step = 0; step < steps; ++step) {
    ap.noalias() = A * p;
    const float curvature = p.dot(ap);
    if (!(curvature > 0.0f) || !std::isfinite(curvature))
      throw InternalError("conjugate gradient: the system is not positive definite");
    const float step_length = rs / curvature;  // minimises the quadratic along p
    x += step_length * p;
    r -= step_length * ap;
    const float rs_next = r.squaredNorm();
    if (rs_next <= threshold) return;
    p = r + (rs_next / rs) * p;  // Fletcher-Reeves: the next A-conjugate direction
    rs = rs_next;
  }
}

}  // namespace sceneals::solver
