#include "io/embedding_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <utility>

#include "io/bridged_row.h"
#include "io/hdf5_file_check.h"
#include "io/id_hash.h"
#include "io/line_parser.h"
#include "mpi/error.h"
#include "mpi/error_agreement.h"
#include "mpi/hdf5_mpio.h"

namespace sceneals::io {
namespace {

// Every phase below runs inside mpi::run_agreed although it makes collective HDF5 calls: with
// collective metadata (mpi/hdf5_mpio.h) every rank sees the same metadata bytes, so the checks
// and the HDF5 calls that can fail on a bad file fail alike on every rank and nobody is left
// waiting (the same reasoning as the writer's).

/// A failed HDF5 call while reading is the file's fault (damaged, or not one of ours).
template <class Result>
Result checked(Result result, const char* call, const std::string& path,
               const std::string& object) {
  try {
    return check_hdf5(result, call, "'" + object + "'");
  } catch (const InternalError& e) {
    throw InputError(path, e.what());
  }
}

/// Why rank 0 cannot read `path` as an HDF5 file; empty when it can. What hdf5_file_problem
/// recognises never reaches HDF5 (see io/hdf5_file_check.h).
std::string why_not_readable(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return "cannot open model '" + path + "': " + std::strerror(errno);
  if (S_ISDIR(info.st_mode)) return "cannot open model '" + path + "': it is a directory";
  std::ifstream file(path, std::ios::binary);
  if (!file) return "cannot open model '" + path + "': " + std::strerror(errno);
  const std::string problem = hdf5_file_problem(info.st_size, file);
  if (!problem.empty()) return path + ": " + problem;
  if (H5Fis_hdf5(path.c_str()) <= 0) return path + ": not an HDF5 file";
  return {};
}

/// True when every component of the absolute `name` exists (H5Lexists needs the parents).
bool exists(hid_t file, const std::string& name) {
  for (std::size_t slash = name.find('/', 1);; slash = name.find('/', slash + 1)) {
    const std::string prefix = name.substr(0, slash);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
  }
}

/// An open dataset with its shape and the class of its element type.
struct Dataset {
  DatasetHandle handle;
  DatatypeHandle type;
  std::vector<hsize_t> dims;
  H5T_class_t type_class = H5T_NO_CLASS;

