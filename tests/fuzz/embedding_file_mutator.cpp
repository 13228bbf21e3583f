// The mutations libFuzzer applies for embedding_reader_fuzzer: only changes that leave HDF5's own
// metadata intact. HDF5 1.10 does not survive every damaged metadata block (see the comment of
// embedding_reader_fuzzer.cpp), so flipping bytes anywhere in a model file mostly finds HDF5's
// bugs, not ours. Here the input is opened as an in-memory file image and changed through HDF5's
// API, and the image HDF5 writes back becomes the new input: a well-formed HDF5 file holding
// something the reader must refuse or survive. One of:
//   values    libFuzzer's byte mutations of one dataset's or attribute's stored values (ids,
//             factors, active flags, format, format_version, ...)
//   delete    a dataset, group or attribute removed
//   replace   a dataset or attribute made again with another shape or element type; a
//             dataset may declare far more (or wider) elements than the file holds
//   rename    a link renamed (a scene group, a dataset)
//   copy      a dataset or group copied under a new name (one more scene, say)
//   truncate  the file cut short; the reader's own check must refuse it before HDF5 reads it
// An input HDF5 cannot open (a truncated one) can only be truncated further.
#include <hdf5.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "io/hdf5_handle.h"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace {

using namespace sceneals::io;
using Random = std::minstd_rand;

constexpr std::size_t kMaxValueBytes = std::size_t{1} << 16;  // larger values are left alone
constexpr hsize_t kMaxNewElements = 64;

std::size_t pick(Random& random, std::size_t n) {
  return std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
}

template <class T>
const T* pick_from(Random& random, const std::vector<T>& items) {
  return items.empty() ? nullptr : &items[pick(random, items.size())];
}

struct Object {
  std::string path;
  bool is_group = false;
};

/// Every group and dataset below the root, by absolute path.
std::vector<Object> objects_of(hid_t file) {
  std::vector<std::string> paths;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->push_back(std::string("/") + name);
    return 0;
  };
  if (H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, collect, &paths) < 0) return {};
  std::vector<Object> objects;
  for (const std::string& path : paths) {
    const hid_t id = H5Oopen(file, path.c_str(), H5P_DEFAULT);
    if (id < 0) continue;  // a dangling link
    const H5I_type_t type = H5Iget_type(id);
    H5Oclose(id);
    if (type == H5I_GROUP || type == H5I_DATASET) objects.push_back({path, type == H5I_GROUP});
  }
  return objects;
}

struct Attribute {
  std::string object;  ///< path of the object it is attached to
  std::string name;
};

std::vector<Attribute> attributes_of(hid_t file, const std::vector<Object>& objects) {
  std::vector<std::string> paths = {"/"};
  for (const Object& object : objects) paths.push_back(object.path);
  std::vector<Attribute> attributes;
  for (const std::string& path : paths) {
    std::vector<std::string> names;
    auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
      static_cast<std::vector<std::string>*>(out)->emplace_back(name);
      return 0;
    };
    if (H5Aiterate_by_name(file, path.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names,
                           H5P_DEFAULT) < 0)
      continue;
    for (std::string& name : names) attributes.push_back({path, std::move(name)});
  }
  return attributes;
}

/// A buffer for all the stored values of a dataset or attribute of `type` over `space`; nullopt
/// for variable-length types (their bytes are pointers) and values too large to bother with.
std::optional<std::vector<std::uint8_t>> value_buffer(hid_t type, hid_t space) {
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  const std::size_t size = H5Tget_size(type);
  if (points <= 0 || size == 0 || H5Tdetect_class(type, H5T_VLEN) != 0 ||
      H5Tis_variable_str(type) != 0 || static_cast<std::size_t>(points) > kMaxValueBytes / size)
    return std::nullopt;
  return std::vector<std::uint8_t>(static_cast<std::size_t>(points) * size);
}

/// libFuzzer's byte mutations of `bytes`, their number kept (bytes past a shortened result keep
/// their old values).
void mutate_bytes(std::vector<std::uint8_t>& bytes) {
  LLVMFuzzerMutate(bytes.data(), bytes.size(), bytes.size());
}

bool mutate_dataset_values(hid_t file, const std::string& path) {
  DatasetHandle dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
  DatatypeHandle type(H5Dget_type(dataset.get()));
  DataspaceHandle space(H5Dget_space(dataset.get()));
  if (!dataset || !type || !space) return false;
  std::optional<std::vector<std::uint8_t>> bytes = value_buffer(type.get(), space.get());
  if (!bytes ||
      H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes->data()) < 0)
    return false;
  mutate_bytes(*bytes);
  return H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes->data()) >= 0;
}

