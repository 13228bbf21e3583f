// Hands a communicator to parallel HDF5. HDF5 needs the MPI_Comm itself, and only mpi/ may touch
// MPI, so this is the one bridge between the two; io/ passes its file-access property list here.
// The header includes neither <mpi.h> nor <hdf5.h>: a property list travels as its hid_t value.
#pragma once

#include <cstdint>

#include "mpi/communicator.h"

namespace sceneals::mpi {

/// Sets the MPI-IO driver on `file_access_plist` (an hid_t of class H5P_FILE_ACCESS) for `comm`,
/// with collective metadata reads and writes, so that every rank of `comm` must then make the
/// same HDF5 metadata calls in the same order. Throws InternalError when HDF5 refuses.
void set_mpio_file_access(std::int64_t file_access_plist, const Communicator& comm);

}  // namespace sceneals::mpi
