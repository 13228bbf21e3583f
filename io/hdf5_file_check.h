// Tells, from a file's size and a few of its bytes, that it cannot be an intact HDF5 file: empty,
// another format, or cut short of the end its superblock records. HDF5 1.10 trusts the lengths
// and addresses it reads and does not survive every damaged file, so the cases that are common
// in practice (an incomplete copy, a compressed model, a CSV given as the model) are refused here,
// before HDF5 opens the file, with a message that says what the file is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <string>

namespace sceneals::io {

/// Reads up to `length` bytes at `offset` (fewer at the end of the file).
using ByteReader = std::function<std::string(std::int64_t offset, std::size_t length)>;

/// Why a file of `file_size` bytes, read through `read`, is not an intact HDF5 file; empty when
/// it may be one. Looks for the superblock where HDF5 does (offset 0, then 512, 1024, 2048, ...
/// after a user block) and checks that the file reaches the end-of-file address recorded there.
/// Reasons: "the file is empty", "not an HDF5 file" (with "(it is a gzip file)" and the like
/// when binary_format_name knows the format), "the file is truncated: it has N bytes, its HDF5
/// superblock says M (an incomplete copy?)", and "damaged HDF5 superblock (...)" for a version or
/// field size that no HDF5 writes.
std::string hdf5_file_problem(std::int64_t file_size, const ByteReader& read);

/// The same for an open binary stream of `file_size` bytes (read by seeking).
std::string hdf5_file_problem(std::int64_t file_size, std::istream& file);

}  // namespace sceneals::io
