// Writes one text file collectively: every rank contributes a block, the file is the blocks in
// rank order. Used for the split files and for `sceneals generate`, so no rank ever holds the
// whole output. The file appears under its final name only when complete.
#pragma once

#include <string>

#include "mpi/communicator.h"

namespace sceneals::mpi {

/// Collective. Writes to "<path>.tmp-<pid of rank 0>" with MPI-IO at offsets from an exclusive
/// prefix sum, then rank 0 renames it to `path`. If the file cannot be created every rank throws
/// AgreedError(kBadInput) naming the path; on any other failure the temporary file is removed.
void write_text_collectively(const Communicator& comm, const std::string& path,
                             const std::string& local_block);

/// A temporary name next to `path` that every rank of `comm` agrees on.
std::string agreed_temporary_name(const Communicator& comm, const std::string& path);

}  // namespace sceneals::mpi
