#include "mpi/environment.h"

#include <mpi.h>

#include <cstdlib>
#include <exception>

#include "mpi/mpi_check.h"

namespace sceneals::mpi {

Environment::Environment(int* argc, char*** argv) {
  int provided = 0;
  check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  check_mpi(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
}

Environment::~Environment() {
  if (finalized_) return;
  if (std::uncaught_exceptions() > 0) return;  // other ranks may be inside a collective
  finalize();
}

void Environment::finalize() {
  if (finalized_) return;
  finalized_ = true;
  MPI_Finalize();
}

void Environment::abort(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);  // MPI_Abort should not return; make sure we never do
}

}  // namespace sceneals::mpi
