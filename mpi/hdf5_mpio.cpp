#include "mpi/hdf5_mpio.h"

#include <hdf5.h>
#include <mpi.h>

#include <string>
#include <type_traits>

#include "mpi/error.h"

namespace sceneals::mpi {

// The header passes property lists as std::int64_t so that it needs no <hdf5.h>.
static_assert(std::is_same_v<hid_t, std::int64_t>, "hid_t is int64_t from HDF5 1.10 on");

namespace {

void check_hdf5(herr_t status, const char* call) {
  if (status < 0) throw InternalError(std::string(call) + " failed on a file-access property list");
}

}  // namespace

void set_mpio_file_access(std::int64_t file_access_plist, const Communicator& comm) {
  check_hdf5(H5Pset_fapl_mpio(file_access_plist, MPI_Comm_f2c(comm.native_handle()), MPI_INFO_NULL),
             "H5Pset_fapl_mpio");
  // Collective metadata: one rank reads or writes each metadata block and broadcasts it, instead
  // of every rank hitting the file system for the same bytes (and it keeps the caches in step).
  check_hdf5(H5Pset_all_coll_metadata_ops(file_access_plist, true), "H5Pset_all_coll_metadata_ops");
  check_hdf5(H5Pset_coll_metadata_write(file_access_plist, true), "H5Pset_coll_metadata_write");
}

}  // namespace sceneals::mpi
