// The narrow parameter struct the ALS kernels see (the CLI lives in config/options). Defaults here
// are the kernels' own; the program's defaults come from the option table.
#pragma once

#include <cmath>

namespace sceneals::solver {

/// Implicit: Hu, Koren and Volinsky (2008), every unobserved pair is a weak 0.
/// Explicit: ALS-WR (Zhou et al. 2008), observed values only.
enum class Feedback { kImplicit, kExplicit };

/// How a raw interaction value r > 0 becomes a confidence c.
enum class ConfidenceKind { kLinear, kLog };

/// Exact per-row solve (the reference) or a few warm-started conjugate-gradient steps.
enum class LinearSolverKind { kCholesky, kConjugateGradient };

/// From this k on, `--solver auto` (the default) takes conjugate gradient: its matrix-free steps
/// cost O(n k) per row against the O(n k^2 + k^3) of forming and factoring A, and
/// docs/performance.md's measurements on S1 show its quality within 0.002 of the exact solve there.
/// Below it the exact solve stays the default: the gain is smaller and it is the reference.
inline constexpr int kConjugateGradientFromFactors = 128;

/// What `--solver auto` means for k factors.
inline LinearSolverKind automatic_solver(int factors) {
  return factors >= kConjugateGradientFromFactors ? LinearSolverKind::kConjugateGradient
                                                  : LinearSolverKind::kCholesky;
}

/// The model kinds of docs/design.md, all trained and evaluated on the same split:
/// colearn (per-scene item bias, cross-scene averaging with mu, bridge), independent (mu = 0,
/// no bias, no bridge; users cold in a scene get its popular items), pooled (all scenes in one
/// matrix, items kept distinct per scene), popularity (most popular items per scene).
enum class ModelKind { kColearn, kIndependent, kPooled, kPopularity };

/// "colearn", "independent", "pooled", "popularity": the name the options and the file use.
inline const char* model_kind_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::kColearn:
      return "colearn";
    case ModelKind::kIndependent:
      return "independent";
    case ModelKind::kPooled:
      return "pooled";
    case ModelKind::kPopularity:
      return "popularity";
  }
  return "unknown";
}

struct AlsParams {
  int factors = 64;      ///< k: the user part of a row; item rows carry one more (the bias)
  float lambda = 0.1f;   ///< L2 regularisation (ALS-WR scales it by the row's observation count)
  float alpha = 10.0f;   ///< confidence slope
  float epsilon = 1.0f;  ///< scale inside the log confidence
  ConfidenceKind confidence = ConfidenceKind::kLinear;
  Feedback feedback = Feedback::kImplicit;
  LinearSolverKind solver = LinearSolverKind::kCholesky;
  int cg_steps = 3;  ///< CG steps per row per half-step (Takacs et al. 2011 use 2-4)
};

/// Confidence of an observed value r: 1 + alpha * r, or 1 + alpha * log(1 + r / epsilon).
inline float confidence(const AlsParams& params, float r) {
  if (params.confidence == ConfidenceKind::kLog)
    return 1.0f + params.alpha * std::log1p(r / params.epsilon);
  return 1.0f + params.alpha * r;
}

}  // namespace sceneals::solver
