// Counts the payload bytes this rank sends through collectives, so the per-iteration progress
// line can print them and benchmarks can compare them with the analytical minimum.
#pragma once

#include <cstdint>

namespace sceneals::mpi {

/// Bytes are counted as the algorithm-independent payload this rank contributes to other ranks:
/// alltoallv: what it sends to ranks other than itself; allgatherv: its block times (p - 1);
/// allreduce and reduce: its buffer times 2 (p - 1) / p, the volume of a ring/reduce-scatter
/// algorithm; broadcast: the buffer times (p - 1) at the root. Shared by every communicator split
/// from the same parent, so one meter sees all traffic of the rank.
class TrafficMeter {
 public:
  void add(std::int64_t bytes) { bytes_sent_ += bytes; }
  std::int64_t bytes_sent() const { return bytes_sent_; }

 private:
  std::int64_t bytes_sent_ = 0;
};

}  // namespace sceneals::mpi
