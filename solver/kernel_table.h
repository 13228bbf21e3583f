// The hot kernels as one table of function pointers. solver/CMakeLists.txt compiles their
// sources once for the baseline x86-64 and once more for each level of SCENEALS_KERNEL_LEVELS
// (AVX2 + FMA, AVX-512), each into its own table; solver/kernel_dispatch.h picks the table of
// the best level the CPU runs, and the public entry points (solve_rows, gram, data_loss,
// block_scores, measure_attainable_flops) call through it.
#pragma once

#include <Eigen/Core>

#include "solver/als_params.h"
#include "solver/factor_types.h"
#include "solver/solve_block.h"

namespace sceneals::solver {

/// The implementations, as compiled for the level of the translation unit that calls them: each
/// level's copy is private to its own object file, and only reachable through its table. The
/// contracts are those of the public functions of the same names.
namespace kernel {
void solve_rows(const AlsParams& params, int d, const Matrix& other,
                const Eigen::MatrixXf& gram_of_other, const SparseRows& rows,
                const float* prior_weights, PriorRows priors, Matrix& targets);
Eigen::MatrixXf gram(const Matrix& other);
double data_loss(const AlsParams& params, const Matrix& other, const Eigen::MatrixXf& gram_of_other,
                 const SparseRows& rows, const Matrix& targets);
Matrix block_scores(const Eigen::Ref<const Matrix>& users, const Matrix& items);
double gemm_rate(double seconds);
}  // namespace kernel

/// One level's kernels.
struct KernelTable {
  const char* level;  ///< "baseline", "avx2" or "avx512"
  decltype(&kernel::solve_rows) solve_rows;
  decltype(&kernel::gram) gram;
  decltype(&kernel::data_loss) data_loss;
  decltype(&kernel::block_scores) block_scores;
  decltype(&kernel::gemm_rate) gemm_rate;
};

}  // namespace sceneals::solver

/// The tables, defined by solver/kernel_table.cpp, one per compiled level; outside every namespace
/// so that the level objects' single exported symbol has a plain name.
extern const sceneals::solver::KernelTable sceneals_kernels_baseline;
extern const sceneals::solver::KernelTable sceneals_kernels_avx2;
extern const sceneals::solver::KernelTable sceneals_kernels_avx512;
