// Helpers for the MPI tests: a scratch directory every rank agrees on, and files written by
// rank 0 before the others read them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "mpi/communicator.h"
#include "mpi/error.h"

namespace sceneals::testing {

/// A fresh directory named by rank 0's pid and `name`, created by rank 0, seen by all ranks.
inline std::string shared_scratch_dir(const mpi::Communicator& comm, const std::string& name) {
  std::int64_t pid = getpid();
  comm.broadcast(&pid, 1, 0);
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("sceneals-test-" + std::to_string(pid) + "-" + name))
                              .string();
  if (comm.is_root()) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  comm.barrier();
  return dir;
}

/// Rank 0 writes `text` to `path`; returns when every rank can read it.
inline void write_file_on_root(const mpi::Communicator& comm, const std::string& path,
                               const std::string& text) {
  if (comm.is_root()) std::ofstream(path, std::ios::binary) << text;
  comm.barrier();
}

/// Runs `fn` (collective) and returns the AgreedError it throws; fails when it throws nothing.
template <class Fn>
AgreedError expect_agreed_error(Fn&& fn) {
  try {
    fn();
  } catch (const AgreedError& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected AgreedError, got: " << e.what();
    return AgreedError(ExitCode::kSuccess, "");
  }
  ADD_FAILURE() << "expected AgreedError, nothing was thrown";
  return AgreedError(ExitCode::kSuccess, "");
}

}  // namespace sceneals::testing
