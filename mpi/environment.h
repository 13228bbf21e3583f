// RAII owner of MPI's lifetime. It never finalizes during stack unwinding: a rank that leaves by
// an exception must call abort() (main does), because MPI_Finalize would wait for the others.
#pragma once

namespace sceneals::mpi {

class Environment {
 public:
  /// MPI_Init_thread (funneled: OpenMP threads never call MPI) and MPI_ERRORS_RETURN on world,
  /// so MPI failures surface as exceptions instead of silent aborts.
  Environment(int* argc, char*** argv);
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
  /// Finalizes if finalize() has not run yet and no exception is in flight.
  ~Environment();

  void finalize();
  /// MPI_Abort on world with this exit code; does not return.
  [[noreturn]] static void abort(int exit_code);

 private:
  bool finalized_ = false;
};

}  // namespace sceneals::mpi
