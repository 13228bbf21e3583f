#include "solver/normal_equations.h"

#include <algorithm>
#include <cmath>

#include "mpi/error.h"

namespace sceneals::solver {

namespace {

template <class Scalar>
using MatrixOf = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
template <class Scalar>
using VectorOf = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

/// Everything of one row's system except A itself: b, and the observed rows f_j gathered as the
/// columns of a dense d x n block with their weights in A (c_j - 1 implicit, 1 explicit), so A
/// is G[0,d)^2 (implicit) + F diag(weights) F' + shift I, and b = -G[0,d),[d,k] fixed (implicit)
/// + F rhs_weights + w z, with each observation's offset t_j in `offsets`. One implementation for
/// both precisions: the inputs are float32, the accumulation is Scalar. The buffers only grow.
template <class Scalar>
void gather(const AlsParams& params, int d, const Matrix& other,
            const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
            const std::int32_t* index, const float* value, std::int64_t n_obs, float prior_weight,
            const float* prior, MatrixOf<Scalar>& rows, VectorOf<Scalar>& weights,
            VectorOf<Scalar>& rhs_weights, VectorOf<Scalar>& offsets, VectorOf<Scalar>& b,
            Scalar& shift) {
  const Eigen::Index width = other.cols();
  const Eigen::Index dim = d;
  const Eigen::Index n_fixed = width - dim;
  check_invariant(dim >= 1 && n_fixed >= 0, "normal equations: d must be in [1, other.cols()]");
  check_invariant(n_fixed == 0 || fixed_coords != nullptr,
                  "normal equations: a target row with fixed coordinates needs them");
  check_invariant(prior_weight == 0.0f || prior != nullptr,
                  "normal equations: a prior weight needs a prior");
  check_invariant(n_obs == 0 || (index != nullptr && value != nullptr),
                  "normal equations: observations without indices or values");
  b.resize(dim);  // no-ops once the workspaces have the right size
  if (rows.rows() != dim || rows.cols() < n_obs) rows.resize(dim, std::max<Eigen::Index>(n_obs, 1));
  if (weights.size() < n_obs) weights.resize(n_obs);

  const bool implicit = params.feedback == Feedback::kImplicit;
  // sum over ALL j of t_j f_j = G[0,d),[d,k] * fixed: the offsets' share of the weak zeros.
  if (implicit && n_fixed > 0) {
    const Eigen::Map<const Eigen::VectorXf> fixed(fixed_coords, n_fixed);
    b.noalias() = -(gram_of_other.topRightCorner(dim, n_fixed) * fixed).template cast<Scalar>();
  } else {
    b.setZero();
  }
  if (rhs_weights.size() < n_obs) rhs_weights.resize(n_obs);
  if (offsets.size() < n_obs) offsets.resize(n_obs);
  for (std::int64_t e = 0; e < n_obs; ++e) {
    const float* o = other.row(index[e]).data();
    Scalar t = 0;  // the offset t_j; an explicit loop because the tail may be empty
    for (Eigen::Index c = dim; c < width; ++c) t += Scalar{o[c]} * Scalar{fixed_coords[c - dim]};
    offsets(e) = t;
    rows.col(e) = other.row(index[e]).head(dim).transpose().template cast<Scalar>();
    if (implicit) {
      const Scalar conf = confidence(params, value[e]);
      weights(e) = conf - Scalar{1};  // >= 0: r > 0 and alpha >= 0
      rhs_weights(e) = conf * (Scalar{1} - t) + t;
    } else {
      weights(e) = Scalar{1};
      rhs_weights(e) = Scalar{value[e]} - t;
    }
  }
  if (n_obs > 0) b.noalias() += rows.leftCols(n_obs) * rhs_weights.head(n_obs);
  if (prior_weight != 0.0f)
    b += Scalar{prior_weight} * Eigen::Map<const Eigen::VectorXf>(prior, dim).cast<Scalar>();
  const Scalar reg =
      implicit ? Scalar{params.lambda} : Scalar{params.lambda} * static_cast<Scalar>(n_obs);
  shift = reg + Scalar{prior_weight};
}

/// A's lower triangle (diagonal included) and b.
template <class Scalar>
void build_lower(const AlsParams& params, int d, const Matrix& other,
                 const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                 const std::int32_t* index, const float* value, std::int64_t n_obs,
                 float prior_weight, const float* prior, MatrixOf<Scalar>& A, VectorOf<Scalar>& b) {
  // Per thread, only growing: no allocation per row once warm.
  thread_local MatrixOf<Scalar> rows;
  thread_local VectorOf<Scalar> weights, rhs_weights, offsets;
  Scalar shift = 0;
  gather(params, d, other, gram_of_other, fixed_coords, index, value, n_obs, prior_weight, prior,
         rows, weights, rhs_weights, offsets, b, shift);
  const Eigen::Index dim = d;
  A.resize(dim, dim);
  if (params.feedback == Feedback::kImplicit)
    A = gram_of_other.topLeftCorner(dim, dim).cast<Scalar>();
  else
    A.setZero();
  // The observations' share of A as one symmetric rank-n update (a SYRK, cache-blocked and
  // vectorised by Eigen) instead of n rank-1 updates that each stream A through memory.
  if (n_obs > 0) {
    auto observed = rows.leftCols(n_obs);
    observed.array().rowwise() *= weights.head(n_obs).transpose().array().sqrt();
    A.template selfadjointView<Eigen::Lower>().rankUpdate(observed, Scalar{1});
  }
  A.diagonal().array() += shift;
}

template <class Scalar>
void build(const AlsParams& params, int d, const Matrix& other,
           const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
           const std::int32_t* index, const float* value, std::int64_t n_obs, float prior_weight,
           const float* prior, MatrixOf<Scalar>& A, VectorOf<Scalar>& b) {
  build_lower(params, d, other, gram_of_other, fixed_coords, index, value, n_obs, prior_weight,
              prior, A, b);
  // The rank update wrote the lower triangle only; mirror it so A is an ordinary matrix.
  A.template triangularView<Eigen::StrictlyUpper>() = A.transpose();
}

}  // namespace

void build_normal_equations(const AlsParams& params, int d, const Matrix& other,
                            const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                            const std::int32_t* index, const float* value, std::int64_t n_obs,
                            float prior_weight, const float* prior, Eigen::MatrixXf& A,
                            Eigen::VectorXf& b) {
  build(params, d, other, gram_of_other, fixed_coords, index, value, n_obs, prior_weight, prior, A,
        b);
}

void build_lower_normal_equations(const AlsParams& params, int d, const Matrix& other,
                                  const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                                  const std::int32_t* index, const float* value, std::int64_t n_obs,
                                  float prior_weight, const float* prior, Eigen::MatrixXf& A,
                                  Eigen::VectorXf& b) {
  build_lower(params, d, other, gram_of_other, fixed_coords, index, value, n_obs, prior_weight,
              prior, A, b);
}

void build_normal_equations(const AlsParams& params, int d, const Matrix& other,
                            const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                            const std::int32_t* index, const float* value, std::int64_t n_obs,
                            float prior_weight, const float* prior, Eigen::MatrixXd& A,
                            Eigen::VectorXd& b) {
  build(params, d, other, gram_of_other, fixed_coords, index, value, n_obs, prior_weight, prior, A,
        b);
}

void build_row_operator(const AlsParams& params, int d, const Matrix& other,
                        const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                        const std::int32_t* index, const float* value, std::int64_t n_obs,
                        float prior_weight, const float* prior, RowOperator& op,
                        Eigen::VectorXf& b) {
  thread_local Eigen::VectorXf rhs_weights, offsets;
  gather(params, d, other, gram_of_other, fixed_coords, index, value, n_obs, prior_weight, prior,
         op.rows_, op.weights_, rhs_weights, offsets, b, op.shift_);
  op.observations_ = n_obs;
  op.gram_ = params.feedback == Feedback::kImplicit ? &gram_of_other : nullptr;
}

void build_normal_equation_parts(const AlsParams& params, int d, const Matrix& other,
                                 const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                                 const std::int32_t* index, const float* value, std::int64_t n_obs,
                                 float prior_weight, const float* prior,
                                 NormalEquationParts& parts) {
  build(params, d, other, gram_of_other, fixed_coords, index, value, n_obs, prior_weight, prior,
        parts.A, parts.b);
  // The same gathering once more, without the prior, keeps b's terms apart.
  Eigen::MatrixXd rows;
  Eigen::VectorXd weights, rhs_weights, offsets, b_without_prior;
  double shift = 0;
  gather(params, d, other, gram_of_other, fixed_coords, index, value, n_obs, 0.0f, nullptr, rows,
         weights, rhs_weights, offsets, b_without_prior, shift);
  // Implicit: rhs_j = c_j (1 - t_j) + t_j. The + t_j cancels the observed rows' share of the
  // -sum_(all j) t_j f_j in the background, leaving -sum_(unobserved j) t_j f_j there.
  parts.observed_weights = rhs_weights.head(n_obs);
  if (params.feedback == Feedback::kImplicit) parts.observed_weights -= offsets.head(n_obs);
  parts.background = b_without_prior;
  if (n_obs > 0) parts.background.noalias() -= rows.leftCols(n_obs) * parts.observed_weights;
  parts.prior = parts.b - b_without_prior;
}

void build_low_rank_system(const AlsParams& params, int d, const Matrix& other,
                           const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                           const std::int32_t* index, const float* value, std::int64_t n_obs,
                           float prior_weight, const float* prior, Eigen::MatrixXf& h,
                           Eigen::VectorXf& b, float& shift) {
  check_invariant(params.feedback == Feedback::kImplicit,
                  "build_low_rank_system: implicit feedback only");
  thread_local Eigen::VectorXf weights, rhs_weights, offsets;
  gather(params, d, other, gram_of_other, fixed_coords, index, value, n_obs, prior_weight, prior, h,
         weights, rhs_weights, offsets, b, shift);
  if (n_obs > 0)
    h.leftCols(n_obs).array().rowwise() *= weights.head(n_obs).transpose().array().sqrt();
}

void RowOperator::apply(const Eigen::Ref<const Eigen::VectorXf>& v, Eigen::VectorXf& out) const {
  const Eigen::Index dim = v.size();
  out = shift_ * v;
  if (gram_ != nullptr) out.noalias() += gram_->topLeftCorner(dim, dim) * v;
  if (observations_ == 0) return;
  const auto observed = rows_.leftCols(observations_);
  projections_.noalias() = observed.transpose() * v;
  projections_.array() *= weights_.head(observations_).array();
  out.noalias() += observed * projections_;
}

}  // namespace sceneals::solver
