// Helpers for the MPI tests: a scratch directory every rank agrees on, and files written by
// rank 0 before the others read them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "io/sharded_data.h"
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

/// This rank's part of a catalogue holds exactly its rows of `ids` in global row order
/// ((stable hash, id)), and the shards together hold all of them.
inline void expect_catalogue_holds(const io::Catalogue& catalogue,
                                   const std::set<std::string>& ids) {
  std::vector<std::string> want(ids.begin(), ids.end());
  io::sort_ids_in_row_order(want);
  ASSERT_EQ(catalogue.total(), static_cast<std::int64_t>(want.size()));
  for (std::int64_t i = 0; i < catalogue.size(); ++i)
    EXPECT_EQ(catalogue.ids[static_cast<std::size_t>(i)],
              want[static_cast<std::size_t>(catalogue.row_begin() + i)]);
}

}  // namespace sceneals::testing
