// A ridge regression of output rows on [input, 1] from its sufficient statistics: sum a a'
// ((n+1)^2 numbers) and sum a y' ((n+1) x m) with a = [input, 1], plus the count, packed in one
// flat array so that many regressions (one per scene) travel in one MPI_Allreduce. The user
// bridge (solver/bridge.h) and the item feature map (solver/feature_map.h) are both one.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "mpi/communicator.h"
#include "solver/factor_types.h"

namespace sceneals::solver {

class RidgeStatistics {
 public:
  RidgeStatistics(int inputs, int outputs);
  /// Adds one example: `input` (inputs values, the intercept's 1 is appended) and `output`
  /// (outputs values).
  void add(const float* input, const float* output);
  /// The statistics as one flat array (ata, then aty, then the count), for an Allreduce.
  double* data() { return flat_.data(); }
  std::int64_t size() const { return flat_.size(); }
  std::int64_t count() const;
  int inputs() const { return inputs_; }
  int outputs() const { return outputs_; }

  /// W = (sum a a' + ridge I)^-1 sum a y', (inputs + 1) x outputs. Every coordinate of W, the
  /// intercept row included, is shrunk by the same ridge: with no examples, W = 0.
  Matrix solve(double ridge) const;

 private:
  int inputs_, outputs_;
  Eigen::VectorXd flat_;
};

/// Sums every scene's statistics over `comm` in one Allreduce (all of one size).
template <class Statistics>
void allreduce_statistics(const mpi::Communicator& comm, std::vector<Statistics>& stats) {
  if (stats.empty()) return;
  const std::int64_t each = stats.front().size();
  std::vector<double> packed(stats.size() * static_cast<std::size_t>(each));
  for (std::size_t l = 0; l < stats.size(); ++l)
    std::copy(stats[l].data(), stats[l].data() + each,
              packed.begin() + static_cast<std::ptrdiff_t>(l) * each);
  comm.allreduce_in_place(packed, mpi::ReduceOp::kSum);
  for (std::size_t l = 0; l < stats.size(); ++l)
    std::copy(packed.begin() + static_cast<std::ptrdiff_t>(l) * each,
              packed.begin() + static_cast<std::ptrdiff_t>(l + 1) * each, stats[l].data());
}

}  // namespace sceneals::solver
