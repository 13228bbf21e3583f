#include "mpi/parallel_text_file.h"

#include <mpi.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>

#include "mpi/error_agreement.h"

namespace sceneals::mpi {

std::string agreed_temporary_name(const Communicator& comm, const std::string& path) {
  std::int64_t pid = static_cast<std::int64_t>(getpid());
  comm.broadcast(&pid, 1, 0);
  return path + ".tmp-" + std::to_string(pid);
}

namespace {

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "unknown MPI-IO error";
  return std::string(text, static_cast<std::size_t>(length));
}

/// Writes `bytes` at `offset` in pieces MPI's int counts can express.
std::optional<std::string> write_at(MPI_File file, std::int64_t offset, const char* data,
                                    std::int64_t bytes) {
  constexpr std::int64_t kPiece = std::int64_t{1} << 30;
  for (std::int64_t done = 0; done < bytes;) {
    const int piece = static_cast<int>(std::min(kPiece, bytes - done));
    MPI_Status status;
    const int rc = MPI_File_write_at(file, static_cast<MPI_Offset>(offset + done), data + done,
                                     piece, MPI_BYTE, &status);
    if (rc != MPI_SUCCESS) return mpi_error_text(rc);
    done += piece;
  }
  return std::nullopt;
}

}  // namespace

void write_text_collectively(const Communicator& comm, const std::string& path,
                             const std::string& local_block) {
  const std::string temporary = agreed_temporary_name(comm, path);
  MPI_Comm mpi_comm = MPI_Comm_f2c(comm.native_handle());
  if (comm.is_root()) std::remove(temporary.c_str());  // a stale one from a crashed run
  comm.barrier();

  MPI_File file = MPI_FILE_NULL;
  const int open_rc = MPI_File_open(mpi_comm, temporary.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY,
                                    MPI_INFO_NULL, &file);
  std::optional<LocalError> open_error;
  if (open_rc != MPI_SUCCESS)
    open_error =
        LocalError{ExitCode::kBadInput, "cannot write '" + path + "': " + mpi_error_text(open_rc)};
  agree_on_error(comm, open_error);

  const std::int64_t bytes = static_cast<std::int64_t>(local_block.size());
  const std::int64_t offset = comm.exclusive_prefix_sum(bytes);
  std::optional<LocalError> write_error;
  if (auto failure = write_at(file, offset, local_block.data(), bytes))
    write_error = LocalError{ExitCode::kBadInput, "cannot write '" + path + "': " + *failure};
  const int close_rc = MPI_File_close(&file);
  if (!write_error && close_rc != MPI_SUCCESS)
    write_error =
        LocalError{ExitCode::kBadInput, "cannot write '" + path + "': " + mpi_error_text(close_rc)};
  if (comm.any(write_error.has_value()) && comm.is_root()) std::remove(temporary.c_str());
  agree_on_error(comm, write_error);
  std::optional<LocalError> rename_error;
  if (comm.is_root() && std::rename(temporary.c_str(), path.c_str()) != 0) {
    rename_error = LocalError{ExitCode::kBadInput, "cannot rename '" + temporary + "' to '" + path +
                                                       "': " + std::strerror(errno)};
    std::remove(temporary.c_str());
  }
  agree_on_error(comm, rename_error);
}

}  // namespace sceneals::mpi