  std::string shape() const {
    std::string out = "[";
    for (std::size_t d = 0; d < dims.size(); ++d) out += (d ? ", " : "") + std::to_string(dims[d]);
    return out + "]";
  }
};

Dataset open_dataset(hid_t file, const std::string& path, const std::string& name) {
  if (!exists(file, name)) throw InputError(path, name + " is missing");
  Dataset d;
  d.handle =
      DatasetHandle(checked(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "H5Dopen2", path, name));
  d.type = DatatypeHandle(checked(H5Dget_type(d.handle.get()), "H5Dget_type", path, name));
  d.type_class = H5Tget_class(d.type.get());
  DataspaceHandle space(checked(H5Dget_space(d.handle.get()), "H5Dget_space", path, name));
  const int rank =
      checked(H5Sget_simple_extent_ndims(space.get()), "H5Sget_simple_extent_ndims", path, name);
  d.dims.resize(static_cast<std::size_t>(rank));
  checked(H5Sget_simple_extent_dims(space.get(), d.dims.data(), nullptr),
          "H5Sget_simple_extent_dims", path, name);
  // A chunked dataset may declare far more elements than the file stores (chunks never written
  // read as zeros); reading it would allocate memory for data that is not there. Stored data is
  // bounded by the file (times the compression ratio), so every read below is.
  // HDF5 calls a chunked dataset whose edge chunks overhang its shape "partly allocated" even
  // when every chunk is there (they hold more bytes than the shape): its storage then covers
  // the shape's bytes.
  H5D_space_status_t stored = H5D_SPACE_STATUS_ERROR;
  checked(H5Dget_space_status(d.handle.get(), &stored), "H5Dget_space_status", path, name);
  const bool empty = std::find(d.dims.begin(), d.dims.end(), hsize_t{0}) != d.dims.end();
  hsize_t shape_bytes = H5Tget_size(d.type.get());
  for (const hsize_t extent : d.dims)  // saturating: a hostile shape must not wrap around
    shape_bytes = extent != 0 && shape_bytes > std::numeric_limits<hsize_t>::max() / extent
                      ? std::numeric_limits<hsize_t>::max()
                      : shape_bytes * extent;
  const bool covered = stored == H5D_SPACE_STATUS_PART_ALLOCATED &&
                       H5Dget_storage_size(d.handle.get()) >= shape_bytes;
  if (stored != H5D_SPACE_STATUS_ALLOCATED && !covered && !empty)
    throw InputError(path,
                     name + " has shape " + d.shape() + " but the file does not hold its data");
  return d;
}

/// `d` must have the element class `type_class` (named `what` in the message) and the shape
/// `dims` (a 0 there matches any extent >= 2: the factor columns k + 1).
void expect(const Dataset& d, const std::string& path, const std::string& name,
            H5T_class_t type_class, const char* what, const std::vector<std::int64_t>& dims) {
  if (d.type_class != type_class) throw InputError(path, name + " does not hold " + what);
  bool ok = d.dims.size() == dims.size();
  for (std::size_t i = 0; ok && i < dims.size(); ++i)
    ok = dims[i] == 0 ? d.dims[i] >= 2 : d.dims[i] == static_cast<hsize_t>(dims[i]);
  if (!ok) {
    std::string want = "[";
    for (std::size_t i = 0; i < dims.size(); ++i)
      want += (i ? ", " : "") + (dims[i] == 0 ? std::string("k+1") : std::to_string(dims[i]));
    throw InputError(path, name + " has shape " + d.shape() + ", expected " + want + "]");
  }
}

/// Reads rows [begin, begin + rows) of a 1-D or 2-D dataset into `out` as `memory_type`; every
/// rank calls it (the transfer is collective), a rank with rows = 0 selects none.
void read_rows(const Dataset& d, hid_t memory_type, std::int64_t begin, std::int64_t rows,
               void* out, const std::string& path, const std::string& name,
               H5FD_mpio_xfer_t mode = H5FD_MPIO_COLLECTIVE) {
  const int rank = static_cast<int>(d.dims.size());
  DataspaceHandle file_space(checked(H5Dget_space(d.handle.get()), "H5Dget_space", path, name));
  const hsize_t count[2] = {static_cast<hsize_t>(rows), rank == 2 ? d.dims[1] : 1};
  DataspaceHandle memory_space(
      checked(H5Screate_simple(rank, count, nullptr), "H5Screate_simple", path, name));
  if (rows > 0) {
    const hsize_t start[2] = {static_cast<hsize_t>(begin), 0};
    checked(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
            "H5Sselect_hyperslab", path, name);
  } else {
    checked(H5Sselect_none(file_space.get()), "H5Sselect_none", path, name);
    checked(H5Sselect_none(memory_space.get()), "H5Sselect_none", path, name);
  }
  PropertyListHandle transfer(checked(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate", path, name));
  checked(H5Pset_dxpl_mpio(transfer.get(), mode), "H5Pset_dxpl_mpio", path, name);
  static unsigned char no_data = 0;  // an empty block's data() may be null
  checked(H5Dread(d.handle.get(), memory_type, memory_space.get(), file_space.get(), transfer.get(),
                  out != nullptr ? out : &no_data),
          "H5Dread", path, name);
}

/// Rows [begin, begin + rows) of a 1-D dataset of fixed-length strings, NUL padding removed.
std::vector<std::string> read_ids(hid_t file, const std::string& path, const std::string& name,
                                  std::int64_t begin, std::int64_t rows) {
  const Dataset d = open_dataset(file, path, name);
  const std::size_t width = H5Tget_size(d.type.get());
  std::vector<char> packed(static_cast<std::size_t>(rows) * width);
  read_rows(d, d.type.get(), begin, rows, packed.data(), path, name);
  std::vector<std::string> ids(static_cast<std::size_t>(rows));
  for (std::size_t r = 0; r < ids.size(); ++r) {
    const char* at = packed.data() + r * width;
    ids[r].assign(at, static_cast<std::size_t>(std::find(at, at + width, '\0') - at));
  }
  return ids;
}

/// The length of a 1-D dataset of fixed-length strings (what /users/id and /items/id must be).
std::int64_t id_count(hid_t file, const std::string& path, const std::string& name) {
  const Dataset d = open_dataset(file, path, name);
  if (d.type_class != H5T_STRING || d.dims.size() != 1)
    throw InputError(path, name + " is not a 1-D list of strings");
  if (checked(H5Tis_variable_str(d.type.get()), "H5Tis_variable_str", path, name) > 0)
    throw InputError(path, name +
                               " holds variable-length strings; SceneALS files hold "
                               "fixed-length strings");
  // The writer makes the strings as wide as the longest id, and input refuses longer ids.
  if (const std::size_t width = H5Tget_size(d.type.get()); width > kMaxIdBytes)
    throw InputError(path, name + " holds strings of " + std::to_string(width) +
                               " bytes; ids are at most " + std::to_string(kMaxIdBytes));
  return static_cast<std::int64_t>(d.dims[0]);
}

/// A scalar root attribute as text or as an integer; nullopt when absent or of another class.
std::optional<std::string> string_attribute(hid_t file, const std::string& path, const char* name) {
  if (H5Aexists(file, name) <= 0) return std::nullopt;
  AttributeHandle attribute(checked(H5Aopen(file, name, H5P_DEFAULT), "H5Aopen", path, name));
  DatatypeHandle type(checked(H5Aget_type(attribute.get()), "H5Aget_type", path, name));
  DataspaceHandle space(checked(H5Aget_space(attribute.get()), "H5Aget_space", path, name));
  if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_npoints(space.get()) != 1)
    return std::nullopt;
  DatatypeHandle memory(checked(H5Tcopy(H5T_C_S1), "H5Tcopy", path, name));
  // HDF5 converts between string lengths and paddings, not between character sets.
  checked(H5Tset_cset(memory.get(), H5Tget_cset(type.get())), "H5Tset_cset", path, name);
  if (H5Tis_variable_str(type.get()) > 0) {  // as h5py writes strings by default
    checked(H5Tset_size(memory.get(), H5T_VARIABLE), "H5Tset_size", path, name);
    char* text = nullptr;
    checked(H5Aread(attribute.get(), memory.get(), &text), "H5Aread", path, name);
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  const std::size_t width = H5Tget_size(type.get());
  checked(H5Tset_size(memory.get(), width), "H5Tset_size", path, name);
  checked(H5Tset_strpad(memory.get(), H5T_STR_NULLPAD), "H5Tset_strpad", path, name);
  std::string value(width, '\0');
  checked(H5Aread(attribute.get(), memory.get(), value.data()), "H5Aread", path, name);
  value.resize(value.find('\0') == std::string::npos ? width : value.find('\0'));
  return value;
}

std::optional<std::int64_t> integer_attribute(hid_t file, const std::string& path,
                                              const char* name) {
  if (H5Aexists(file, name) <= 0) return std::nullopt;
  AttributeHandle attribute(checked(H5Aopen(file, name, H5P_DEFAULT), "H5Aopen", path, name));
  DatatypeHandle type(checked(H5Aget_type(attribute.get()), "H5Aget_type", path, name));
  DataspaceHandle space(checked(H5Aget_space(attribute.get()), "H5Aget_space", path, name));
  if (H5Tget_class(type.get()) != H5T_INTEGER || H5Sget_simple_extent_npoints(space.get()) != 1)
    return std::nullopt;
  std::int64_t value = 0;
  checked(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value), "H5Aread", path, name);
  return value;
}

/// The file's format_version, when this program reads it.
std::int64_t check_format(hid_t file, const std::string& path) {
  if (string_attribute(file, path, "format") != std::string(kEmbeddingFormat))
    throw InputError(path, "not a SceneALS embedding file");
  const std::optional<std::int64_t> version = integer_attribute(file, path, "format_version");
  if (!version) throw InputError(path, "not a SceneALS embedding file (no format_version)");
  if (*version < kOldestEmbeddingFormatVersion || *version > kEmbeddingFormatVersion)
    throw InputError(path, "format_version " + std::to_string(*version) +
                               " is not supported (this program reads " +
                               std::to_string(kOldestEmbeddingFormatVersion) + " to " +
                               std::to_string(kEmbeddingFormatVersion) + ")");
  return *version;
}

std::vector<std::string> list_scenes(hid_t file, const std::string& path) {
  if (!exists(file, "/scenes")) throw InputError(path, "/scenes is missing");
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  checked(H5Literate_by_name(file, "/scenes", H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names,
                             H5P_DEFAULT),
          "H5Literate_by_name", path, "/scenes");
  std::sort(names.begin(), names.end());
  return names;
}

/// The first few of `names`, each in `quote`s, shortened and printable, with how many there are
/// in all when that is more: a message stays one short line whatever a file holds.
std::string names_for_message(const std::vector<std::string>& names, const char* quote) {
  constexpr std::size_t kNamed = 8;
  std::string list;
  for (std::size_t i = 0; i < std::min(names.size(), kNamed); ++i)
    list += (i > 0 ? ", " : "") + (quote + printable_for_message(names[i]) + quote);
  if (names.size() > kNamed) list += ", ... (" + std::to_string(names.size()) + " in all)";
  return list;
}

/// Row order of the catalogues: (stable hash, id).
bool before_in_row_order(const std::string& a, const std::string& b) {
  const std::uint64_t hash_a = hash_id(a), hash_b = hash_id(b);
  return hash_a != hash_b ? hash_a < hash_b : a < b;
}

}  // namespace

EmbeddingFileReader::EmbeddingFileReader(const mpi::Communicator& comm, std::string path)
    : comm_(comm), path_(std::move(path)) {
  Hdf5ErrorPrintingOff quiet;
  // Rank 0 alone first, so that a missing file or one that is not HDF5 gets a plain message and
  // no rank enters the collective open with a file that cannot work.
  const std::string reason =
      comm.broadcast_string(comm.is_root() ? why_not_readable(path_) : std::string(), 0);
  if (!reason.empty()) throw AgreedError(ExitCode::kBadInput, reason);
  mpi::run_agreed(comm, [&] {
    PropertyListHandle access(checked(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", path_, "/"));
    mpi::set_mpio_file_access(access.get(), comm);
    file_ = FileHandle(
        checked(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, access.get()), "H5Fopen", path_, "/"));
    format_version_ = check_format(file_.get(), path_);
    if (format_version_ >= 2) {
      const std::optional<std::string> cold =
          string_attribute(file_.get(), path_, "cold_user_rows");
      if (cold != std::string("bridge") && cold != std::string("unit"))
        throw InputError(path_, cold ? "the root attribute cold_user_rows is '" + *cold +
                                           "', expected bridge or unit"
                                     : "format_version " + std::to_string(format_version_) +
                                           " without the root attribute cold_user_rows");
      cold_user_rows_ = *cold;
    }
    n_users_ = id_count(file_.get(), path_, "/users/id");
    n_items_ = id_count(file_.get(), path_, "/items/id");
    scenes_ = list_scenes(file_.get(), path_);
  });
}

EmbeddingFileReader::~EmbeddingFileReader() = default;

namespace {

/// One of the file's ids on its way to the catalogue shard that owns it.
struct RoutedId {
  std::string id;
  std::int64_t row = 0;  ///< its row in the file
};

/// Collective over the grid. Every scene group sends the file's ids of one side (`name`, of
/// `n_model` rows) to their catalogue shard (the hash range that owns them), so that each group
/// matches them on its own (each holds all the shards' catalogues) without a world exchange:
/// rank s of the group reads block s of the rows. Returns this shard's ids in row order, with
/// their file rows (an id the file repeats comes once per row).
std::vector<RoutedId> route_ids_to_shards(const mpi::Communicator& world, hid_t file,
                                          const std::string& path, const mpi::ProcessGrid& grid,
                                          const std::string& name, std::int64_t n_model) {
  const int shards = grid.plan.user_shards;
  const std::int64_t begin = n_model * grid.shard / shards;
  const std::int64_t end = n_model * (grid.shard + 1) / shards;
  std::vector<std::string> model_ids;
  mpi::run_agreed(world, [&] { model_ids = read_ids(file, path, name, begin, end - begin); });
  std::vector<std::vector<std::string>> ids_to(static_cast<std::size_t>(shards));
  std::vector<std::vector<std::int64_t>> rows_to(static_cast<std::size_t>(shards));
  for (std::size_t r = 0; r < model_ids.size(); ++r) {
    const auto shard = static_cast<std::size_t>(hash_range_part(hash_id(model_ids[r]), shards));
    ids_to[shard].push_back(std::move(model_ids[r]));
    rows_to[shard].push_back(begin + static_cast<std::int64_t>(r));
  }
  std::vector<std::string> ids = grid.group_comm.alltoallv_strings(ids_to);
  const std::vector<std::int64_t> rows = grid.group_comm.alltoallv(rows_to);
  std::vector<RoutedId> routed(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) routed[i] = RoutedId{std::move(ids[i]), rows[i]};
  std::sort(routed.begin(), routed.end(), [](const RoutedId& a, const RoutedId& b) {
    return a.id != b.id ? before_in_row_order(a.id, b.id) : a.row < b.row;
  });
  return routed;
}

/// compare_ids for one side, `name` the dataset of its ids.
std::optional<IdMismatch> compare_side(const mpi::Communicator& world, hid_t file,
                                       const std::string& path, const mpi::ProcessGrid& grid,
                                       const char* side, const std::string& name,
                                       std::int64_t n_model, const Catalogue& catalogue) {
  bool differs = n_model != catalogue.total();
  if (!differs) {
    // Scene group 0 holds every shard once: its ranks read their shard's rows, the others none.
    const bool reads = grid.group == 0;
    std::vector<std::string> ids;
    mpi::run_agreed(world, [&] {
      ids = read_ids(file, path, name, reads ? catalogue.row_begin() : 0,
                     reads ? catalogue.size() : 0);
    });
    differs = world.any(reads && ids != catalogue.ids);
  }
  if (!differs) return std::nullopt;

  std::vector<std::string> in_model;
  for (RoutedId& routed : route_ids_to_shards(world, file, path, grid, name, n_model))
    in_model.push_back(std::move(routed.id));
  in_model.erase(std::unique(in_model.begin(), in_model.end()), in_model.end());

  // The catalogue is in row order already: one merge counts both differences and keeps the
  // first of each (in row order).
  std::int64_t counts[2] = {0, 0};  // only in the split, only in the model
  std::vector<std::string> split_first, model_first;
  std::int64_t split_first_row = -1;
  const auto only_in_model = [&](const std::string& id) {
    if (counts[1]++ == 0) model_first.push_back(id);
  };
  auto model_at = in_model.begin();
  for (std::size_t i = 0; i < catalogue.ids.size(); ++i) {
    const std::string& id = catalogue.ids[i];
    for (; model_at != in_model.end() && before_in_row_order(*model_at, id); ++model_at)
      only_in_model(*model_at);
    if (model_at != in_model.end() && *model_at == id) {
      ++model_at;
    } else if (counts[0]++ == 0) {
      split_first.push_back(id);
      split_first_row = catalogue.row_begin() + static_cast<std::int64_t>(i);
    }
  }
  for (; model_at != in_model.end(); ++model_at) only_in_model(*model_at);

  grid.group_comm.allreduce_in_place(counts, 2, mpi::ReduceOp::kSum);
  // Shards are hash ranges in rank order, so the first rank's first example is the first in row
  // order over all shards.
  const std::vector<std::string> split_examples = grid.group_comm.allgatherv_strings(split_first);
  const std::vector<std::string> model_examples = grid.group_comm.allgatherv_strings(model_first);
  const std::vector<std::int64_t> rows =
      grid.group_comm.allgatherv(std::vector<std::int64_t>(split_first.size(), split_first_row));

  IdMismatch mismatch;
  mismatch.side = side;
  mismatch.split_only = counts[0];
  mismatch.model_only = counts[1];
  if (!split_examples.empty()) {
    mismatch.in_split = true;
    mismatch.id = split_examples.front();
    mismatch.row = rows.front();
  } else if (!model_examples.empty()) {
    mismatch.id = model_examples.front();
  }
  return mismatch;
}

}  // namespace

std::optional<IdMismatch> EmbeddingFileReader::compare_ids(const mpi::ProcessGrid& grid,
                                                           const Catalogue& users,
                                                           const Catalogue& items) const {
  Hdf5ErrorPrintingOff quiet;
  std::optional<IdMismatch> mismatch =
      compare_side(comm_, file_.get(), path_, grid, "user", "/users/id", n_users_, users);
  if (!mismatch)
    mismatch = compare_side(comm_, file_.get(), path_, grid, "item", "/items/id", n_items_, items);
  return mismatch;
}

IdMatch EmbeddingFileReader::match_ids(const mpi::ProcessGrid& grid, const char* side,
                                       const Catalogue& catalogue) const {
  Hdf5ErrorPrintingOff quiet;
  const bool users = std::string(side) == "user";
  const std::string name = users ? "/users/id" : "/items/id";
  const std::vector<RoutedId> routed =
      route_ids_to_shards(comm_, file_.get(), path_, grid, name, users ? n_users_ : n_items_);
  IdMatch match;
  match.model_rows.assign(catalogue.ids.size(), -1);
  std::int64_t counts[3] = {0, 0, 0};  // in both, only in the catalogue, only in the file
  std::string repeated;                // an id the file holds twice: it is damaged
  // Both lists are in row order: one merge.
  auto model_at = routed.begin();
  for (std::size_t i = 0; i < catalogue.ids.size(); ++i) {
    const std::string& id = catalogue.ids[i];
    for (; model_at != routed.end() && before_in_row_order(model_at->id, id); ++model_at)
      ++counts[2];
    if (model_at != routed.end() && model_at->id == id) {
      match.model_rows[i] = model_at->row;
      ++counts[0];
      ++model_at;
    } else {
      ++counts[1];
    }
  }
  counts[2] += routed.end() - model_at;
  for (std::size_t r = 1; r < routed.size() && repeated.empty(); ++r)
    if (routed[r].id == routed[r - 1].id) repeated = routed[r].id;
  mpi::run_agreed(comm_, [&] {
    if (!repeated.empty())
      throw InputError(
          path_, name + " holds the " + side + " id '" + repeated + "' twice (a damaged file?)");
  });
  grid.group_comm.allreduce_in_place(counts, 3, mpi::ReduceOp::kSum);
  match.matched = counts[0];
  match.catalogue_only = counts[1];
  match.model_only = counts[2];
  return match;
}

std::vector<SceneFactors> EmbeddingFileReader::read_scenes(
    const mpi::ProcessGrid& grid, const Catalogue& users, const Catalogue& items,
    const std::vector<std::string>& scenes) const {
  Hdf5ErrorPrintingOff quiet;
  std::vector<std::string> missing;
  for (const std::string& scene : scenes)
    if (!std::binary_search(scenes_.begin(), scenes_.end(), scene)) missing.push_back(scene);
  if (!missing.empty())  // the same on every rank: no agreement needed
    throw AgreedError(ExitCode::kBadInput,
                      path_ + ": the model has no scene " + names_for_message(missing, "'") +
                          " of the split (its scenes: " +
                          (scenes_.empty() ? "none" : names_for_message(scenes_, "")) + ")");

  // This rank's slices: its user shard's rows, and the active items of its item shard.
  struct Slice {
    int scene;
    FactorMatrix users;
    std::vector<std::int64_t> item_rows;
    FactorMatrix items;
    std::vector<std::int64_t> feature_item_rows;
    FactorMatrix feature_items;
  };
  // The served user rows of this rank's shard, per scene (none from scenes of other groups).
  const std::int64_t columns = factors() + 1;
  std::vector<FactorMatrix> shard_users;
  for (std::size_t s = 0; s < scenes.size(); ++s) {
    const bool mine = grid.plan.group_of_scene[s] == grid.group;
    shard_users.push_back(read_user_rows(scenes[s], users.row_begin(), mine ? users.size() : 0));
  }
  std::vector<Slice> slices;
  mpi::run_agreed(comm_, [&] {
    for (std::size_t s = 0; s < scenes.size(); ++s) {
      const bool mine = grid.plan.group_of_scene[s] == grid.group;
      const std::string group = "/scenes/" + scenes[s];
      const std::string item_name = group + "/item_factors", active_name = group + "/item_active";
      const Dataset item_factors = open_dataset(file_.get(), path_, item_name);
      expect(item_factors, path_, item_name, H5T_FLOAT, "floating-point numbers",
             {n_items_, columns});
      const Dataset item_active = open_dataset(file_.get(), path_, active_name);
      expect(item_active, path_, active_name, H5T_INTEGER, "integer flags", {n_items_});

      const std::int64_t item_rows = mine ? items.size() : 0;
      Slice slice{static_cast<int>(s),
                  std::move(shard_users[s]),
                  {},
                  FactorMatrix(item_rows, columns),
                  {},
                  FactorMatrix(0, columns)};
      std::vector<std::uint8_t> active(static_cast<std::size_t>(item_rows));
      read_rows(item_active, H5T_NATIVE_UINT8, items.row_begin(), item_rows, active.data(), path_,
                active_name);
      read_rows(item_factors, H5T_NATIVE_FLOAT, items.row_begin(), item_rows, slice.items.data(),
                path_, item_name);
      // Items served from features are candidates of the cold-item cohort only.
      std::vector<std::uint8_t> from_features(static_cast<std::size_t>(item_rows), 0);
      const std::string features_name = group + "/item_from_features";
      if (exists(file_.get(), features_name)) {
        const Dataset flags = open_dataset(file_.get(), path_, features_name);
        expect(flags, path_, features_name, H5T_INTEGER, "integer flags", {n_items_});
        read_rows(flags, H5T_NATIVE_UINT8, items.row_begin(), item_rows, from_features.data(),
                  path_, features_name);
      }
      if (!mine) continue;
      // Keep the trained rows only, in place (row r moves to an earlier or the same row).
      std::int64_t kept = 0;
      for (std::int64_t r = 0; r < item_rows; ++r) {
        if (active[static_cast<std::size_t>(r)] == 0) continue;
        if (from_features[static_cast<std::size_t>(r)] != 0) {
          slice.feature_item_rows.push_back(items.row_begin() + r);
          slice.feature_items.conservativeResize(slice.feature_items.rows() + 1, columns);
          slice.feature_items.bottomRows(1) = slice.items.row(r);
          continue;
        }
        slice.item_rows.push_back(items.row_begin() + r);
        if (kept != r) slice.items.row(kept) = slice.items.row(r);
        ++kept;
      }
      slice.items.conservativeResize(kept, columns);
      slices.push_back(std::move(slice));
    }
  });

  // The group's item shards in rank order are consecutive row ranges: the concatenation of the
  // active rows is sorted.
  std::vector<SceneFactors> out;
  for (Slice& slice : slices) {
    SceneFactors scene;
    scene.scene = slice.scene;
    scene.shard_users = std::move(slice.users);
    scene.item_rows = grid.group_comm.allgatherv(slice.item_rows);
    const std::vector<float> factors =
        grid.group_comm.allgatherv(slice.items.data(), slice.items.size());
    scene.items = Eigen::Map<const FactorMatrix>(
        factors.data(), static_cast<Eigen::Index>(scene.item_rows.size()), slice.items.cols());
    scene.feature_item_rows = grid.group_comm.allgatherv(slice.feature_item_rows);
    const std::vector<float> feature_factors =
        grid.group_comm.allgatherv(slice.feature_items.data(), slice.feature_items.size());
    scene.feature_items = Eigen::Map<const FactorMatrix>(
        feature_factors.data(), static_cast<Eigen::Index>(scene.feature_item_rows.size()),
        slice.items.cols());
    out.push_back(std::move(scene));
  }
  return out;
}

std::optional<std::int64_t> EmbeddingFileReader::integer_attribute(const char* name) const {
  return io::integer_attribute(file_.get(), path_, name);
}

namespace {

using RowRuns = std::vector<std::pair<std::int64_t, std::int64_t>>;

/// A scalar numeric root attribute (integer or floating point) as a double.
std::optional<double> number_attribute(hid_t file, const std::string& path, const char* name) {
  if (H5Aexists(file, name) <= 0) return std::nullopt;
  AttributeHandle attribute(checked(H5Aopen(file, name, H5P_DEFAULT), "H5Aopen", path, name));
  DatatypeHandle type(checked(H5Aget_type(attribute.get()), "H5Aget_type", path, name));
  DataspaceHandle space(checked(H5Aget_space(attribute.get()), "H5Aget_space", path, name));
  const H5T_class_t type_class = H5Tget_class(type.get());
  if ((type_class != H5T_FLOAT && type_class != H5T_INTEGER) ||
      H5Sget_simple_extent_npoints(space.get()) != 1)
    return std::nullopt;
  double value = 0;
  checked(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value), "H5Aread", path, name);
  return value;
}

/// Distinct ascending rows as runs of consecutive rows: (first row, length).
RowRuns runs_of(const std::vector<std::int64_t>& rows) {
  RowRuns runs;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    check_invariant(i == 0 || rows[i] > rows[i - 1], "read rows: rows must be ascending, distinct");
    if (!runs.empty() && runs.back().first + runs.back().second == rows[i])
      ++runs.back().second;
    else
      runs.emplace_back(rows[i], 1);
  }
  return runs;
}

RowRuns range_runs(std::int64_t begin, std::int64_t count) {
  return count > 0 ? RowRuns{{begin, count}} : RowRuns{};
}

/// Rows per transfer while a rank reads scattered rows. HDF5 1.10 builds a selection of many
/// separate hyperslabs in quadratic time (seconds for 10^4 rows), so scattered rows are read
/// window by window instead, the span of a rank's rows in each window at once.
constexpr std::int64_t kWindowRows = std::int64_t{1} << 16;

/// The parts of `runs` in rows [begin, end), from run `first_run` on.
std::vector<std::pair<std::int64_t, std::int64_t>> parts_in(const RowRuns& runs,
                                                            std::size_t first_run,
                                                            std::int64_t begin, std::int64_t end) {
  std::vector<std::pair<std::int64_t, std::int64_t>> parts;
  for (std::size_t r = first_run; r < runs.size() && runs[r].first < end; ++r)
    parts.emplace_back(std::max(begin, runs[r].first),
                       std::min(end, runs[r].first + runs[r].second));
  return parts;
}

/// Reads the rows of `runs` (ascending, within the dataset) of a 1-D or 2-D dataset into `out`,
/// packed in row order, as `memory_type`; every rank calls it. `plan` is the same on every rank:
/// [plan.begin, plan.end) holds every rank's rows.
///
/// Ranks read their own rows independently, not collectively: Open MPI 4.1.0-4.1.4's own MPI-IO
/// (OMPIO, Debian 12's) returns wrong bytes from a collective read in which ranks' ranges
/// partly overlap (open-mpi/ompi#10546, data sieving), and scattered rows of several ranks do
/// overlap. Independent reads need no metadata for a contiguous dataset (every SceneALS file's
/// layout); a dataset of another layout is read collectively window by window with the same
/// range on every rank, which that bug spares, and the rows picked from it.
template <class Plan>
void read_row_runs(const Dataset& d, hid_t memory_type, const RowRuns& runs, const Plan& plan,
                   void* out, const std::string& path, const std::string& name) {
  for (const auto& run : runs)
    if (run.first < 0 || run.second < 0 ||
        run.first + run.second > static_cast<std::int64_t>(d.dims[0]))
      throw InternalError("read rows: rows outside " + name);
  PropertyListHandle create(
      checked(H5Dget_create_plist(d.handle.get()), "H5Dget_create_plist", path, name));
  const bool contiguous = H5Pget_layout(create.get()) == H5D_CONTIGUOUS;
  const std::size_t row_bytes =
      H5Tget_size(memory_type) * (d.dims.size() == 2 ? static_cast<std::size_t>(d.dims[1]) : 1);
  char* next_out = static_cast<char*>(out);
  std::vector<char> window;
  std::size_t first_run = 0;  // the first run that may reach into the current window
  for (std::int64_t begin = plan.begin; begin < plan.end; begin += kWindowRows) {
    const std::int64_t end = std::min(plan.end, begin + kWindowRows);
    while (first_run < runs.size() && runs[first_run].first + runs[first_run].second <= begin)
      ++first_run;
    const auto parts = parts_in(runs, first_run, begin, end);
    std::int64_t span_begin = begin, span = end - begin;  // the whole window, collectively
    if (contiguous) {  // this rank's span in the window, independently
      span_begin = parts.empty() ? 0 : parts.front().first;
      span = parts.empty() ? 0 : parts.back().second - span_begin;
    }
    window.resize(static_cast<std::size_t>(span) * row_bytes);
    read_rows(d, memory_type, span_begin, span, window.data(), path, name,
              contiguous ? H5FD_MPIO_INDEPENDENT : H5FD_MPIO_COLLECTIVE);
    for (const auto& [from, to] : parts) {
      const std::size_t bytes = static_cast<std::size_t>(to - from) * row_bytes;
      std::memcpy(next_out, window.data() + static_cast<std::size_t>(from - span_begin) * row_bytes,
                  bytes);
      next_out += bytes;
    }
  }
}

}  // namespace

std::optional<std::string> EmbeddingFileReader::text_attribute(const char* name) const {
  Hdf5ErrorPrintingOff quiet;
  std::optional<std::string> value;
  mpi::run_agreed(comm_, [&] { value = string_attribute(file_.get(), path_, name); });
  return value;
}

std::optional<double> EmbeddingFileReader::number_attribute(const char* name) const {
  Hdf5ErrorPrintingOff quiet;
  std::optional<double> value;
  mpi::run_agreed(comm_, [&] { value = io::number_attribute(file_.get(), path_, name); });
  return value;
}

bool EmbeddingFileReader::has_dataset(const std::string& name) const {
  Hdf5ErrorPrintingOff quiet;
  return exists(file_.get(), name);
}

std::vector<std::int64_t> EmbeddingFileReader::dataset_shape(const std::string& name) const {
  Hdf5ErrorPrintingOff quiet;
  std::vector<std::int64_t> shape;
  mpi::run_agreed(comm_, [&] {
    for (const hsize_t extent : open_dataset(file_.get(), path_, name).dims)
      shape.push_back(static_cast<std::int64_t>(extent));
  });
  return shape;
}

std::vector<std::string> EmbeddingFileReader::read_id_rows(const std::string& name,
                                                           std::int64_t begin,
                                                           std::int64_t count) const {
  Hdf5ErrorPrintingOff quiet;
  std::vector<std::string> ids;
  mpi::run_agreed(comm_, [&] {
    const std::int64_t rows = id_count(file_.get(), path_, name);
    if (begin < 0 || count < 0 || begin + count > rows)
      throw InternalError("read_id_rows: rows outside " + name);
    ids = read_ids(file_.get(), path_, name, begin, count);
  });
  return ids;
}

FactorMatrix EmbeddingFileReader::read_matrix_rows(const std::string& name, std::int64_t rows,
                                                   std::int64_t columns, std::int64_t begin,
                                                   std::int64_t count) const {
  return read_matrix_runs(name, rows, columns, range_runs(begin, count));
}

FactorMatrix EmbeddingFileReader::read_matrix_rows(
    const std::string& name, std::int64_t rows, std::int64_t columns,
    const std::vector<std::int64_t>& ascending_rows) const {
  return read_matrix_runs(name, rows, columns, runs_of(ascending_rows));
}

std::vector<std::uint8_t> EmbeddingFileReader::read_flag_rows(const std::string& name,
                                                              std::int64_t rows, std::int64_t begin,
                                                              std::int64_t count) const {
  return read_flag_runs(name, rows, range_runs(begin, count));
}

std::vector<std::uint8_t> EmbeddingFileReader::read_flag_rows(
    const std::string& name, std::int64_t rows,
    const std::vector<std::int64_t>& ascending_rows) const {
  return read_flag_runs(name, rows, runs_of(ascending_rows));
}

FactorMatrix EmbeddingFileReader::read_user_rows(const std::string& scene,
                                                 const std::vector<std::int64_t>& ascending_rows,
                                                 std::vector<std::uint8_t>* active) const {
  return read_user_runs(scene, runs_of(ascending_rows), active);
}

FactorMatrix EmbeddingFileReader::read_user_rows(const std::string& scene, std::int64_t begin,
                                                 std::int64_t count) const {
  return read_user_runs(scene, range_runs(begin, count));
}

std::vector<std::uint8_t> EmbeddingFileReader::read_user_active(
    const std::string& scene, const std::vector<std::int64_t>& ascending_rows) const {
  return read_user_active_runs(scene, runs_of(ascending_rows));
}

std::vector<std::uint8_t> EmbeddingFileReader::read_user_active(const std::string& scene,
                                                                std::int64_t begin,
                                                                std::int64_t count) const {
  return read_user_active_runs(scene, range_runs(begin, count));
}

std::int64_t EmbeddingFileReader::factors() const {
  // Read once: row readers ask for every block they stream, and every rank asks alike.
  if (factors_) return *factors_;
  const std::vector<std::int64_t> shape = dataset_shape("/shared/user_factors");
  mpi::run_agreed(comm_, [&] {
    if (shape.size() != 2 || shape[1] < 1)
      throw InputError(path_, "/shared/user_factors is not a [n_users, k] matrix");
  });
  factors_ = shape[1];
  return *factors_;
}

const std::vector<std::int64_t>& EmbeddingFileReader::stored_users(const std::string& scene) const {
  const auto cached = stored_users_.find(scene);
  if (cached != stored_users_.end()) return cached->second;
  Hdf5ErrorPrintingOff quiet;
  const std::string name = "/scenes/" + scene + "/user_index";
  std::vector<std::int64_t> index;
  mpi::run_agreed(comm_, [&] {
    const Dataset d = open_dataset(file_.get(), path_, name);
    if (d.type_class != H5T_INTEGER || d.dims.size() != 1)
      throw InputError(path_, name + " is not a 1-D integer dataset");
    index.resize(d.dims[0]);
    if (!index.empty())  // an empty dataset has no storage to read
      read_rows(d, H5T_NATIVE_INT64, 0, static_cast<std::int64_t>(index.size()), index.data(),
                path_, name);
    for (std::size_t i = 0; i < index.size(); ++i)
      if (index[i] < 0 || index[i] >= n_users_ || (i > 0 && index[i] <= index[i - 1]))
        throw InputError(path_, name + " is not ascending within the " + std::to_string(n_users_) +
                                    " users (row " + std::to_string(i) + ")");
  });
  return stored_users_.emplace(scene, std::move(index)).first->second;
}

const EmbeddingFileReader::IndexBlock& EmbeddingFileReader::index_block(
    const std::string& scene) const {
  const auto read_before = index_blocks_.find(scene);
  if (read_before != index_blocks_.end()) return read_before->second;
  Hdf5ErrorPrintingOff quiet;
  const std::string name = "/scenes/" + scene + "/user_index";
  IndexBlock block;
  // Rank r reads block r (disjoint blocks: a collective read of overlapping ranges is what
  // Open MPI's OMPIO gets wrong, see read_row_runs) and checks it; the blocks' ends are then
  // checked against each other, so the whole index is known ascending within the users.
  mpi::run_agreed(comm_, [&] {
    const Dataset d = open_dataset(file_.get(), path_, name);
    if (d.type_class != H5T_INTEGER || d.dims.size() != 1)
      throw InputError(path_, name + " is not a 1-D integer dataset");
    block.length = static_cast<std::int64_t>(d.dims[0]);
    block.begin = block.length * comm_.rank() / comm_.size();
    const std::int64_t end = block.length * (comm_.rank() + 1) / comm_.size();
    block.values.resize(static_cast<std::size_t>(end - block.begin));
    if (block.length > 0)  // an empty dataset has no storage to read
      read_rows(d, H5T_NATIVE_INT64, block.begin, end - block.begin, block.values.data(), path_,
                name);
  });
  const auto not_ascending = [&](std::int64_t position) {
    return InputError(path_, name + " is not ascending within the " + std::to_string(n_users_) +
                                 " users (row " + std::to_string(position) + ")");
  };
  const std::vector<std::int64_t>& values = block.values;
  const std::int64_t first = values.empty() ? -1 : values.front();
  const std::int64_t last = values.empty() ? -1 : values.back();
  block.firsts = comm_.allgatherv(std::vector<std::int64_t>{first});
  const std::vector<std::int64_t> lasts = comm_.allgatherv(std::vector<std::int64_t>{last});
  mpi::run_agreed(comm_, [&] {
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i] < 0 || values[i] >= n_users_ || (i > 0 && values[i] <= values[i - 1]))
        throw not_ascending(block.begin + static_cast<std::int64_t>(i));
    const auto rank = static_cast<std::ptrdiff_t>(comm_.rank());
    if (!values.empty() && rank > 0 &&
        values.front() <= *std::max_element(lasts.begin(), lasts.begin() + rank))
      throw not_ascending(block.begin);
  });
  return index_blocks_.emplace(scene, std::move(block)).first->second;
}

