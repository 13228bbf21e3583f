// The per-row normal equations A v = b of one ALS half-step, implicit (Hu et al. 2008) and
// explicit (ALS-WR, Zhou et al. 2008), with the cross-scene prior w |v - z|^2.
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "solver/als_params.h"
#include "solver/factor_types.h"

namespace sceneals::solver {

/// Builds A (d x d, full symmetric) and b (d) for one target row.
///
/// The unknown v is the first d coordinates of the target row: d = k for a user row (its last
/// coordinate is the fixed 1), d = k + 1 for an item row. For another-side row o_j (k + 1 wide),
/// f_j = o_j[0, d) and the offset t_j = o_j[d, k] . fixed_coords, so the prediction is
/// s_j = f_j . v + t_j (for a user row t_j is the item bias).
///
/// Implicit, over ALL rows j of `other` (p_j = 1 and c_j = confidence(r_j) where observed, else
/// p_j = 0 and c_j = 1): minimises sum_j c_j (p_j - s_j)^2 + lambda |v|^2 + w |v - z|^2, so
///   A = G[0,d)^2 + sum_obs (c_j - 1) f_j f_j' + (lambda + w) I,
///   b = -G[0,d),[d,k] fixed + sum_obs [c_j (1 - t_j) + t_j] f_j + w z.
/// Explicit, over observed j only: minimises sum_obs (r_j - s_j)^2 + lambda n_obs |v|^2
/// + w |v - z|^2, so A = sum_obs f_j f_j' + (lambda n_obs + w) I, b = sum_obs (r_j - t_j) f_j + w z
/// (A is 0 when n_obs = 0 and w = 0: the caller decides what such a row becomes).
///
/// @param[in] params         lambda, confidence and feedback mode
/// @param[in] d              k or k + 1 (other.cols() - 1 or other.cols())
/// @param[in] other          the other side's factor table, k + 1 columns
/// @param[in] gram_of_other  gram(other); read only in implicit mode
/// @param[in] fixed_coords   the target row's fixed tail, k + 1 - d values; nullptr when d = k + 1
/// @param[in] index, value   the row's n_obs observations (rows of `other`, raw values r > 0)
/// @param[in] prior_weight   w = mu_s * w_us (0 for items and for mu = 0)
/// @param[in] prior          z, d values; may be nullptr when w = 0
/// @param[out] A, b          caller-owned workspaces, resized only when d changes
void build_normal_equations(const AlsParams& params, int d, const Matrix& other,
                            const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                            const std::int32_t* index, const float* value, std::int64_t n_obs,
                            float prior_weight, const float* prior, Eigen::MatrixXf& A,
                            Eigen::VectorXf& b);

/// The same system with only the lower triangle of A (its diagonal included) right; the strict
/// upper triangle holds whatever was there or the Gram matrix's part. The lower triangle is all
/// solver/row_cholesky.h reads, and mirroring it costs a strided copy of d^2 / 2 entries per row,
/// 5% of an exact row at d = 64.
void build_lower_normal_equations(const AlsParams& params, int d, const Matrix& other,
                                  const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                                  const std::int32_t* index, const float* value, std::int64_t n_obs,
                                  float prior_weight, const float* prior, Eigen::MatrixXf& A,
                                  Eigen::VectorXf& b);

/// The same system accumulated in double precision. For rows whose float32 system is too
/// ill-conditioned to factor (confidences spanning many orders of magnitude, e.g. dwell times of
/// 1e4 with alpha 10): solve_rows falls back to it only when the float32 factorisation fails.
void build_normal_equations(const AlsParams& params, int d, const Matrix& other,
                            const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                            const std::int32_t* index, const float* value, std::int64_t n_obs,
                            float prior_weight, const float* prior, Eigen::MatrixXd& A,
                            Eigen::VectorXd& b);

/// The system build_normal_equations builds (in double precision), with b kept apart into the
/// terms that explain a solved row: x = A^-1 b is linear in b, so a score s_i = f_i . x + t_i
/// splits into f_i' A^-1 (one term of b) per term (Hu, Koren and Volinsky 2008, section 5).
///   b = background + sum_obs observed_weights_j f_j + prior,
///   implicit: observed_weights_j = c_j (1 - t_j), background = -sum_(j unobserved) t_j f_j;
///   explicit: observed_weights_j = r_j - t_j,     background = 0;
///   prior = w z.
struct NormalEquationParts {
  Eigen::MatrixXd A;                 ///< d x d, the matrix build_normal_equations builds
  Eigen::VectorXd b;                 ///< d, its right-hand side: the sum of the three terms
  Eigen::VectorXd background;        ///< d
  Eigen::VectorXd observed_weights;  ///< n_obs, in the order of `index`
  Eigen::VectorXd prior;             ///< d
};

/// The parts of one row's system; the parameters are build_normal_equations'.
void build_normal_equation_parts(const AlsParams& params, int d, const Matrix& other,
                                 const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                                 const std::int32_t* index, const float* value, std::int64_t n_obs,
                                 float prior_weight, const float* prior,
                                 NormalEquationParts& parts);

/// An implicit row's system in the low-rank form of solver/low_rank_solve.h: A = G[0,d)^2 +
/// shift I + H H' with H = F diag(c - 1)^(1/2), its first n_obs columns in `h` (d rows; the
/// buffer only grows), and b as build_normal_equations builds it. Implicit feedback only.
void build_low_rank_system(const AlsParams& params, int d, const Matrix& other,
                           const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                           const std::int32_t* index, const float* value, std::int64_t n_obs,
                           float prior_weight, const float* prior, Eigen::MatrixXf& h,
                           Eigen::VectorXf& b, float& shift);

/// One row's A without forming it, for conjugate gradient, which only needs products A p:
/// A = G[0,d)^2 (implicit only) + F diag(weights) F' + shift I, with the observed rows f_j as the
/// columns of F. A product costs 4 n d + 2 d^2 operations against the n d (d + 1) of forming A,
/// so a few warm-started steps are far cheaper than one exact solve.
class RowOperator {
 public:
  /// out = A v (v of length d).
  void apply(const Eigen::Ref<const Eigen::VectorXf>& v, Eigen::VectorXf& out) const;

 private:
  friend void build_row_operator(const AlsParams&, int, const Matrix&, const Eigen::MatrixXf&,
                                 const float*, const std::int32_t*, const float*, std::int64_t,
                                 float, const float*, RowOperator&, Eigen::VectorXf&);
  Eigen::MatrixXf rows_;  ///< d x capacity; the first `observations_` columns are F
  Eigen::VectorXf weights_;
  std::int64_t observations_ = 0;
  float shift_ = 0;
  const Eigen::MatrixXf* gram_ = nullptr;  ///< implicit feedback only
  mutable Eigen::VectorXf projections_;    ///< workspace of apply()
};

/// The row operator and b of the same system build_normal_equations builds, with the same
/// parameters; `op` only grows, so a loop over rows allocates nothing once warm.
void build_row_operator(const AlsParams& params, int d, const Matrix& other,
                        const Eigen::MatrixXf& gram_of_other, const float* fixed_coords,
                        const std::int32_t* index, const float* value, std::int64_t n_obs,
                        float prior_weight, const float* prior, RowOperator& op,
                        Eigen::VectorXf& b);

}  // namespace sceneals::solver
