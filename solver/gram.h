// The Gram matrix of a factor table, the part of every implicit normal equation that does not
// depend on the row (Hu, Koren and Volinsky 2008): computed once per scene per half-step.
#pragma once

#include <Eigen/Core>

#include "solver/factor_types.h"

namespace sceneals::solver {

/// other' * other over all rows: a full symmetric (k+1) x (k+1) matrix.
Eigen::MatrixXf gram(const Matrix& other);

}  // namespace sceneals::solver
