#include "solver/row_loss.h"

#include <algorithm>

#include "mpi/error.h"
#include "solver/kernel_table.h"

namespace sceneals::solver {

namespace {

/// a . x with the float32 a widened to double, in kLanes independent partial sums: the compiler
/// makes them vector lanes (Eigen leaves a dot product of a widened row scalar), and a single
/// running sum would have to be added in order.
double widened_dot(const float* a, const double* x, Eigen::Index n) {
  constexpr Eigen::Index kLanes = 8;
  double partial[kLanes] = {};
  Eigen::Index i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (Eigen::Index lane = 0; lane < kLanes; ++lane)
      partial[lane] += static_cast<double>(a[i + lane]) * x[i + lane];
  double sum = 0.0;
  for (; i < n; ++i) sum += static_cast<double>(a[i]) * x[i];
  for (const double lane_sum : partial) sum += lane_sum;
  return sum;
}

}  // namespace

double kernel::data_loss(const AlsParams& params, const Matrix& other,
                         const Eigen::MatrixXf& gram_of_other, const SparseRows& rows,
                         const Matrix& targets) {
  const Eigen::Index width = other.cols();
  check_invariant(targets.cols() == width && targets.rows() == rows.rows,
                  "data_loss: targets must be rows x (k + 1)");
  check_invariant(gram_of_other.rows() == width && gram_of_other.cols() == width,
                  "data_loss: the Gram matrix must be (k + 1) x (k + 1)");
  const bool implicit = params.feedback == Feedback::kImplicit;
  Eigen::MatrixXd gram;
  if (implicit) gram = gram_of_other.cast<double>();
  double total = 0.0;
  if (implicit) {
    // Every pair as if unobserved: sum_j s_j^2 = x'Gx per row, for a block of rows at a time as
    // one matrix product (a product per row ran at a tenth of the rate).
    constexpr Eigen::Index kBlock = 256;
    Eigen::MatrixXd block, block_times_gram;
    for (Eigen::Index r0 = 0; r0 < rows.rows; r0 += kBlock) {
      const Eigen::Index n = std::min<Eigen::Index>(kBlock, rows.rows - r0);
      block = targets.middleRows(r0, n).cast<double>();
      block_times_gram.noalias() = block * gram;
      total += block_times_gram.cwiseProduct(block).sum();
    }
  }
  Eigen::VectorXd x(width);
  for (std::int64_t r = 0; r < rows.rows; ++r) {
    x = targets.row(r).transpose().cast<double>();
    for (std::int64_t e = rows.offsets[r]; e < rows.offsets[r + 1]; ++e) {
      const double s = widened_dot(other.row(rows.index[e]).data(), x.data(), width);
      if (implicit) {
        const double c = confidence(params, rows.value[e]);
        total += c * (1.0 - s) * (1.0 - s) - s * s;  // replace the weak zero by the observation
      } else {
        const double residual = rows.value[e] - s;
        total += residual * residual;
      }
    }
  }
  return total;
}

}  // namespace sceneals::solver
