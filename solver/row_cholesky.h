// The Cholesky factorisation and solve of one row's d x d system, for the d of a factor row
// (tens to a few hundred). Eigen's LLT is built for large matrices: at d = 64 it cuts the matrix
// into 8-column blocks whose products go through its general matrix kernels, and a row's
// factorisation and solve took 12 us, most of the exact user step on S1 (a user has about 50
// observations, so forming A is cheaper than factoring it). Here the trailing update is applied
// four columns at a time, each trailing column read and written once per four, in plain loops the
// compiler vectorises at any -march. Eigen's LLT stays the reference in the tests.
#pragma once

#include <Eigen/Core>

namespace sceneals::solver {

/// Overwrites the lower triangle of `a` (its diagonal included) with L, L L' = a, reading only
/// the lower triangle; the strict upper triangle is left as it was. Returns false, with `a`
/// partly overwritten, when a pivot is not positive and finite (a is not positive definite in
/// float32, or holds a NaN or an infinity).
bool cholesky_factor_lower(Eigen::Ref<Eigen::MatrixXf> a);

/// x = (L L')^-1 x in place, L the lower triangle of `l` as cholesky_factor_lower left it.
void cholesky_solve_lower(const Eigen::Ref<const Eigen::MatrixXf>& l,
                          Eigen::Ref<Eigen::VectorXf> x);

}  // namespace sceneals::solver
