#include "mpi/error_agreement.h"

#include <cstdint>

namespace sceneals::mpi {

void agree_on_error(const Communicator& comm, const std::optional<LocalError>& local_error) {
  const int first_failing = comm.min(local_error ? comm.rank() : comm.size());
  if (first_failing == comm.size()) return;
  std::int32_t code = local_error ? static_cast<std::int32_t>(local_error->code) : 0;
  comm.broadcast(&code, 1, first_failing);
  const std::string message =
      comm.broadcast_string(local_error ? local_error->message : std::string(), first_failing);
  throw AgreedError(static_cast<ExitCode>(code), message);
}

}  // namespace sceneals::mpi
