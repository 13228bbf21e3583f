// The stages of a job, run one after another by one small runner that measures each of them the
// same way: its time (the slowest rank's), the bytes it sent (the most any rank sent), the
// peak resident memory of the process after it and the stage's own peak (the largest over
// ranks). A stage is collective, and so are the runner's reductions after it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "mpi/communicator.h"

namespace sceneals::app {

struct StageRecord {
  std::string name;
  double seconds = 0;                    ///< wall time, the largest over ranks
  std::int64_t max_bytes_sent = 0;       ///< bytes sent during the stage, the largest over ranks
  std::int64_t peak_resident_bytes = 0;  ///< the process's peak so far, the largest over ranks
  /// The peak while the stage ran (what it held at its fullest, with what earlier stages left),
  /// the largest over ranks; the peak so far where the kernel cannot reset the peak.
  std::int64_t stage_peak_resident_bytes = 0;
};

/// Peak resident set size of this process since it started, or since the last reset, in bytes.
std::int64_t peak_resident_bytes();
/// Resets the peak resident set size to the current size (Linux's /proc/self/clear_refs); false
/// where that is not possible.
bool reset_peak_resident();

class StageRunner {
 public:
  explicit StageRunner(const mpi::Communicator& world)
      : world_(world), start_(std::chrono::steady_clock::now()) {}

  /// Runs `stage()` on every rank and records it under `name`; returns what the stage returns.
  template <class Stage>
  decltype(auto) run(const std::string& name, Stage&& stage) {
    const Mark mark = begin();
    if constexpr (std::is_void_v<std::invoke_result_t<Stage&>>) {
      stage();
      end(name, mark);
    } else {
      auto result = stage();
      end(name, mark);
      return result;
    }
  }

  /// The record of a stage that ran (std::logic_error otherwise: a programming error).
  const StageRecord& record(const std::string& name) const;
  const std::vector<StageRecord>& records() const { return records_; }
  /// Collective: the wall time since the runner was made, the largest over ranks.
  double elapsed_seconds() const;

 private:
  struct Mark {
    std::chrono::steady_clock::time_point start;
    std::int64_t bytes_sent = 0;
  };
  Mark begin();
  void end(const std::string& name, const Mark& mark);

  const mpi::Communicator& world_;
  std::int64_t peak_so_far_ = 0;  // this rank's, over the stages before the last reset
  const std::chrono::steady_clock::time_point start_;
  std::vector<StageRecord> records_;
};

}  // namespace sceneals::app
