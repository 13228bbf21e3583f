// Threads inside a rank (OpenMP), behind one header so that a build without OpenMP (clang
// without libomp, as the fuzz build uses) compiles the same code as one thread per rank.
#pragma once

#if defined(_OPENMP)
#include <omp.h>
#define SCENEALS_OMP(directive) _Pragma(#directive)
#else
#define SCENEALS_OMP(directive)
#endif

namespace sceneals::solver {

/// Whether this build can run more than one thread per rank.
inline bool threads_available() {
#if defined(_OPENMP)
  return true;
#else
  return false;
#endif
}

/// Sets the threads every later parallel region (and Eigen's products) uses.
inline void set_thread_count(int threads) {
#if defined(_OPENMP)
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
}

}  // namespace sceneals::solver
