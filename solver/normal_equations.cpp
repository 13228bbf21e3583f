#include "solver/normal_equations.h"

#include "mpi/error.h"

namespace sceneals::solver {

namespace {

/// One implementation for both precisions: the inputs are float32, the accumulation is Scalar.
template <class Scalar>
void build(const AlsParams& params, int d, const Matrix& other,
           const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
           const std::int32_t* index, const float* value, std::int64_t n_obs, float prior_weight,
           const float* prior, Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& A,
           Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& b) {
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
  A.resize(dim, dim);  // no-ops once the workspaces have the right size
  b.resize(dim);

  const bool implicit = params.feedback == Feedback::kImplicit;
  if (implicit) {
    A = gram_of_other.topLeftCorner(dim, dim).cast<Scalar>();
    // sum over ALL j of t_j f_j = G[0,d),[d,k] * fixed: the offsets' share of the weak zeros.
    if (n_fixed > 0) {
      const Eigen::Map<const Eigen::VectorXf> fixed(fixed_coords, n_fixed);
      b.noalias() = -(gram_of_other.topRightCorner(dim, n_fixed) * fixed).cast<Scalar>();
    } else {
      b.setZero();
    }
  } else {
    A.setZero();
    b.setZero();
  }

  for (std::int64_t e = 0; e < n_obs; ++e) {
    const float* o = other.row(index[e]).data();
    Scalar t = 0;  // the offset t_j; an explicit loop because the tail may be empty
    for (Eigen::Index c = dim; c < width; ++c) t += Scalar{o[c]} * Scalar{fixed_coords[c - dim]};
    const auto f = other.row(index[e]).head(dim).transpose().template cast<Scalar>();
    if (implicit) {
      const Scalar conf = confidence(params, value[e]);
      A.template selfadjointView<Eigen::Lower>().rankUpdate(f, conf - Scalar{1});
      b += (conf * (Scalar{1} - t) + t) * f;
    } else {
      A.template selfadjointView<Eigen::Lower>().rankUpdate(f, Scalar{1});
      b += (Scalar{value[e]} - t) * f;
    }
  }

  const Scalar reg =
      implicit ? Scalar{params.lambda} : Scalar{params.lambda} * static_cast<Scalar>(n_obs);
  A.diagonal().array() += reg + Scalar{prior_weight};
  // The rank updates wrote the lower triangle only; mirror it so A is an ordinary matrix.
  A.template triangularView<Eigen::StrictlyUpper>() = A.transpose();
  if (prior_weight != 0.0f)
    b += Scalar{prior_weight} * Eigen::Map<const Eigen::VectorXf>(prior, dim).cast<Scalar>();
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

void build_normal_equations(const AlsParams& params, int d, const Matrix& other,
                            const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                            const std::int32_t* index, const float* value, std::int64_t n_obs,
                            float prior_weight, const float* prior, Eigen::MatrixXd& A,
                            Eigen::VectorXd& b) {
  build(params, d, other, gram_of_other, fixed_coords, index, value, n_obs, prior_weight, prior, A,
        b);
}

}  // namespace sceneals::solver
