#include "io/npy_file.h"

#include "mpi/error.h"

namespace sceneals::io {

// '<' in a descr means little-endian: write the data as the machine holds it only where that is
// what the machine holds.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "npy files are written little-endian");

std::string npy_header(const std::string& descr, const std::vector<std::int64_t>& shape) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (std::size_t d = 0; d < shape.size(); ++d) dict += (d ? ", " : "") + std::to_string(shape[d]);
  dict += shape.size() == 1 ? ",), }" : "), }";
  // magic (6) + version (2) + length (2) + dict + padding + '\n', a multiple of 64 bytes.
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  check_invariant(dict.size() <= 65535, "npy_header: header longer than version 1.0 allows");
  std::string header = "\x93NUMPY";
  header += '\x01';
  header += '\x00';
  header += static_cast<char>(dict.size() & 0xff);
  header += static_cast<char>(dict.size() >> 8);
  return header + dict;
}

NpyWriter::NpyWriter(const std::string& path, const std::string& descr, std::size_t item_size,
                     const std::vector<std::int64_t>& shape)
    : file_(path), item_size_(item_size) {
  for (const std::int64_t extent : shape) expected_ *= extent;
  file_.write(npy_header(descr, shape));
}

void NpyWriter::append(const void* data, std::size_t elements) {
  file_.write(data, elements * item_size_);
  written_ += static_cast<std::int64_t>(elements);
}

void NpyWriter::commit() {
  check_invariant(written_ == expected_, "NpyWriter: the data does not fill the array's shape");
  file_.commit();
}

}  // namespace sceneals::io
