#include "solver/linear_solver.h"

#include <cmath>
#include <string>

#include "mpi/error.h"
#include "solver/row_cholesky.h"

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
  workspace.factor = A;
  if (!cholesky_factor_lower(workspace.factor))
    throw InternalError("Cholesky solve: the " + std::to_string(A.rows()) + " x " +
                        std::to_string(A.rows()) + " system is not positive definite");
  x = b;
  cholesky_solve_lower(workspace.factor, x);
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
  conjugate_gradient_steps([&A](const Eigen::Ref<const Eigen::VectorXf>& v,
                                Eigen::VectorXf& out) { out.noalias() = A * v; },
                           b, x, steps, workspace);
}

void throw_not_positive_definite() {
  throw InternalError("conjugate gradient: the system is not positive definite");
}

}  // namespace sceneals::solver