std::vector<std::int64_t> EmbeddingFileReader::stored_positions(const std::string& scene,
                                                                const RowRuns& runs) const {
  const IndexBlock& block = index_block(scene);
  // Each row is asked of the rank whose block of the index would hold it (the last block that
  // starts at or before it), which answers with its position or -1: memory and traffic grow
  // with the rows asked and one block of the index, not with the index.
  const auto ranks = static_cast<std::size_t>(comm_.size());
  std::vector<std::vector<std::int64_t>> asked(ranks);
  std::vector<int> owner;  // per row, the rank asked, or -1 when no block can hold it
  int at = -1;             // rows ascend, and so do the blocks (empty ones start at -1)
  for (const auto& [first, length] : runs)
    for (std::int64_t row = first; row < first + length; ++row) {
      for (std::size_t r = static_cast<std::size_t>(at + 1); r < ranks; ++r)
        if (block.firsts[r] >= 0 && block.firsts[r] <= row)
          at = static_cast<int>(r);
        else if (block.firsts[r] > row)
          break;
      owner.push_back(at);
      if (at >= 0) asked[static_cast<std::size_t>(at)].push_back(row);
    }
  std::vector<std::int64_t> counts;
  const std::vector<std::int64_t> questions = comm_.alltoallv(asked, &counts);
  std::vector<std::vector<std::int64_t>> answers(ranks);
  std::size_t next = 0;
  for (std::size_t source = 0; source < ranks; ++source)
    for (std::int64_t q = 0; q < counts[source]; ++q, ++next) {
      const auto found =
          std::lower_bound(block.values.begin(), block.values.end(), questions[next]);
      answers[source].push_back(found != block.values.end() && *found == questions[next]
                                    ? block.begin + (found - block.values.begin())
                                    : -1);
    }
  const std::vector<std::int64_t> replies = comm_.alltoallv(answers, &counts);
  // Replies come in rank order, each rank's in the order asked: rows ascend, and so do owners.
  std::vector<std::int64_t> positions(owner.size(), -1);
  std::size_t reply = 0;
  for (std::size_t i = 0; i < owner.size(); ++i)
    if (owner[i] >= 0) positions[i] = replies[reply++];
  return positions;
}

