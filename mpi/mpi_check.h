// Turns MPI return codes into exceptions. Only for .cpp files of mpi/ (includes <mpi.h>).
// The world communicator is set to MPI_ERRORS_RETURN by Environment, so these checks are live.
#pragma once

#include <mpi.h>

#include <string>

#include "mpi/error.h"

namespace sceneals::mpi {

/// An MPI call failed; carries MPI_Error_string. Exit code 2.
class MpiError : public InternalError {
 public:
  MpiError(const std::string& call, int code);
};

inline void check_mpi(int rc, const char* call) {
  if (rc != MPI_SUCCESS) throw MpiError(call, rc);
}

}  // namespace sceneals::mpi
