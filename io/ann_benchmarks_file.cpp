#include "io/ann_benchmarks_file.h"

#include <algorithm>

#include "io/atomic_file.h"
#include "io/hdf5_handle.h"
#include "mpi/error.h"

namespace sceneals::io {

namespace {

class AnnBenchmarksWriter {
 public:
  explicit AnnBenchmarksWriter(const std::string& path) : path_(path) {
    file_ = FileHandle(check_hdf5(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                                  "H5Fcreate", path));
  }

  /// A 2-D dataset of `rows` x `columns` elements in C order.
  void matrix(const char* name, hid_t file_type, hid_t memory_type, std::int64_t rows,
              std::int64_t columns, const void* data) {
    const hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(columns)};
    write(name, file_type, memory_type, 2, dims, data);
  }

  /// A 1-D dataset of fixed-length strings (NUL-padded, UTF-8), as the embedding file holds ids.
  void strings(const char* name, const std::vector<std::string>& values) {
    std::size_t width = 1;
    for (const std::string& v : values) width = std::max(width, v.size());
    DatatypeHandle type(check_hdf5(H5Tcopy(H5T_C_S1), "H5Tcopy", where(name)));
    check_hdf5(H5Tset_size(type.get(), width), "H5Tset_size", where(name));
    check_hdf5(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "H5Tset_strpad", where(name));
    check_hdf5(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset", where(name));
    std::vector<char> packed(std::max<std::size_t>(1, values.size() * width), '\0');
    for (std::size_t r = 0; r < values.size(); ++r)
      std::copy(values[r].begin(), values[r].end(),
                packed.begin() + static_cast<std::ptrdiff_t>(r * width));
    const hsize_t dims[1] = {values.size()};
    write(name, type.get(), type.get(), 1, dims, packed.data());
  }

  void text_attribute(const char* name, const std::string& value) {
    DatatypeHandle type(check_hdf5(H5Tcopy(H5T_C_S1), "H5Tcopy", where(name)));
    check_hdf5(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size", where(name));
    check_hdf5(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset", where(name));
    const char* text = value.c_str();
    attribute(name, type.get(), type.get(), &text);
  }

  void integer_attribute(const char* name, std::int64_t value) {
    attribute(name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
  }

  void close() { check_hdf5(H5Fclose(file_.release()), "H5Fclose", path_); }

 private:
  std::string where(const char* name) const { return path_ + " '" + name + "'"; }

  void write(const char* name, hid_t file_type, hid_t memory_type, int rank, const hsize_t* dims,
             const void* data) {
    DataspaceHandle space(
        check_hdf5(H5Screate_simple(rank, dims, nullptr), "H5Screate_simple", where(name)));
    DatasetHandle dataset(check_hdf5(H5Dcreate2(file_.get(), name, file_type, space.get(),
                                                H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                     "H5Dcreate2", where(name)));
    bool empty = false;
    for (int d = 0; d < rank; ++d) empty = empty || dims[d] == 0;
    if (!empty)
      check_hdf5(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                 "H5Dwrite", where(name));
  }

  void attribute(const char* name, hid_t file_type, hid_t memory_type, const void* data) {
    DataspaceHandle space(check_hdf5(H5Screate(H5S_SCALAR), "H5Screate", where(name)));
    AttributeHandle attribute(
        check_hdf5(H5Acreate2(file_.get(), name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                   "H5Acreate2", where(name)));
    check_hdf5(H5Awrite(attribute.get(), memory_type, data), "H5Awrite", where(name));
  }

  std::string path_;
  FileHandle file_;
};

}  // namespace

void write_ann_benchmarks_file(const std::string& path, const AnnBenchmarksData& data) {
  const std::string temporary = temporary_path_for(path);
  Hdf5ErrorPrintingOff quiet;
  try {
    AnnBenchmarksWriter w(temporary);
    w.text_attribute("type", "dense");
    w.text_attribute("distance", data.distance);
    w.integer_attribute("dimension", data.train.cols());
    w.text_attribute("point_type", "float");
    w.text_attribute("sceneals_description", data.description);
    w.matrix("train", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data.train.rows(), data.train.cols(),
             data.train.data());
    w.matrix("test", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data.test.rows(), data.test.cols(),
             data.test.data());
    w.matrix("neighbors", H5T_STD_I32LE, H5T_NATIVE_INT32, data.neighbors.rows(),
             data.neighbors.cols(), data.neighbors.data());
    w.matrix("distances", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data.distances.rows(),
             data.distances.cols(), data.distances.data());
    w.strings("train_ids", data.train_ids);
    w.strings("test_ids", data.test_ids);
    w.close();
  } catch (const InternalError& e) {
    std::remove(temporary.c_str());
    throw InputError("cannot write '" + path + "': " + e.what());
  }
  rename_into_place(temporary, path);
}

}  // namespace sceneals::io
