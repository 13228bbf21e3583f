#include "io/item_features_hdf5.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "io/hdf5_file_check.h"
#include "io/hdf5_handle.h"
#include "io/line_parser.h"
#include "mpi/error_agreement.h"

namespace sceneals::io {

namespace {

template <class Result>
Result checked(Result result, const char* call, const std::string& path) {
  if (result < 0) throw InputError(path, std::string(call) + " failed: not a readable HDF5 file?");
  return result;
}

/// Why `path` cannot be opened as an intact HDF5 file (truncated, another format); empty if it
/// can.
std::string hdf5_problem(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return "cannot be read";
  std::ifstream file(path, std::ios::binary);
  return hdf5_file_problem(info.st_size, file);
}

struct Dataset {
  DatasetHandle handle;
  DatatypeHandle type;
  std::vector<hsize_t> dims;
};

Dataset open(hid_t file, const std::string& path, const char* name) {
  if (H5Lexists(file, "/items", H5P_DEFAULT) <= 0 || H5Lexists(file, name, H5P_DEFAULT) <= 0)
    throw InputError(path, std::string(name) + " is missing (an HDF5 features file holds " +
                               "/items/id [n] and /items/features [n, d])");
  Dataset d;
  d.handle = DatasetHandle(checked(H5Dopen2(file, name, H5P_DEFAULT), "H5Dopen2", path));
  d.type = DatatypeHandle(checked(H5Dget_type(d.handle.get()), "H5Dget_type", path));
  DataspaceHandle space(checked(H5Dget_space(d.handle.get()), "H5Dget_space", path));
  d.dims.resize(static_cast<std::size_t>(
      checked(H5Sget_simple_extent_ndims(space.get()), "H5Sget_simple_extent_ndims", path)));
  checked(H5Sget_simple_extent_dims(space.get(), d.dims.data(), nullptr),
          "H5Sget_simple_extent_dims", path);
  return d;
}

/// Selects rows [begin, begin + rows) of `d` (1-D or 2-D) and reads them as `memory_type`.
void read_rows(const Dataset& d, hid_t memory_type, hsize_t begin, hsize_t rows, void* out,
               const std::string& path) {
  if (rows == 0) return;
  const int rank = static_cast<int>(d.dims.size());
  DataspaceHandle file_space(checked(H5Dget_space(d.handle.get()), "H5Dget_space", path));
  const hsize_t start[2] = {begin, 0};
  const hsize_t count[2] = {rows, rank == 2 ? d.dims[1] : 1};
  checked(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
          "H5Sselect_hyperslab", path);
  DataspaceHandle memory_space(
      checked(H5Screate_simple(rank, count, nullptr), "H5Screate_simple", path));
  checked(
      H5Dread(d.handle.get(), memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, out),
      "H5Dread", path);
}

std::vector<std::string> read_id_strings(const Dataset& d, hsize_t begin, hsize_t rows,
                                         const std::string& path) {
  std::vector<std::string> ids(rows);
  if (H5Tis_variable_str(d.type.get()) > 0) {
    DatatypeHandle memory(checked(H5Tcopy(H5T_C_S1), "H5Tcopy", path));
    checked(H5Tset_size(memory.get(), H5T_VARIABLE), "H5Tset_size", path);
    // HDF5 converts no character set into another: h5py writes UTF-8.
    checked(H5Tset_cset(memory.get(), H5Tget_cset(d.type.get())), "H5Tset_cset", path);
    std::vector<char*> text(rows, nullptr);
    read_rows(d, memory.get(), begin, rows, text.data(), path);
    for (hsize_t r = 0; r < rows; ++r) {
      if (text[r] != nullptr) ids[r] = text[r];
      H5free_memory(text[r]);  // HDF5 allocated each string
    }
    return ids;
  }
  const std::size_t width = H5Tget_size(d.type.get());
  std::vector<char> packed(rows * width);
  read_rows(d, d.type.get(), begin, rows, packed.data(), path);
  for (hsize_t r = 0; r < rows; ++r) {
    const char* at = packed.data() + r * width;
    ids[r].assign(at, static_cast<std::size_t>(std::find(at, at + width, '\0') - at));
  }
  return ids;
}

}  // namespace

ItemFeatureRead read_hdf5_features(const mpi::Communicator& comm, const std::string& path) {
  ItemFeatureRead out;
  std::optional<mpi::LocalError> error = mpi::run_local([&] {
    if (const std::string problem = hdf5_problem(path); !problem.empty())
      throw InputError(path, problem);
    Hdf5ErrorPrintingOff quiet;
    FileHandle file(checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen", path));
    const Dataset ids = open(file.get(), path, "/items/id");
    const Dataset features = open(file.get(), path, "/items/features");
    if (ids.dims.size() != 1 || H5Tget_class(ids.type.get()) != H5T_STRING)
      throw InputError(path, "/items/id must be a 1-D dataset of strings");
    if (features.dims.size() != 2 || H5Tget_class(features.type.get()) != H5T_FLOAT)
      throw InputError(path, "/items/features must be a 2-D floating-point dataset [n, d]");
    if (features.dims[0] != ids.dims[0])
      throw InputError(path, "/items/features has " + std::to_string(features.dims[0]) +
                                 " rows, /items/id " + std::to_string(ids.dims[0]));
    const hsize_t n = ids.dims[0], d = features.dims[1];
    if (d == 0 || d > static_cast<hsize_t>(kMaxFeatureDimensions))
      throw InputError(path, "/items/features has " + std::to_string(d) + " columns; 1 to " +
                                 std::to_string(kMaxFeatureDimensions) + " are accepted");
    for (hsize_t c = 0; c < d; ++c) out.names.push_back("f" + std::to_string(c));
    const auto rank = static_cast<hsize_t>(comm.rank()), ranks = static_cast<hsize_t>(comm.size());
    const hsize_t begin = n * rank / ranks, rows = n * (rank + 1) / ranks - begin;
    out.ids = read_id_strings(ids, begin, rows, path);
    out.values.resize(rows * d);
    read_rows(features, H5T_NATIVE_FLOAT, begin, rows, out.values.data(), path);
    for (hsize_t r = 0; r < rows; ++r) {
      const auto row = static_cast<std::int64_t>(begin + r + 1);
      out.lines.push_back(row);
      const std::string& id = out.ids[r];
      if (id.empty() || id.size() > kMaxIdBytes)
        throw InputError(path, "/items/id row " + std::to_string(row) + ": " +
                                   (id.empty() ? std::string("empty item id")
                                               : "item id longer than " +
                                                     std::to_string(kMaxIdBytes) + " bytes"));
      for (hsize_t c = 0; c < d; ++c)
        if (!std::isfinite(out.values[r * d + c]))
          throw InputError(path, "/items/features row " + std::to_string(row) + ", column " +
                                     std::to_string(c + 1) + ": not a finite float32");
    }
  });
  mpi::agree_on_error(comm, error);
  return out;
}

}  // namespace sceneals::io
