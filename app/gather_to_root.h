// Every rank's block, concatenated in rank order on rank 0 (an all-to-all in which only rank 0
// receives), for the commands whose output one rank writes.
#pragma once

#include <vector>

#include "mpi/communicator.h"

namespace sceneals::app {

/// Collective. On rank 0 the concatenation of every rank's `block`, in rank order; elsewhere
/// empty.
template <class T>
std::vector<T> gather_to_root(const mpi::Communicator& world, const std::vector<T>& block) {
  std::vector<std::vector<T>> send(static_cast<std::size_t>(world.size()));
  send[0] = block;
  return world.alltoallv(send);
}

}  // namespace sceneals::app
