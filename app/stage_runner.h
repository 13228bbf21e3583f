// The stages of a job, run one after another by one small runner that measures each of them the
// same way: its time (the slowest rank's), the bytes it sent (the most any rank sent) and the
// peak resident memory of the process after it (the largest over ranks). A stage is collective,
// and so are the runner's three reductions after it.
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
};

/// Peak resident set size of this process so far, in bytes.
std::int64_t peak_resident_bytes();

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
  Mark begin() const;
  void end(const std::string& name, const Mark& mark);

  const mpi::Communicator& world_;
  const std::chrono::steady_clock::time_point start_;
  std::vector<StageRecord> records_;
};

}  // namespace sceneals::app
