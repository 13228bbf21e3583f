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

/// Runs `local_phase` (which must make no collective call) and returns what it threw as a
/// LocalError (InputError -> exit code 1, anything else -> 2), for a caller that has more to
/// find out (with collectives) before it agrees.
template <class Fn>
std::optional<LocalError> run_local(Fn&& local_phase) {
  try {
    std::forward<Fn>(local_phase)();
  } catch (const InputError& e) {
    return LocalError{ExitCode::kBadInput, e.what()};
  } catch (const AgreedError& e) {
    return LocalError{e.code(), e.what()};
  } catch (const std::exception& e) {
    return LocalError{ExitCode::kInternal, e.what()};
  }
  return std::nullopt;
}

/// Runs `local_phase` (which must make no collective call), converting what it throws into a
/// LocalError as run_local does, then agrees with every rank.
template <class Fn>
void run_agreed(const Communicator& comm, Fn&& local_phase) {
  agree_on_error(comm, run_local(std::forward<Fn>(local_phase)));
}

}  // namespace sceneals::mpi
