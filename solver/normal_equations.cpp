#include "solver/normal_equations.h"

#include <algorithm>
#include <cmath>

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

  // The observed rows are gathered into a dense dim x n block so that their share of A is one
  // symmetric rank-n update (a SYRK, cache-blocked and vectorised by Eigen) and their share of
  // b one matrix-vector product, instead of n rank-1 updates that stream A through memory n
  // times. The workspaces are per thread and only grow: no allocation per row once warm.
  thread_local Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> rows;
  thread_local Eigen::Matrix<Scalar, Eigen::Dynamic, 1> rhs_weights;
  thread_local Eigen::Matrix<Scalar, Eigen::Dynamic, 1> update_weights;
  if (rows.rows() != dim || rows.cols() < n_obs) rows.resize(dim, std::max<Eigen::Index>(n_obs, 1));
  if (rhs_weights.size() < n_obs) {
    rhs_weights.resize(n_obs);
    update_weights.resize(n_obs);
  }
  for (std::int64_t e = 0; e < n_obs; ++e) {
    const float* o = other.row(index[e]).data();
    Scalar t = 0;  // the offset t_j; an explicit loop because the tail may be empty
    for (Eigen::Index c = dim; c < width; ++c) t += Scalar{o[c]} * Scalar{fixed_coords[c - dim]};
    rows.col(e) = other.row(index[e]).head(dim).transpose().template cast<Scalar>();
    if (implicit) {
      const Scalar conf = confidence(params, value[e]);
      update_weights(e) = std::sqrt(conf - Scalar{1});  // conf >= 1: r > 0 and alpha >= 0
      rhs_weights(e) = conf * (Scalar{1} - t) + t;
    } else {
      update_weights(e) = Scalar{1};
      rhs_weights(e) = Scalar{value[e]} - t;
    }
  }
  if (n_obs > 0) {
    auto observed = rows.leftCols(n_obs);
    b.noalias() += observed * rhs_weights.head(n_obs);
    observed.array().rowwise() *= update_weights.head(n_obs).transpose().array();
    A.template selfadjointView<Eigen::Lower>().rankUpdate(observed, Scalar{1});
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
