#include "solver/solve_block.h"

#include <Eigen/Cholesky>
#include <exception>
#include <limits>

#include "mpi/error.h"
#include "solver/flop_count.h"
#include "solver/kernel_table.h"
#include "solver/linear_solver.h"
#include "solver/low_rank_solve.h"
#include "solver/normal_equations.h"
#include "solver/row_cholesky.h"
#include "solver/threads.h"

namespace sceneals::solver {

namespace {

/// One thread's buffers for solve_row: sized on first use, then only reused.
struct RowWorkspace {
  Eigen::MatrixXf A;
  Eigen::VectorXf b;
  Eigen::MatrixXd A_double;  // only for rows float32 cannot factor
  Eigen::VectorXd b_double;
  Eigen::MatrixXf h;  // the low-rank form's observed factors
  SolverWorkspace solver;
  LowRankUpdateSolver low_rank;
};

/// Row r of the block: build its normal equations, solve them into its row of `targets`.
void solve_row(const AlsParams& params, int d, const Matrix& other,
               const Eigen::MatrixXf& gram_of_other, const SparseRows& rows, std::int64_t r,
               const float* prior_weights, const PriorRows& priors, Matrix& targets,
               RowWorkspace& work) {
  const Eigen::Index width = other.cols();
  const Eigen::Index dim = d;
  const std::int64_t begin = rows.offsets[r];
  const std::int64_t n_obs = rows.offsets[r + 1] - begin;
  float* row = targets.row(r).data();
  Eigen::Map<Eigen::VectorXf> x(row, dim);
  const float weight = prior_weights != nullptr ? prior_weights[r] : 0.0f;
  const float* prior = priors.table != nullptr ? priors.row(r) : nullptr;
  if (params.feedback == Feedback::kExplicit && n_obs == 0 && weight == 0.0f) {
    x.setZero();  // nothing but lambda * 0 |v|^2: the objective is flat, take the smallest v
    return;
  }
  const float* fixed = dim < width ? row + dim : nullptr;
  const std::int32_t* index = rows.index + begin;
  const float* value = rows.value + begin;
  if (uses_low_rank_solve(n_obs, d, params)) {
    // Few observations: the exact solution through the factor of G + shift I shared by the
    // block's rows (solver/low_rank_solve.h). Falls through to the formed system otherwise.
    float shift = 0;
    build_low_rank_system(params, d, other, gram_of_other, fixed, index, value, n_obs, weight,
                          prior, work.h, work.b, shift);
    if (work.low_rank.prepare(gram_of_other, d, shift) &&
        work.low_rank.solve(work.h, n_obs, work.b, x))
      return;
  }
  if (params.solver == LinearSolverKind::kConjugateGradient) {
    // A few warm-started steps need only products A p: A is never formed.
    thread_local RowOperator op;
    build_row_operator(params, d, other, gram_of_other, fixed, index, value, n_obs, weight, prior,
                       op, work.b);
    conjugate_gradient_steps(
        [](const Eigen::Ref<const Eigen::VectorXf>& v, Eigen::VectorXf& out) { op.apply(v, out); },
        work.b, x, params.cg_steps, work.solver);
    return;
  }
  build_lower_normal_equations(params, d, other, gram_of_other, fixed, index, value, n_obs, weight,
                               prior, work.A, work.b);
  if (cholesky_factor_lower(work.A)) {
    x = work.b;
    cholesky_solve_lower(work.A, x);
    return;
  }
  // float32 lost positive definiteness (a huge confidence next to lambda): redo this row in
  // double, which resolves what float cannot.
  build_normal_equations(params, d, other, gram_of_other, fixed, index, value, n_obs, weight, prior,
                         work.A_double, work.b_double);
  const Eigen::LLT<Eigen::MatrixXd> llt(work.A_double);
  if (llt.info() != Eigen::Success) {
    // Not even double precision can solve it (infinite confidences): mark the row, so the
    // trainer's collective finiteness check stops every rank with a clear message.
    x.setConstant(std::numeric_limits<float>::quiet_NaN());
    return;
  }
  x = llt.solve(work.b_double).cast<float>();
}

}  // namespace

void kernel::solve_rows(const AlsParams& params, int d, const Matrix& other,
                        const Eigen::MatrixXf& gram_of_other, const SparseRows& rows,
                        const float* prior_weights, PriorRows priors, Matrix& targets) {
  const Eigen::Index width = other.cols();
  const Eigen::Index dim = d;
  check_invariant(dim == width - 1 || dim == width, "solve_rows: d must be k or k + 1");
  check_invariant(targets.cols() == width && targets.rows() == rows.rows,
                  "solve_rows: targets must be rows x (k + 1)");
  check_invariant(gram_of_other.rows() == width && gram_of_other.cols() == width,
                  "solve_rows: the Gram matrix must be (k + 1) x (k + 1)");
  check_invariant(
      priors.table == nullptr || rows.rows == 0 ||
          (priors.table->cols() == dim &&
           (priors.row_of != nullptr || priors.table->rows() >= priors.first + rows.rows)),
      "solve_rows: priors must be rows x d, or d columns read through row_of");
  check_invariant(rows.rows == 0 || rows.offsets != nullptr, "solve_rows: rows without offsets");

  // Rows are independent: threads take blocks of them (dynamic: rows differ in their number
  // of observations), each with its own workspaces. Every row is computed by exactly the same
  // operations whatever the thread count, so the result does not depend on it.
  std::exception_ptr failure;
  SCENEALS_OMP(omp parallel) {
    RowWorkspace work;  // per thread and per call (the low-rank factor is this call's Gram's)
    SCENEALS_OMP(omp for schedule(dynamic, 16))
    for (std::int64_t r = 0; r < rows.rows; ++r) {
      try {
        solve_row(params, d, other, gram_of_other, rows, r, prior_weights, priors, targets, work);
      } catch (...) {  // nothing may leave an OpenMP region: keep the first, rethrow after
        SCENEALS_OMP(omp critical(sceneals_solve_rows_failure))
        if (!failure) failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace sceneals::solver