FactorMatrix EmbeddingFileReader::read_user_runs(const std::string& scene, const RowRuns& runs,
                                                 std::vector<std::uint8_t>* active) const {
  const std::int64_t k = factors();
  const std::string group = "/scenes/" + scene;
  if (format_version_ == 1) {
    if (active != nullptr) *active = read_flag_runs(group + "/user_active", n_users_, runs);
    return read_matrix_runs(group + "/user_factors", n_users_, k + 1, runs);
  }
  // Version 2: the scene stores its active users' rows; the others are served from z and the
  // bridge as training served them (io/bridged_row.h).
  const std::vector<std::int64_t> stored_at = stored_positions(scene, runs);
  if (active != nullptr) {
    active->clear();
    for (const std::int64_t position : stored_at) active->push_back(position >= 0 ? 1 : 0);
  }
  const std::int64_t stored_rows = index_block(scene).length;
  std::vector<std::int64_t> positions, cold_rows;
  std::vector<std::int64_t> source;  // per row: its position in `stored`, or -1 - its cold row
  std::size_t at_row = 0;
  for (const auto& [first, length] : runs)
    for (std::int64_t row = first; row < first + length; ++row, ++at_row) {
      if (stored_at[at_row] >= 0) {
        source.push_back(static_cast<std::int64_t>(positions.size()));
        positions.push_back(stored_at[at_row]);
      } else {
        source.push_back(-1 - static_cast<std::int64_t>(cold_rows.size()));
        cold_rows.push_back(row);
      }
    }
  const bool from_shared = cold_user_rows_ == "bridge";
  // A scene left untrained stores no user ([0, k+1]); the index's length is the same on every
  // rank, so every rank skips the read alike.
  const FactorMatrix stored =
      stored_rows == 0 ? FactorMatrix(0, k + 1)
                       : read_matrix_rows(group + "/user_factors", stored_rows, k + 1, positions);
  const FactorMatrix shared = read_matrix_rows(
      "/shared/user_factors", n_users_, k, from_shared ? cold_rows : std::vector<std::int64_t>());
  std::optional<FactorMatrix> bridge;
  if (from_shared && has_dataset(group + "/bridge"))
    bridge = read_matrix_rows(group + "/bridge", k + 1, k, 0, k + 1);
  FactorMatrix out(static_cast<Eigen::Index>(source.size()), k + 1);
  for (std::size_t i = 0; i < source.size(); ++i) {
    const auto r = static_cast<Eigen::Index>(i);
    if (source[i] >= 0) {
      out.row(r) = stored.row(source[i]);
    } else if (!from_shared) {
      out.row(r).setZero();
      out(r, k) = 1.0f;
    } else if (bridge) {
      bridged_row(*bridge, shared.row(-1 - source[i]).data(), out.row(r).data());
    } else {
      out.row(r).head(k) = shared.row(-1 - source[i]);
      out(r, k) = 1.0f;
    }
  }
  return out;
}

