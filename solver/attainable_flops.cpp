#include "solver/attainable_flops.h"

#include <Eigen/Core>
#include <algorithm>
#include <chrono>

#include "solver/kernel_table.h"

namespace sceneals::solver {

double kernel::gemm_rate(double seconds) {
  constexpr Eigen::Index kN = 1024;
  const Eigen::MatrixXf a = Eigen::MatrixXf::Random(kN, kN);
  const Eigen::MatrixXf b = Eigen::MatrixXf::Random(kN, kN);
  Eigen::MatrixXf c(kN, kN);
  c.noalias() = a * b;  // warm-up: pages touched, threads started
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  double best = 0;
  do {
    const Clock::time_point t0 = Clock::now();
    c.noalias() = a * b;
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, 2.0 * kN * kN * kN / elapsed);
  } while (std::chrono::duration<double>(Clock::now() - start).count() < seconds);
  return best;
}

}  // namespace sceneals::solver