bool mutate_attribute_values(hid_t file, const Attribute& a) {
  AttributeHandle attribute(
      H5Aopen_by_name(file, a.object.c_str(), a.name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  DatatypeHandle type(H5Aget_type(attribute.get()));
  DataspaceHandle space(H5Aget_space(attribute.get()));
  if (!attribute || !type || !space) return false;
  std::optional<std::vector<std::uint8_t>> bytes = value_buffer(type.get(), space.get());
  if (!bytes || H5Aread(attribute.get(), type.get(), bytes->data()) < 0) return false;
  mutate_bytes(*bytes);
  return H5Awrite(attribute.get(), type.get(), bytes->data()) >= 0;
}

/// Sizes a file can declare without holding the data (a chunked dataset never written).
constexpr hsize_t kHugeSizes[] = {hsize_t{1} << 20, hsize_t{1} << 31, hsize_t{1} << 40,
                                  hsize_t{1} << 62};

/// A small number, or with `huge` now and then one of kHugeSizes.
hsize_t random_extent(Random& random, hsize_t small_limit, bool huge) {
  if (huge && pick(random, 4) == 0) return kHugeSizes[pick(random, std::size(kHugeSizes))];
  return pick(random, small_limit);
}

/// An element type an embedding file holds, or one it must not (strings up to kHugeSizes wide
/// when `huge`).
DatatypeHandle random_type(Random& random, bool huge) {
  const hid_t fixed[] = {H5T_NATIVE_FLOAT, H5T_NATIVE_DOUBLE, H5T_NATIVE_UINT8, H5T_NATIVE_INT64,
                         H5T_STD_I32BE};
  const std::size_t choice = pick(random, std::size(fixed) + 2);
  if (choice < std::size(fixed)) return DatatypeHandle(H5Tcopy(fixed[choice]));
  DatatypeHandle text(H5Tcopy(H5T_C_S1));
  const bool variable = choice == std::size(fixed);
  H5Tset_size(text.get(), variable ? H5T_VARIABLE
                                   : static_cast<std::size_t>(1 + random_extent(random, 16, huge)));
  return text;
}

/// A scalar or a 1-D or 2-D dataspace; small extents (up to 8) cover the seeds' 4 users and
/// items, huge ones (when `huge`) a file that declares more than it holds.
DataspaceHandle random_space(Random& random, bool huge) {
  const int rank = static_cast<int>(pick(random, 3));
  if (rank == 0) return DataspaceHandle(H5Screate(H5S_SCALAR));
  hsize_t dims[2] = {random_extent(random, 9, huge), random_extent(random, 9, huge)};
  return DataspaceHandle(H5Screate_simple(rank, dims, nullptr));
}

/// Writes random values of `type` over all of `space` through `write(memory_type, buffer)`;
/// a large space is left unwritten (its data reads as zeros).
template <class Write>
bool write_random_values(hid_t type, hid_t space, Random& random, Write&& write) {
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points < 0) return false;
  if (static_cast<hsize_t>(points) > kMaxNewElements || H5Tget_size(type) > kMaxValueBytes)
    return true;
  const auto count = static_cast<std::size_t>(points);
  if (H5Tis_variable_str(type) > 0) {
    std::vector<std::string> texts(count);
    std::vector<const char*> pointers;
    for (std::string& text : texts) {
      for (std::size_t n = pick(random, 12); n > 0; --n)
        text.push_back(static_cast<char>('a' + pick(random, 26)));
      pointers.push_back(text.c_str());
    }
    return write(type, pointers.data()) >= 0;
  }
  std::vector<std::uint8_t> bytes(count * H5Tget_size(type) + 1);  // + 1: never a null buffer
  for (std::uint8_t& byte : bytes) byte = static_cast<std::uint8_t>(pick(random, 256));
  return write(type, bytes.data()) >= 0;
}

bool replace_dataset(hid_t file, const std::string& path, Random& random) {
  const DataspaceHandle space = random_space(random, true);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  // Chunked, so that HDF5 stores only the chunks written and a huge dataset costs nothing; a
  // scalar cannot be, so it gets no huge element type.
  const DatatypeHandle type = random_type(random, rank > 0);
  PropertyListHandle create(H5Pcreate(H5P_DATASET_CREATE));
  if (rank > 0) {
    hsize_t dims[2] = {1, 1}, chunk[2] = {1, 1};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    if (H5Tget_size(type.get()) <= kMaxValueBytes)
      for (int d = 0; d < rank; ++d) chunk[d] = std::max<hsize_t>(1, std::min<hsize_t>(dims[d], 8));
    if (H5Pset_chunk(create.get(), rank, chunk) < 0) return false;
  }
  if (H5Ldelete(file, path.c_str(), H5P_DEFAULT) < 0) return false;
  DatasetHandle dataset(H5Dcreate2(file, path.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                   create.get(), H5P_DEFAULT));
  return dataset &&
         write_random_values(
             type.get(), space.get(), random, [&](hid_t memory_type, const void* values) {
               return H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
             });
}

bool replace_attribute(hid_t file, const Attribute& a, Random& random) {
  const DatatypeHandle type = random_type(random, false);  // attributes hold all their data
  const DataspaceHandle space = random_space(random, false);
  if (H5Adelete_by_name(file, a.object.c_str(), a.name.c_str(), H5P_DEFAULT) < 0) return false;
  AttributeHandle attribute(H5Acreate_by_name(file, a.object.c_str(), a.name.c_str(), type.get(),
                                              space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  return attribute && write_random_values(type.get(), space.get(), random,
                                          [&](hid_t memory_type, const void* values) {
                                            return H5Awrite(attribute.get(), memory_type, values);
                                          });
}

/// `path` with its last component changed by libFuzzer's mutations (no '/', never empty).
std::string mutated_name(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  std::string name = path.substr(slash + 1);
  const std::size_t size = name.size();
  name.resize(size + 8);
  name.resize(LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(name.data()), size, name.size()));
  for (char& c : name)
    if (c == '/' || c == '\0') c = '_';
  if (name.empty() || name == "." || name == "..") name = "x";
  return path.substr(0, slash + 1) + name;
}

/// One structural or value change of the open file; false when it did not apply.
bool mutate_file(hid_t file, Random& random) {
  const std::vector<Object> objects = objects_of(file);
  const std::vector<Attribute> attributes = attributes_of(file, objects);
  std::vector<Object> datasets;
  for (const Object& object : objects)
    if (!object.is_group) datasets.push_back(object);
  const Object* object = pick_from(random, objects);
  const Object* dataset = pick_from(random, datasets);
  const Attribute* attribute = pick_from(random, attributes);
  switch (pick(random, 10)) {
    case 0:
    case 1:
    case 2:
      return dataset && mutate_dataset_values(file, dataset->path);
    case 3:
    case 4:
      return attribute && mutate_attribute_values(file, *attribute);
    case 5:
      if (pick(random, 2) == 0)
        return attribute && H5Adelete_by_name(file, attribute->object.c_str(),
                                              attribute->name.c_str(), H5P_DEFAULT) >= 0;
      return object && H5Ldelete(file, object->path.c_str(), H5P_DEFAULT) >= 0;
    case 6:
      return dataset && replace_dataset(file, dataset->path, random);
    case 7:
      return attribute && replace_attribute(file, *attribute, random);
    case 8:
      return object && H5Lmove(file, object->path.c_str(), file, mutated_name(object->path).c_str(),
                               H5P_DEFAULT, H5P_DEFAULT) >= 0;
    default:
      return object && H5Ocopy(file, object->path.c_str(), file, mutated_name(object->path).c_str(),
                               H5P_DEFAULT, H5P_DEFAULT) >= 0;
  }
}

/// The input changed by one mutation, as HDF5 writes it; nullopt when HDF5 cannot open the
/// input or no mutation applied.
std::optional<std::vector<std::uint8_t>> mutate_image(std::uint8_t* data, std::size_t size,
                                                      Random& random) {
  PropertyListHandle access(H5Pcreate(H5P_FILE_ACCESS));
  // In memory only; H5Pset_file_image copies the input.
  if (H5Pset_fapl_core(access.get(), std::size_t{1} << 16, false) < 0 ||
      H5Pset_file_image(access.get(), data, size) < 0)
    return std::nullopt;
  FileHandle file(H5Fopen("embedding-file-mutator.h5", H5F_ACC_RDWR, access.get()));
  if (!file) return std::nullopt;
  bool changed = false;
  for (int attempt = 0; attempt < 4 && !changed; ++attempt)
    changed = mutate_file(file.get(), random);
  if (!changed || H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) return std::nullopt;
  const ssize_t image_size = H5Fget_file_image(file.get(), nullptr, 0);
  if (image_size <= 0) return std::nullopt;
  std::vector<std::uint8_t> image(static_cast<std::size_t>(image_size));
  if (H5Fget_file_image(file.get(), image.data(), image.size()) != image_size) return std::nullopt;
  return image;
}

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  Random random(seed);
  if (size == 0) return 0;
  if (pick(random, 16) != 0) {
    Hdf5ErrorPrintingOff quiet;
    const std::optional<std::vector<std::uint8_t>> image = mutate_image(data, size, random);
    if (image && image->size() <= max_size) {
      std::copy(image->begin(), image->end(), data);
      return image->size();
    }
  }
  return pick(random, size);  // truncate
}
