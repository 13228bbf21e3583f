#include "solver/row_cholesky.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mpi/error.h"

namespace sceneals::solver {

namespace {

/// Columns factored together before the rest of the matrix is updated with them.
constexpr Eigen::Index kPanel = 4;

/// Factors columns [j0, j0 + width) of the panel (their trailing part already updated with every
/// column before j0), right-looking within the panel. False on a pivot that is not positive.
bool factor_panel(float* a, Eigen::Index n, Eigen::Index stride, Eigen::Index j0,
                  Eigen::Index width) {
  for (Eigen::Index j = j0; j < j0 + width; ++j) {
    float* column = a + j * stride;
    const float pivot = column[j];
    // Also false for a NaN, and for an infinite pivot (huge confidences overflowing float32),
    // which would give a zero column and a finite but wrong solution.
    if (!(pivot > 0.0f && pivot <= std::numeric_limits<float>::max())) return false;
    const float diagonal = std::sqrt(pivot);
    column[j] = diagonal;
    const float inverse = 1.0f / diagonal;
    for (Eigen::Index i = j + 1; i < n; ++i) column[i] *= inverse;
    for (Eigen::Index c = j + 1; c < j0 + width; ++c) {
      const float l = column[c];
      float* target = a + c * stride;
      for (Eigen::Index i = c; i < n; ++i) target[i] -= l * column[i];
    }
  }
  return true;
}

/// a[c:, c] -= L[c:, j0:j0+kPanel] L[c, j0:j0+kPanel]' for every column c after the panel: the
/// panel's updates of a column fused into one pass over it.
void update_trailing(float* a, Eigen::Index n, Eigen::Index stride, Eigen::Index j0) {
  const float* panel[kPanel];
  for (Eigen::Index q = 0; q < kPanel; ++q) panel[q] = a + (j0 + q) * stride;
  for (Eigen::Index c = j0 + kPanel; c < n; ++c) {
    float l[kPanel];
    for (Eigen::Index q = 0; q < kPanel; ++q) l[q] = panel[q][c];
    float* target = a + c * stride;
    for (Eigen::Index i = c; i < n; ++i) {
      float update = 0.0f;
      for (Eigen::Index q = 0; q < kPanel; ++q) update += l[q] * panel[q][i];
      target[i] -= update;
    }
  }
}

}  // namespace

bool cholesky_factor_lower(Eigen::Ref<Eigen::MatrixXf> a) {
  check_invariant(a.rows() == a.cols(), "cholesky_factor_lower: the matrix must be square");
  const Eigen::Index n = a.rows();
  const Eigen::Index stride = a.outerStride();
  float* data = a.data();
  for (Eigen::Index j0 = 0; j0 < n; j0 += kPanel) {
    const Eigen::Index width = std::min(kPanel, n - j0);
    if (!factor_panel(data, n, stride, j0, width)) return false;
    if (width == kPanel) update_trailing(data, n, stride, j0);
  }
  return true;
}

void cholesky_solve_lower(const Eigen::Ref<const Eigen::MatrixXf>& l,
                          Eigen::Ref<Eigen::VectorXf> x) {
  check_invariant(l.rows() == l.cols() && l.rows() == x.size(),
                  "cholesky_solve_lower: L must be d x d and x of length d");
  const Eigen::Index n = l.rows();
  const Eigen::Index stride = l.outerStride();
  const float* data = l.data();
  float* v = x.data();
  // L y = x, kPanel columns at a time: their entries are solved in the panel's triangle, then
  // subtracted from every entry below it in one pass.
  for (Eigen::Index j0 = 0; j0 < n; j0 += kPanel) {
    const Eigen::Index width = std::min(kPanel, n - j0);
    for (Eigen::Index j = j0; j < j0 + width; ++j) {
      const float* column = data + j * stride;
      v[j] /= column[j];
      for (Eigen::Index i = j + 1; i < j0 + width; ++i) v[i] -= column[i] * v[j];
    }
    if (width < kPanel) break;
    const float* panel = data + j0 * stride;
    float solved[kPanel];
    for (Eigen::Index q = 0; q < kPanel; ++q) solved[q] = v[j0 + q];
    for (Eigen::Index i = j0 + kPanel; i < n; ++i) {
      float update = 0.0f;
      for (Eigen::Index q = 0; q < kPanel; ++q) update += panel[q * stride + i] * solved[q];
      v[i] -= update;
    }
  }
  // L' x = y from the end, kPanel rows of L' at a time: row j of L' is column j of L, so the
  // known entries' share of the panel's rows is kPanel dot products over one pass, then the
  // panel's triangle is solved.
  for (Eigen::Index end = n; end > 0;) {
    const Eigen::Index j0 = std::max<Eigen::Index>(0, end - kPanel);
    const Eigen::Index width = end - j0;
    float known[kPanel] = {};
    Eigen::Index i = end;
    if (width == kPanel) {
      // kLanes partial sums per dot product: independent, so the compiler makes them vector
      // lanes (a single running sum must be added in order, one element at a time).
      constexpr Eigen::Index kLanes = 8;
      float partial[kPanel][kLanes] = {};
      for (; i + kLanes <= n; i += kLanes)
        for (Eigen::Index q = 0; q < kPanel; ++q)
          for (Eigen::Index lane = 0; lane < kLanes; ++lane)
            partial[q][lane] += data[(j0 + q) * stride + i + lane] * v[i + lane];
      for (Eigen::Index q = 0; q < kPanel; ++q)
        for (Eigen::Index lane = 0; lane < kLanes; ++lane) known[q] += partial[q][lane];
    }
    for (; i < n; ++i)
      for (Eigen::Index q = 0; q < width; ++q) known[q] += data[(j0 + q) * stride + i] * v[i];
    for (Eigen::Index j = end - 1; j >= j0; --j) {
      const float* column = data + j * stride;
      float sum = known[j - j0];
      for (Eigen::Index k = j + 1; k < end; ++k) sum += column[k] * v[k];
      v[j] = (v[j] - sum) / column[j];
    }
    end = j0;
  }
}

}  // namespace sceneals::solver
