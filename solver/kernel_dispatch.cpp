#include "solver/kernel_dispatch.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "mpi/error.h"
#include "solver/attainable_flops.h"
#include "solver/block_scores.h"
#include "solver/gram.h"
#include "solver/row_loss.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace sceneals::solver {

namespace {

constexpr const char* kVariable = "SCENEALS_KERNELS";

// The levels' tables, nullptr for a level this binary was built without (the
// SCENEALS_HAVE_KERNELS_* definitions come from solver/CMakeLists.txt).
#if defined(SCENEALS_HAVE_KERNELS_AVX2)
const KernelTable* const kAvx2Table = &sceneals_kernels_avx2;
#else
const KernelTable* const kAvx2Table = nullptr;
#endif
#if defined(SCENEALS_HAVE_KERNELS_AVX512)
const KernelTable* const kAvx512Table = &sceneals_kernels_avx512;
#else
const KernelTable* const kAvx512Table = nullptr;
#endif

/// Every level, lowest first, in KernelLevel's order.
struct LevelEntry {
  KernelLevel level;
  const char* name;
  const KernelTable* table;
};
const LevelEntry kLevels[] = {
    {KernelLevel::kBaseline, "baseline", &sceneals_kernels_baseline},
    {KernelLevel::kAvx2, "avx2", kAvx2Table},
    {KernelLevel::kAvx512, "avx512", kAvx512Table},
};

const LevelEntry& entry(KernelLevel level) { return kLevels[static_cast<int>(level)]; }

std::string join_names(const std::vector<KernelLevel>& levels) {
  std::string out;
  for (const KernelLevel level : levels)
    out += (out.empty() ? "" : ", ") + std::string(kernel_level_name(level));
  return out;
}

}  // namespace

const char* kernel_level_name(KernelLevel level) { return entry(level).name; }

bool cpu_runs(KernelLevel level) {
#if defined(__x86_64__)
  // libgcc's feature bits include the operating system's consent (XGETBV) for AVX and AVX-512.
  __builtin_cpu_init();
#if defined(__GNUC__) && !defined(__clang__)
  // Every feature the -march levels may use (F16C, LZCNT and MOVBE too, which VMs may hide).
  const bool avx2 = __builtin_cpu_supports("x86-64-v3");
  const bool avx512 = __builtin_cpu_supports("x86-64-v4");
#else  // clang 14 knows the features, not the levels
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512cd") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
  switch (level) {
    case KernelLevel::kBaseline:
      return true;
    case KernelLevel::kAvx2:
      return avx2;
    case KernelLevel::kAvx512:
      return avx512;
  }
  return false;
#else
  return level == KernelLevel::kBaseline;
#endif
}

std::vector<KernelLevel> compiled_kernel_levels() {
  std::vector<KernelLevel> out;
  for (const LevelEntry& known : kLevels)
    if (known.table != nullptr) out.push_back(known.level);
  return out;
}

std::vector<KernelLevel> runnable_kernel_levels() {
  std::vector<KernelLevel> out;
  for (const KernelLevel level : compiled_kernel_levels())
    if (cpu_runs(level)) out.push_back(level);
  return out;
}

const KernelTable& kernel_table(KernelLevel level) {
  const KernelTable* table = entry(level).table;
  check_invariant(table != nullptr, "kernel_table: a level this binary was built without");
  return *table;
}

KernelChoice choose_kernel_level(const std::string& request) {
  if (request.empty() || request == "auto") return {runnable_kernel_levels().back(), false};
  std::vector<KernelLevel> all;
  for (const LevelEntry& known : kLevels) {
    all.push_back(known.level);
    if (request != known.name) continue;
    const KernelLevel level = known.level;
    if (known.table == nullptr)
      throw InputError(
          std::string(kVariable) + "=" + request + ": this build has no kernels for it (it has " +
          join_names(compiled_kernel_levels()) + "; CMake's SCENEALS_KERNEL_LEVELS chooses)");
    if (!cpu_runs(level))
      throw InputError(std::string(kVariable) + "=" + request + ": this CPU (" + cpu_model_name() +
                       ") cannot run it; it runs " + join_names(runnable_kernel_levels()));
    return {level, true};
  }
  throw InputError(std::string(kVariable) + "=" + request + ": unknown level (use one of auto, " +
                   join_names(all) + ")");
}

const KernelChoice& active_kernel_choice() {
  static const KernelChoice choice = [] {
    const char* request = std::getenv(kVariable);
    return choose_kernel_level(request != nullptr ? request : "");
  }();
  return choice;
}

const KernelTable& active_kernels() { return kernel_table(active_kernel_choice().level); }

std::string cpu_model_name() {
#if defined(__x86_64__)
  unsigned int regs[12] = {};
  unsigned int highest = __get_cpuid_max(0x80000000u, nullptr);
  if (highest >= 0x80000004u) {
    for (unsigned int leaf = 0; leaf < 3; ++leaf)
      __get_cpuid(0x80000002u + leaf, &regs[4 * leaf], &regs[4 * leaf + 1], &regs[4 * leaf + 2],
                  &regs[4 * leaf + 3]);
    char brand[sizeof regs + 1] = {};
    std::memcpy(brand, regs, sizeof regs);
    std::string name(brand);
    const auto first = name.find_first_not_of(' ');
    const auto last = name.find_last_not_of(' ');
    if (first != std::string::npos) return name.substr(first, last - first + 1);
  }
#endif
  return "unknown CPU";
}

std::string kernel_choice_line() {
  const KernelChoice& choice = active_kernel_choice();
#if defined(SCENEALS_BASELINE_MARCH)
  const std::string built_for =
      choice.level == KernelLevel::kBaseline ? ", built with -march=" SCENEALS_BASELINE_MARCH : "";
#else
  const std::string built_for;
#endif
  return std::string("kernels: ") + kernel_level_name(choice.level) + built_for + " (" +
         (choice.forced ? std::string("forced by ") + kVariable
                        : "best of " + join_names(runnable_kernel_levels())) +
         " on this CPU: " + cpu_model_name() + ")";
}

std::string kernel_levels_of_ranks(const mpi::Communicator& comm) {
  const int level = static_cast<int>(active_kernel_choice().level);
  const int lowest = comm.min(level), highest = comm.max(level);
  const std::string low = kernel_level_name(static_cast<KernelLevel>(lowest));
  return lowest == highest ? low
                           : low + " to " + kernel_level_name(static_cast<KernelLevel>(highest));
}

// The public entry points of the kernels: each calls the active level's implementation.

void solve_rows(const AlsParams& params, int d, const Matrix& other,
                const Eigen::MatrixXf& gram_of_other, const SparseRows& rows,
                const float* prior_weights, PriorRows priors, Matrix& targets) {
  active_kernels().solve_rows(params, d, other, gram_of_other, rows, prior_weights, priors,
                              targets);
}

Eigen::MatrixXf gram(const Matrix& other) { return active_kernels().gram(other); }

double data_loss(const AlsParams& params, const Matrix& other, const Eigen::MatrixXf& gram_of_other,
                 const SparseRows& rows, const Matrix& targets) {
  return active_kernels().data_loss(params, other, gram_of_other, rows, targets);
}

Matrix block_scores(const Eigen::Ref<const Matrix>& users, const Matrix& items) {
  return active_kernels().block_scores(users, items);
}

double measure_attainable_flops(double seconds) { return active_kernels().gemm_rate(seconds); }

}  // namespace sceneals::solver
