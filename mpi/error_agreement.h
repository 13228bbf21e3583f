// The one agreed error path. A phase that runs without communication (parsing a byte range,
// validating options) records its first error instead of throwing; at the end of the phase every
// rank calls agree_on_error. If any rank failed, all of them throw the same AgreedError (the
// message of the lowest failing rank, which for byte ranges is the earliest line of the file),
// so rank 0 can print it once, every rank exits with the same code, and nobody hangs.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "mpi/communicator.h"
#include "mpi/error.h"

namespace sceneals::mpi {

struct LocalError {
  ExitCode code = ExitCode::kInternal;
  std::string message;
};

/// Collective. Returns normally only when no rank passed an error.
void agree_on_error(const Communicator& comm, const std::optional<LocalError>& local_error);

/// Runs `local_phase` (which must make no collective call), converting what it throws into a
/// LocalError (InputError -> exit code 1, anything else -> 2), then agrees with every rank.
template <class Fn>
void run_agreed(const Communicator& comm, Fn&& local_phase) {
  std::optional<LocalError> error;
  try {
    std::forward<Fn>(local_phase)();
  } catch (const InputError& e) {
    error = LocalError{ExitCode::kBadInput, e.what()};
  } catch (const AgreedError& e) {
    error = LocalError{e.code(), e.what()};
  } catch (const std::exception& e) {
    error = LocalError{ExitCode::kInternal, e.what()};
  }
  agree_on_error(comm, error);
}

}  // namespace sceneals::mpi
