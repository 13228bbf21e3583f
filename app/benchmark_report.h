// `sceneals train --benchmark`: the figures of a run set against what the machine attains, one
// line per phase (read, route, user step, averaging, item step, evaluation): time, FLOPs done,
// the rate and its fraction of the attainable rate, bytes sent per rank; and peak memory.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "solver/trainer.h"

namespace sceneals::app {

struct BenchmarkFigures {
  int ranks = 1;
  int threads = 1;
  double attainable_min = 0;              ///< FLOP/s of the slowest rank's matrix product
  double attainable_mean = 0;             ///< mean over ranks
  std::string kernel_level = "baseline";  ///< "avx512", or "baseline to avx512" when ranks differ
  double read_seconds = 0;
  std::int64_t file_bytes = 0;
  double route_seconds = 0;
  std::int64_t route_max_bytes = 0;
  std::vector<solver::IterationStats> iterations;
  std::array<double, 3> iteration_flops{};  ///< all ranks together, per phase
  double evaluation_seconds = -1;           ///< negative: no evaluation ran
  double evaluation_flops = 0;
  std::int64_t peak_resident_bytes = 0;  ///< the largest over ranks
  /// Peak resident memory so far (largest over ranks) after reading, routing, training and
  /// writing: which phase sets the peak.
  std::array<std::int64_t, 4> peak_after{};
  /// Each stage's own peak (app/stage_runner.h), largest over ranks, in the order they ran.
  std::vector<std::pair<std::string, std::int64_t>> stage_peaks;
  std::int64_t data_share_bytes = 0;  ///< held_data_bytes, the largest over ranks
  std::int64_t served_bytes = 0;      ///< the dense per-scene user rows this rank writes, largest
  /// The averaging's analytical bytes per rank: an Allreduce over the G ranks of a shard of the
  /// exchanged rows, 2 (G - 1) / G x 4 (k + 1) x exchanged users, largest over ranks.
  double averaging_model_bytes = 0;
  /// Anonymous memory in transparent huge pages after training, the smallest over ranks.
  std::int64_t huge_page_bytes = 0;
  std::string huge_page_request;  ///< app/huge_pages.h's huge_page_request()
};

/// What a rank's training cannot do without: its ratings in both orientations at 8 bytes an
/// entry (int32 position, float32 value) and the factors it holds (x of its users, Y of its
/// scenes, z of its shard), float32. The memory target is 1.5x of it.
std::int64_t held_data_bytes(const solver::Trainer& trainer);

/// The table rank 0 prints: phase times are medians over the iterations.
std::string format_benchmark(const BenchmarkFigures& figures);

}  // namespace sceneals::app
