// What this machine attains in single precision: the rate of a large Eigen matrix product,
// the kernel best placed to reach the peak, compiled for the dispatched level
// (solver/kernel_dispatch.h), as the ALS kernels are. The benchmark reports every phase
// against it.
#pragma once

namespace sceneals::solver {

/// FLOP/s of an n x n float matrix product on this process with its OpenMP threads: the best
/// of a few products of n = 1024 repeated for about `seconds` in all.
double measure_attainable_flops(double seconds = 0.6);

}  // namespace sceneals::solver
