// Scores of a block of users against every item: one matrix product, the evaluation's and
// serving's kernel (eval/evaluator.cpp, eval/rank_items.cpp), run at the dispatched level.
#pragma once

#include <Eigen/Core>

#include "solver/factor_types.h"

namespace sceneals::solver {

/// users * items' (users.rows() x items.rows()); both k + 1 wide.
Matrix block_scores(const Eigen::Ref<const Matrix>& users, const Matrix& items);

}  // namespace sceneals::solver
