#include "solver/normal_equations.h"

#include "mpi/error.h"

namespace sceneals::solver {

void build_normal_equations(const AlsParams& params, int d, const Matrix& other,
                            const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                            const std::int32_t* index, const float* value, std::int64_t n_obs,
                            float prior_weight, const float* prior, Eigen::MatrixXf& A,
                            Eigen::VectorXf& b) {
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
    A = gram_of_other.topLeftCorner(dim, dim);
    // sum over ALL j of t_j f_j = G[0,d),[d,k] * fixed: the offsets' share of the weak zeros.
    if (n_fixed > 0) {
      const Eigen::Map<const Eigen::VectorXf> fixed(fixed_coords, n_fixed);
      b.noalias() = -gram_of_other.topRightCorner(dim, n_fixed) * fixed;
    } else {
      b.setZero();
    }
  } else {
    A.setZero();
    b.setZero();
  }

  for (std::int64_t e = 0; e < n_obs; ++e) {
    const float* o = other.row(index[e]).data();
    float t = 0.0f;  // the offset t_j; an explicit loop because the tail may be empty
    for (Eigen::Index c = dim; c < width; ++c) t += o[c] * fixed_coords[c - dim];
    const auto f = other.row(index[e]).head(dim).transpose();
    if (implicit) {
      const float conf = confidence(params, value[e]);
      A.selfadjointView<Eigen::Lower>().rankUpdate(f, conf - 1.0f);
      b += (conf * (1.0f - t) + t) * f;
    } else {
      A.selfadjointView<Eigen::Lower>().rankUpdate(f, 1.0f);
      b += (value[e] - t) * f;
    }
  }

  const float reg = implicit ? params.lambda : params.lambda * static_cast<float>(n_obs);
  A.diagonal().array() += reg + prior_weight;
  // The rank updates wrote the lower triangle only; mirror it so A is an ordinary matrix.
  A.triangularView<Eigen::StrictlyUpper>() = A.transpose();
  if (prior_weight != 0.0f) b += prior_weight * Eigen::Map<const Eigen::VectorXf>(prior, dim);
}

}  // namespace sceneals::solver