std::vector<std::uint8_t> EmbeddingFileReader::read_user_active_runs(const std::string& scene,
                                                                     const RowRuns& runs) const {
  if (format_version_ == 1)
    return read_flag_runs("/scenes/" + scene + "/user_active", n_users_, runs);
  std::vector<std::uint8_t> active;
  for (const std::int64_t position : stored_positions(scene, runs))
    active.push_back(position >= 0 ? 1 : 0);
  return active;
}

EmbeddingFileReader::ReadPlan EmbeddingFileReader::plan_of(const RowRuns& runs) const {
  ReadPlan plan;
  plan.begin =
      comm_.min(runs.empty() ? std::numeric_limits<std::int64_t>::max() : runs.front().first);
  plan.end = comm_.max(runs.empty() ? std::int64_t{0} : runs.back().first + runs.back().second);
  return plan;
}

FactorMatrix EmbeddingFileReader::read_matrix_runs(const std::string& name, std::int64_t rows,
                                                   std::int64_t columns,
                                                   const RowRuns& runs) const {
  Hdf5ErrorPrintingOff quiet;
  std::int64_t total = 0;
  for (const auto& run : runs) total += run.second;
  FactorMatrix out(total, columns);
  const ReadPlan plan = plan_of(runs);
  mpi::run_agreed(comm_, [&] {
    const Dataset d = open_dataset(file_.get(), path_, name);
    expect(d, path_, name, H5T_FLOAT, "floating-point numbers", {rows, columns});
    read_row_runs(d, H5T_NATIVE_FLOAT, runs, plan, out.data(), path_, name);
  });
  return out;
}

std::vector<std::uint8_t> EmbeddingFileReader::read_flag_runs(const std::string& name,
                                                              std::int64_t rows,
                                                              const RowRuns& runs) const {
  Hdf5ErrorPrintingOff quiet;
  std::int64_t total = 0;
  for (const auto& run : runs) total += run.second;
  std::vector<std::uint8_t> flags(static_cast<std::size_t>(total));
  const ReadPlan plan = plan_of(runs);
  mpi::run_agreed(comm_, [&] {
    const Dataset d = open_dataset(file_.get(), path_, name);
    expect(d, path_, name, H5T_INTEGER, "integer flags", {rows});
    read_row_runs(d, H5T_NATIVE_UINT8, runs, plan, flags.data(), path_, name);
  });
  for (std::uint8_t& flag : flags) flag = flag != 0;
  return flags;
}

}  // namespace sceneals::io
