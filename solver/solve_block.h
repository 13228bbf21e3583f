// One half-step's solve over a block of rows (one scene's local users, or one item shard): the
// per-row normal equations and solve, with workspaces allocated once per block, not per row.
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "solver/als_params.h"
#include "solver/factor_types.h"

namespace sceneals::solver {

/// The prior z of every row of a block: row r's is table->row(row_of[r]), or table->row(first + r)
/// when row_of is nullptr. Rows of a larger table (the user step's z of the whole shard) are read
/// in place rather than copied into a block-sized matrix.
struct PriorRows {
  const Matrix* table = nullptr;
  const std::int32_t* row_of = nullptr;
  std::int64_t first = 0;

  PriorRows(const Matrix* rows_in_order = nullptr)  // NOLINT: a matrix or nullptr reads as one
      : table(rows_in_order) {}
  PriorRows(const Matrix* rows, const std::int32_t* row_of_block_row)
      : table(rows), row_of(row_of_block_row) {}
  const float* row(std::int64_t r) const {
    return table->row(row_of != nullptr ? row_of[r] : first + r).data();
  }
  /// The priors of the block's rows from `block_row` on (a batch of the block).
  PriorRows from(std::int64_t block_row) const {
    PriorRows rest = *this;
    if (row_of != nullptr)
      rest.row_of += block_row;
    else
      rest.first += block_row;
    return rest;
  }
};

/// Solves every row of `rows` for the first d coordinates of its row in `targets`.
///
/// d = k (users: the last coordinate, fixed to 1, stays as it is) or d = k + 1 (items: the whole
/// row). Cholesky or params.cg_steps warm-started CG steps from the current row, by
/// params.solver. A row without observations is still solved: implicit, it only has the weak
/// zeros, the regulariser and the prior; explicit, it becomes the prior z (0 when w = 0).
///
/// @param[in] params          model and solver parameters
/// @param[in] d               k or k + 1
/// @param[in] other           the other side's factor table (k + 1 columns)
/// @param[in] gram_of_other   gram(other)
/// @param[in] rows            the block's observations; rows.rows == targets.rows()
/// @param[in] prior_weights   w per row (mu_s * w_us); nullptr means 0 for every row
/// @param[in] priors          z per row (d columns); may be empty when no weight is non-zero
/// @param[in,out] targets     rows x (k + 1); read as the warm start, first d coords overwritten
void solve_rows(const AlsParams& params, int d, const Matrix& other,
                const Eigen::MatrixXf& gram_of_other, const SparseRows& rows,
                const float* prior_weights, PriorRows priors, Matrix& targets);

}  // namespace sceneals::solver
