// NumPy's .npy format (version 1.0), written by hand so that the matrices of an embedding file
// load with numpy.load (and Milvus bulk insert, and most vector stores) without HDF5: the magic
// "\x93NUMPY", the version bytes 1 0, a little-endian uint16 header length, then a Python dict
// literal {'descr': ..., 'fortran_order': False, 'shape': (...), } padded with spaces and ended by
// '\n' so the data starts on a multiple of 64 bytes, then the data in C (row-major) order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/atomic_file.h"

namespace sceneals::io {

/// The header bytes of an array of `shape` with element type `descr` ("<f4", "|u1", ...).
/// InternalError when it would not fit version 1.0's 65535-byte header.
std::string npy_header(const std::string& descr, const std::vector<std::int64_t>& shape);

/// Writes one .npy file from blocks of rows, atomically (io/atomic_file.h). Local to one rank.
class NpyWriter {
 public:
  /// `item_size` bytes per element of `descr`. InputError when the file cannot be created.
  NpyWriter(const std::string& path, const std::string& descr, std::size_t item_size,
            const std::vector<std::int64_t>& shape);
  /// The next elements in C order.
  void append(const void* data, std::size_t elements);
  /// InternalError unless exactly the array's elements were appended; then renames into place.
  void commit();

 private:
  AtomicFile file_;
  std::size_t item_size_;
  std::int64_t expected_ = 1;
  std::int64_t written_ = 0;
};

}  // namespace sceneals::io
