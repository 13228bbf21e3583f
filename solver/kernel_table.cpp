// This level's table: SCENEALS_KERNEL_LEVEL names the level (solver/CMakeLists.txt), absent in
// the baseline build. The table is the one symbol a level's object exports.
#include "solver/kernel_table.h"

#ifndef SCENEALS_KERNEL_LEVEL
#define SCENEALS_KERNEL_LEVEL baseline
#endif
#define SCENEALS_CONCAT_INNER(a, b) a##b
#define SCENEALS_CONCAT(a, b) SCENEALS_CONCAT_INNER(a, b)
#define SCENEALS_STRING_INNER(a) #a
#define SCENEALS_STRING(a) SCENEALS_STRING_INNER(a)

__attribute__((visibility("default"))) extern const sceneals::solver::KernelTable SCENEALS_CONCAT(
    sceneals_kernels_, SCENEALS_KERNEL_LEVEL) = {
    SCENEALS_STRING(SCENEALS_KERNEL_LEVEL),  &sceneals::solver::kernel::solve_rows,
    &sceneals::solver::kernel::gram,         &sceneals::solver::kernel::data_loss,
    &sceneals::solver::kernel::block_scores, &sceneals::solver::kernel::gemm_rate,
};
