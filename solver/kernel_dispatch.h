// Which compiled level of the hot kernels (solver/kernel_table.h) this process runs: the best
// the CPU supports, or the one named by the environment variable SCENEALS_KERNELS (baseline,
// avx2, avx512 or auto), as OpenBLAS_CORETYPE or MKL_ENABLE_INSTRUCTIONS do for their libraries.
// The binary stays portable (the login node that builds it may differ from the compute nodes);
// the choice is made where it runs.
#pragma once

#include <string>
#include <vector>

#include "mpi/communicator.h"
#include "solver/kernel_table.h"

namespace sceneals::solver {

/// The x86-64 levels, lowest first: baseline x86-64 (SSE2), x86-64-v3 (AVX2, FMA, BMI2), and
/// x86-64-v4 (AVX-512 F, BW, CD, DQ, VL).
enum class KernelLevel { kBaseline, kAvx2, kAvx512 };

/// "baseline", "avx2", "avx512": the names SCENEALS_KERNELS takes.
const char* kernel_level_name(KernelLevel level);

/// Whether this CPU, and its operating system (which must save the wider registers), runs code
/// built for `level`.
bool cpu_runs(KernelLevel level);

/// The levels this binary has kernels for (baseline first).
std::vector<KernelLevel> compiled_kernel_levels();

/// The compiled levels this CPU runs (baseline first).
std::vector<KernelLevel> runnable_kernel_levels();

/// The table of a compiled level; InternalError for a level this binary lacks.
const KernelTable& kernel_table(KernelLevel level);

struct KernelChoice {
  KernelLevel level = KernelLevel::kBaseline;
  bool forced = false;  ///< named by SCENEALS_KERNELS, not chosen as the best
};

/// The level for a value of SCENEALS_KERNELS: the best runnable one for "" or "auto", else the
/// level named. InputError naming the variable for an unknown name, a level this binary was
/// built without, or one this CPU cannot run.
KernelChoice choose_kernel_level(const std::string& request);

/// This process's choice: made from SCENEALS_KERNELS on first use (throwing as
/// choose_kernel_level does, every time until it succeeds), then kept.
const KernelChoice& active_kernel_choice();

/// The table of active_kernel_choice()'s level.
const KernelTable& active_kernels();

/// The CPU's brand string from CPUID, e.g. "AMD EPYC 9R14 96-Core Processor"; "unknown CPU"
/// where there is none.
std::string cpu_model_name();

/// The active levels of the ranks of `comm` (collective): "avx512" when they agree, else the lowest
/// and the highest, "baseline to avx512" (nodes of different CPU generations).
std::string kernel_levels_of_ranks(const mpi::Communicator& comm);

/// The line train prints first: "kernels: avx512 (best of baseline, avx2, avx512 on this CPU:
/// <model>)", or "... (forced by SCENEALS_KERNELS ...)"; a build for a given CPU says
/// "kernels: baseline, built with -march=native (...)".
std::string kernel_choice_line();

}  // namespace sceneals::solver
