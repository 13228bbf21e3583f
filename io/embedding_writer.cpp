#include "io/embedding_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>

#include "io/hdf5_handle.h"
#include "mpi/error.h"
#include "mpi/error_agreement.h"
#include "mpi/hdf5_mpio.h"

namespace sceneals::io {
namespace {

// ---- checks made before the file exists ----------------------------------------------------

/// This rank's rows of one dataset.
struct RowBlock {
  std::int64_t begin = 0;
  std::int64_t rows = 0;
};

/// A dataset whose rows the ranks' blocks must tile, as the tiling check sees it.
struct TiledDataset {
  std::string path;
  const char* total_name;  // "n_users" or "n_items", for the message
  std::int64_t total;
  RowBlock block;
};

std::string scene_group(const std::string& scene) { return "/scenes/" + scene; }

std::int64_t block_rows(const FactorMatrix& dense, const ComputedRows& computed) {
  return computed.fill ? computed.rows : dense.rows();
}

std::vector<TiledDataset> tiled_datasets(const EmbeddingFileContent& c) {
  const auto rows = [](auto n) { return static_cast<std::int64_t>(n); };
  std::vector<TiledDataset> out = {
      {"/users/id", "n_users", c.n_users, {c.user_id_begin, rows(c.user_ids.size())}},
      {"/items/id", "n_items", c.n_items, {c.item_id_begin, rows(c.item_ids.size())}},
      {"/shared/user_factors",
       "n_users",
       c.n_users,
       {c.shared_row_begin, block_rows(c.shared_user_factors, c.computed_shared_factors)}},
  };
  // user_index and item_active share the row blocks of their factor matrices.
  for (const SceneEmbeddingBlock& s : c.scenes) {
    out.push_back({scene_group(s.name) + "/user_factors",
                   "the scene's active users",
                   s.user_rows_total,
                   {s.user_row_begin, block_rows(s.user_factors, s.computed_user_factors)}});
    out.push_back({scene_group(s.name) + "/item_factors",
                   "n_items",
                   c.n_items,
                   {s.item_row_begin, block_rows(s.item_factors, s.computed_item_factors)}});
  }
  return out;
}

void require(bool condition, const std::string& message) {
  if (!condition) throw InternalError(message);
}

void check_columns(const FactorMatrix& m, std::int64_t columns, const std::string& what) {
  // A block without rows carries no columns worth checking (a default-constructed matrix is 0x0).
  require(
      m.rows() == 0 || m.cols() == columns,
      what + " has " + std::to_string(m.cols()) + " columns, expected " + std::to_string(columns));
}

/// Rows held dense or computed, not both.
void check_factor_block(const FactorMatrix& dense, const ComputedRows& computed,
                        std::int64_t columns, const std::string& what) {
  check_columns(dense, columns, what);
  require(!computed.fill || dense.size() == 0, what + " has both dense and computed rows");
  require(computed.rows >= 0, what + " has a negative number of computed rows");
}

void check_ids(const std::vector<std::string>& ids, const std::string& what) {
  for (const std::string& id : ids)
    require(id.find('\0') == std::string::npos,
            what + ": an id contains a NUL byte, which fixed-length HDF5 strings cannot keep");
}

/// Shapes and names this rank can check alone.
void check_local_content(const EmbeddingFileContent& c) {
  const std::int64_t k = c.factors;
  require(k >= 1, "factors must be at least 1, got " + std::to_string(k));
  require(c.n_users >= 0 && c.n_items >= 0, "negative n_users or n_items");
  check_ids(c.user_ids, "/users/id");
  check_ids(c.item_ids, "/items/id");
  check_factor_block(c.shared_user_factors, c.computed_shared_factors, k, "/shared/user_factors");
  std::set<std::string> scene_names;
  for (const SceneEmbeddingBlock& s : c.scenes) {
    require(!s.name.empty() && s.name != "." && s.name != ".." &&
                s.name.find_first_of(std::string("/\0", 2)) == std::string::npos,
            "scene name '" + s.name + "' cannot name an HDF5 group");
    require(scene_names.insert(s.name).second, "scene '" + s.name + "' is listed twice");
    const std::string group = scene_group(s.name);
    check_factor_block(s.user_factors, s.computed_user_factors, k + 1, group + "/user_factors");
    check_factor_block(s.item_factors, s.computed_item_factors, k + 1, group + "/item_factors");
    const std::int64_t user_rows = block_rows(s.user_factors, s.computed_user_factors);
    require(static_cast<std::int64_t>(s.user_index.size()) == user_rows,
            group + "/user_index has " + std::to_string(s.user_index.size()) + " rows for " +
                std::to_string(user_rows) + " factor rows");
    for (std::size_t i = 0; i < s.user_index.size(); ++i)
      require(s.user_index[i] >= 0 && s.user_index[i] < c.n_users &&
                  (i == 0 || s.user_index[i] > s.user_index[i - 1]),
              group + "/user_index is not ascending within [0, n_users)");
    const std::int64_t item_rows = block_rows(s.item_factors, s.computed_item_factors);
    require(static_cast<std::int64_t>(s.item_active.size()) == item_rows,
            group + "/item_active has " + std::to_string(s.item_active.size()) + " flags for " +
                std::to_string(item_rows) + " factor rows");
    require(s.item_from_features.empty() ||
                static_cast<std::int64_t>(s.item_from_features.size()) == item_rows,
            group + "/item_from_features has " + std::to_string(s.item_from_features.size()) +
                " flags for " + std::to_string(item_rows) + " factor rows");
    require(!c.feature_names.empty() || s.item_from_features.empty(),
            group + "/item_from_features given without feature names");
    const auto d_features = static_cast<std::int64_t>(c.feature_names.size());
    for (const SceneMatrixDataset& d : kSceneMatrixDatasets) {
      const std::optional<FactorMatrix>& m = s.*d.member;
      if (m)
        require(m->rows() == d.rows(k, d_features) && m->cols() == d.columns(k),
                group + "/" + d.name + " is " + std::to_string(m->rows()) + "x" +
                    std::to_string(m->cols()) + ", expected " +
                    std::to_string(d.rows(k, d_features)) + "x" + std::to_string(d.columns(k)));
    }
  }
  require(c.cold_user_rows == "bridge" || c.cold_user_rows == "unit",
          "cold_user_rows is '" + c.cold_user_rows + "', expected bridge or unit");
  std::set<std::string> attribute_names = {"format", "format_version", "cold_user_rows"};
  for (const auto& [name, value] : c.attributes)
    require(!name.empty() && attribute_names.insert(name).second,
            "root attribute '" + name + "' is empty, reserved or given twice");
}

std::string attribute_text(const AttributeValue& value) {
  std::ostringstream out;
  out.precision(17);
  out << value.index() << '=';
  std::visit([&out](const auto& v) { out << v; }, value);
  return out.str();
}

/// What must be identical on every rank, in three parts so that a mismatch can be named.
/// Each field is length-prefixed, so that no two different contents serialise alike.
std::vector<std::pair<const char*, std::string>> replicated_parts(const EmbeddingFileContent& c) {
  const auto field = [](std::string& out, const std::string& text) {
    out += std::to_string(text.size()) + ':' + text;
  };
  std::string sizes;
  field(sizes, std::to_string(c.n_users));
  field(sizes, std::to_string(c.n_items));
  field(sizes, std::to_string(c.factors));
  field(sizes, c.cold_user_rows);
  for (const std::string& name : c.feature_names) field(sizes, name);
  std::string scenes;
  for (const SceneEmbeddingBlock& s : c.scenes) field(scenes, s.name);
  std::string attributes;
  for (const auto& [name, value] : c.attributes) {
    field(attributes, name);
    field(attributes, attribute_text(value));
  }
  return {{"n_users, n_items, factors and feature names", sizes},
          {"the scene list", scenes},
          {"the root attributes", attributes}};
}

/// Every rank checks the blocks of all ranks; they all see the same numbers, so they agree.
void check_tiling(const std::vector<TiledDataset>& datasets,
                  const std::vector<std::int64_t>& all_blocks, int ranks) {
  const std::size_t stride = 2 * datasets.size();
  for (std::size_t d = 0; d < datasets.size(); ++d) {
    const TiledDataset& dataset = datasets[d];
    std::vector<RowBlock> blocks;
    std::int64_t covered = 0;
    for (int r = 0; r < ranks; ++r) {
      const RowBlock b{all_blocks[r * stride + 2 * d], all_blocks[r * stride + 2 * d + 1]};
      require(b.begin >= 0, dataset.path + ": rank " + std::to_string(r) +
                                " starts its block at row " + std::to_string(b.begin));
      covered += b.rows;
      if (b.rows > 0) blocks.push_back(b);
    }
    require(covered == dataset.total, dataset.path + ": the ranks' blocks hold " +
                                          std::to_string(covered) + " rows in total, expected " +
                                          dataset.total_name + " = " +
                                          std::to_string(dataset.total));
    std::sort(blocks.begin(), blocks.end(),
              [](const RowBlock& a, const RowBlock& b) { return a.begin < b.begin; });
    std::int64_t next = 0;
    for (const RowBlock& b : blocks) {
      require(b.begin == next, dataset.path + ": the ranks' blocks " +
                                   (b.begin < next ? "overlap" : "leave a gap") + " at row " +
                                   std::to_string(std::min(b.begin, next)));
      next = b.begin + b.rows;
    }
  }
}

/// A record table (/metrics or /tuning) as rank 0 holds it: its row count and the longest
/// string of each string column, which the other ranks learn from rank 0.
struct RecordTableShape {
  std::int64_t rows = 0;
  std::int64_t scene_length = 1;
  std::int64_t cohort_length = 1;
  std::int64_t metric_length = 1;
  std::int64_t setting_length = 1;
};

/// What all ranks agreed on before creating the file; the same on every rank.
struct AgreedLayout {
  std::int64_t user_id_length = 1;  // fixed string lengths: the longest id of any rank, >= 1
  std::int64_t item_id_length = 1;
  std::int64_t feature_name_length = 1;
  /// Per scene, per kSceneMatrixDatasets entry: whether some rank holds it.
  std::vector<std::vector<bool>> scene_has_matrix;
  RecordTableShape metrics;
  RecordTableShape tuning;
};

/// The /metrics (or /tuning) datasets, column by column: rank 0's records; empty on the other
/// ranks, which select no rows of the collective writes.
struct MetricColumns {
  std::vector<std::string> scene;
  std::vector<std::string> cohort;
  std::vector<std::string> metric;
  std::vector<std::string> setting;
  std::vector<std::int64_t> k;
  std::vector<double> value;
  std::vector<std::int64_t> pairs;

  std::int64_t rows() const { return static_cast<std::int64_t>(k.size()); }
};

MetricColumns metric_columns(const mpi::Communicator& comm,
                             const std::vector<MetricRecord>& records) {
  MetricColumns columns;
  if (!comm.is_root()) return columns;
  for (const MetricRecord& r : records) {
    columns.scene.push_back(r.scene);
    columns.cohort.push_back(r.cohort);
    columns.metric.push_back(r.metric);
    columns.setting.push_back(r.setting);
    columns.k.push_back(r.k);
    columns.value.push_back(r.value);
    columns.pairs.push_back(r.pairs);
  }
  return columns;
}

std::int64_t longest(const std::vector<std::string>& ids) {
  std::size_t length = 1;  // HDF5 has no zero-length string type
  for (const std::string& id : ids) length = std::max(length, id.size());
  return static_cast<std::int64_t>(length);
}

/// Collective: every check of the contract, agreed so that all ranks throw together.
/// Collective: rank 0's shape of a record table, on every rank.
RecordTableShape agree_on_table(const mpi::Communicator& comm, const MetricColumns& table) {
  std::int64_t shape[5] = {table.rows(), longest(table.scene), longest(table.cohort),
                           longest(table.metric), longest(table.setting)};
  comm.broadcast(shape, 5, 0);
  return {shape[0], shape[1], shape[2], shape[3], shape[4]};
}

AgreedLayout agree_on_content(const mpi::Communicator& comm, const std::string& context,
                              const EmbeddingFileContent& c, const MetricColumns& metrics,
                              const MetricColumns& tuning) {
  const auto agreed = [&](auto&& check) {
    mpi::run_agreed(comm, [&] {
      try {
        check();
      } catch (const InternalError& e) {
        throw InternalError(context + ": " + e.what());
      }
    });
  };
  agreed([&] {
    check_local_content(c);
    check_ids(metrics.scene, "/metrics/scene");
    check_ids(metrics.cohort, "/metrics/cohort");
    check_ids(metrics.metric, "/metrics/metric");
    check_ids(tuning.scene, "/tuning/scene");
    check_ids(tuning.cohort, "/tuning/cohort");
    check_ids(tuning.metric, "/tuning/metric");
    check_ids(tuning.setting, "/tuning/setting");
  });

  // The scene lists must match before the per-scene blocks below can be lined up rank by rank.
  const auto parts = replicated_parts(c);
  std::vector<std::string> root_parts;
  for (const auto& part : parts) root_parts.push_back(comm.broadcast_string(part.second, 0));
  agreed([&] {
    for (std::size_t p = 0; p < parts.size(); ++p)
      require(parts[p].second == root_parts[p], std::string(parts[p].first) + " of rank " +
                                                    std::to_string(comm.rank()) +
                                                    " differ from rank 0's");
  });

  const std::vector<TiledDataset> datasets = tiled_datasets(c);
  std::vector<std::int64_t> local_blocks;
  for (const TiledDataset& d : datasets) {
    local_blocks.push_back(d.block.begin);
    local_blocks.push_back(d.block.rows);
  }
  const std::vector<std::int64_t> all_blocks = comm.allgatherv(local_blocks);
  agreed([&] { check_tiling(datasets, all_blocks, comm.size()); });

  const std::size_t matrix_kinds = std::size(kSceneMatrixDatasets);
  std::vector<std::int32_t> holders;  // per scene, per matrix kind
  for (const SceneEmbeddingBlock& s : c.scenes)
    for (const SceneMatrixDataset& d : kSceneMatrixDatasets)
      holders.push_back((s.*d.member) ? 1 : 0);
  comm.allreduce_in_place(holders, mpi::ReduceOp::kSum);
  AgreedLayout layout;
  agreed([&] {
    for (std::size_t s = 0; s < c.scenes.size(); ++s) {
      layout.scene_has_matrix.emplace_back();
      for (std::size_t m = 0; m < matrix_kinds; ++m) {
        const std::int32_t held = holders[s * matrix_kinds + m];
        require(held <= 1, scene_group(c.scenes[s].name) + "/" + kSceneMatrixDatasets[m].name +
                               " is held by " + std::to_string(held) +
                               " ranks; exactly one must write it");
        layout.scene_has_matrix.back().push_back(held == 1);
      }
    }
  });
  layout.user_id_length = comm.max(longest(c.user_ids));
  layout.item_id_length = comm.max(longest(c.item_ids));
  layout.feature_name_length = comm.max(longest(c.feature_names));
  // Only rank 0 holds the records; the others learn their count and string lengths from it.
  layout.metrics = agree_on_table(comm, metrics);
  layout.tuning = agree_on_table(comm, tuning);
  return layout;
}

// ---- the collective HDF5 writer ------------------------------------------------------------

/// This rank's rows of a dataset of `total_rows` rows (1-D when `columns` is 0), row-major.
struct RowSlice {
  std::int64_t total_rows = 0;
  std::int64_t columns = 0;
  std::int64_t row_begin = 0;
  std::int64_t rows = 0;
  const void* data = nullptr;
};

RowSlice slice_of(std::int64_t total_rows, std::int64_t row_begin, const FactorMatrix& m) {
  return {total_rows, m.cols(), row_begin, m.rows(), m.data()};
}

RowSlice slice_of(std::int64_t total_rows, std::int64_t row_begin,
                  const std::vector<std::uint8_t>& flags) {
  return {total_rows, 0, row_begin, static_cast<std::int64_t>(flags.size()), flags.data()};
}

/// The rows of a factor block as computed rows: its own, or copies out of its dense rows.
ComputedRows computed_rows(const FactorMatrix& dense, const ComputedRows& computed) {
  if (computed.fill) return computed;
  return {dense.rows(), rows_of(dense)};
}

/// A fixed-length, NUL-padded UTF-8 string type: parallel HDF5 cannot write variable-length
/// data collectively, and NUL padding lets readers strip the padding without ambiguity.
DatatypeHandle fixed_string_type(std::int64_t length, const std::string& where) {
  DatatypeHandle type(check_hdf5(H5Tcopy(H5T_C_S1), "H5Tcopy", where));
  check_hdf5(H5Tset_size(type.get(), static_cast<std::size_t>(length)), "H5Tset_size", where);
  check_hdf5(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "H5Tset_strpad", where);
  check_hdf5(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset", where);
  return type;
}

/// Bytes free to this user on the file system of `path`'s directory (saturated: some file
/// systems report nearly unlimited space); nullopt when it cannot be asked.
std::optional<std::int64_t> free_bytes_for(const std::string& path) {
  struct statvfs info {};
  const std::size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  if (::statvfs(directory.c_str(), &info) != 0) return std::nullopt;
  const unsigned long long block = info.f_frsize > 0 ? info.f_frsize : 1;
  return info.f_bavail > static_cast<unsigned long long>(INT64_MAX) / block
             ? INT64_MAX
             : static_cast<std::int64_t>(info.f_bavail * block);
}

/// " (the file system is full: N bytes free)" when the file system holding `path` has (almost)
/// no space left, the usual reason a write fails; MPI-IO's own message does not say why.
std::string full_file_system_note(const std::string& path) {
  const std::optional<std::int64_t> free_bytes = free_bytes_for(path);
  constexpr std::int64_t kAlmostNothing = std::int64_t{1} << 20;
  if (!free_bytes || *free_bytes >= kAlmostNothing) return {};
  return " (the file system is full: " + std::to_string(*free_bytes) + " bytes free)";
}

/// The bytes this rank's blocks take in the file (the data, not HDF5's metadata).
std::int64_t local_data_bytes(const EmbeddingFileContent& c, const AgreedLayout& layout) {
  const std::int64_t k = c.factors, row = 4 * (k + 1);
  const auto size = [](const auto& v) { return static_cast<std::int64_t>(v.size()); };
  std::int64_t bytes = size(c.user_ids) * layout.user_id_length +
                       size(c.item_ids) * layout.item_id_length +
                       block_rows(c.shared_user_factors, c.computed_shared_factors) * 4 * k;
  for (const SceneEmbeddingBlock& s : c.scenes) {
    bytes += block_rows(s.user_factors, s.computed_user_factors) * row + 8 * size(s.user_index);
    bytes += block_rows(s.item_factors, s.computed_item_factors) * (row + 1) +
             size(s.item_from_features);
    for (const SceneMatrixDataset& d : kSceneMatrixDatasets)
      if (const std::optional<FactorMatrix>& m = s.*d.member) bytes += 4 * m->size();
  }
  constexpr std::int64_t kRecordBytes = 256;  // a metric record's strings and numbers, at most
  return bytes + (size(c.metrics) + size(c.tuning)) * kRecordBytes;
}

/// Collective: refuses to start a file that the file system cannot hold. Parallel HDF5 cannot
/// unwind every failure alike: when the space runs out while it flushes its metadata at close,
/// one rank can leave the flush early and the ranks then wait in different barriers forever.
/// Checking first turns the common case (a disk already too full) into an agreed error.
void check_room_for(const mpi::Communicator& comm, const std::string& temp_path,
                    const EmbeddingFileContent& c, const AgreedLayout& layout) {
  // HDF5's object headers, B-trees and the heap: 13 kB for a small model (37,888 bytes for
  // 24,548 of data), so 64 kB and 1/64 of the data leave room to spare.
  const std::int64_t data = comm.sum(local_data_bytes(c, layout));
  const std::int64_t needed = data + (std::int64_t{64} << 10) + data / 64;
  std::optional<mpi::LocalError> error;
  if (comm.is_root()) {
    const std::optional<std::int64_t> free_bytes = free_bytes_for(temp_path);
    if (free_bytes && *free_bytes < needed)
      error = mpi::LocalError{ExitCode::kBadInput,
                              "the file system is full: " + std::to_string(*free_bytes) +
                                  " bytes free, the file needs about " + std::to_string(needed)};
  }
  mpi::agree_on_error(comm, error);
}

/// One open file of the MPI-IO driver; every method is collective over the file's ranks.
class ParallelFileWriter {
 public:
  /// `chunk_bytes`: 0 for contiguous datasets, else chunks of whole rows of about that size.
  ParallelFileWriter(const mpi::Communicator& comm, const std::string& path,
                     std::int64_t chunk_bytes)
      : comm_(comm), path_(path), chunk_bytes_(chunk_bytes) {
    PropertyListHandle access(check_hdf5(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", path_));
    mpi::set_mpio_file_access(access.get(), comm);
    file_ = FileHandle(check_hdf5(
        H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), "H5Fcreate", path_));
    // Contiguous storage by default so readers can memory-map the matrices (create_dataset
    // chunks them when asked); every element gets written, so the fill pass over the whole file
    // that parallel HDF5 makes by default is skipped.
    create_ = PropertyListHandle(check_hdf5(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", path_));
    check_hdf5(H5Pset_layout(create_.get(), H5D_CONTIGUOUS), "H5Pset_layout", path_);
    check_hdf5(H5Pset_alloc_time(create_.get(), H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time", path_);
    check_hdf5(H5Pset_fill_time(create_.get(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time", path_);
    // No modification times in object headers: the same run gives a byte-identical file.
    check_hdf5(H5Pset_obj_track_times(create_.get(), false), "H5Pset_obj_track_times", path_);
    group_create_ = PropertyListHandle(check_hdf5(H5Pcreate(H5P_GROUP_CREATE), "H5Pcreate", path_));
    check_hdf5(H5Pset_obj_track_times(group_create_.get(), false), "H5Pset_obj_track_times", path_);
    transfer_ = PropertyListHandle(check_hdf5(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate", path_));
    check_hdf5(H5Pset_dxpl_mpio(transfer_.get(), H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio", path_);
  }

  void create_group(const std::string& name) {
    GroupHandle group(check_hdf5(
        H5Gcreate2(file_.get(), name.c_str(), H5P_DEFAULT, group_create_.get(), H5P_DEFAULT),
        "H5Gcreate2", where(name)));
  }

  /// Creates dataset `name` and writes this rank's rows; a rank without rows selects none but
  /// still takes part, as the collective transfer requires.
  void write_rows(const std::string& name, hid_t file_type, hid_t memory_type,
                  const RowSlice& slice) {
    const DatasetHandle dataset = create_dataset(name, file_type, slice.total_rows, slice.columns);
    // An empty dataset (a scene left untrained stores no user) has no storage to write to.
    if (slice.total_rows > 0) write_part(dataset, name, memory_type, slice);
  }

  /// A float32 dataset of `total_rows` x `columns` whose `computed.rows` rows from `row_begin`
  /// this rank fills `kSlabRows` at a time: one collective transfer per slab, as many on every
  /// rank (a rank whose rows are done takes part with none).
  void write_rows_in_slabs(const std::string& name, std::int64_t total_rows, std::int64_t columns,
                           std::int64_t row_begin, const ComputedRows& computed) {
    constexpr std::int64_t kSlabRows = 32768;  // 8.5 MB at k = 64
    const DatasetHandle dataset = create_dataset(name, H5T_IEEE_F32LE, total_rows, columns);
    const std::int64_t rows = computed.rows;
    const std::int64_t slabs = comm_.max((rows + kSlabRows - 1) / kSlabRows);
    FactorMatrix slab;
    for (std::int64_t i = 0; i < slabs; ++i) {
      const std::int64_t first = std::min(rows, i * kSlabRows);
      const std::int64_t count = std::min(kSlabRows, rows - first);
      std::optional<mpi::LocalError> failure;
      try {
        slab.resize(count, columns);
        if (count > 0) computed.fill(first, count, slab.data());
      } catch (const std::exception& e) {
        failure =
            mpi::LocalError{ExitCode::kInternal, "computing " + where(name) + ": " + e.what()};
      }
      mpi::agree_on_error(comm_, failure);
      write_part(dataset, name, H5T_NATIVE_FLOAT,
                 {total_rows, columns, row_begin + first, count, slab.data()});
    }
  }

  /// A fixed-length string dataset of `total_rows` rows; this rank writes `ids` from row_begin.
  void write_strings(const std::string& name, std::int64_t total_rows, std::int64_t length,
                     std::int64_t row_begin, const std::vector<std::string>& ids) {
    DatatypeHandle type = fixed_string_type(length, where(name));
    const std::size_t width = static_cast<std::size_t>(length);
    std::vector<char> packed(ids.size() * width, '\0');
    for (std::size_t r = 0; r < ids.size(); ++r)
      std::copy(ids[r].begin(), ids[r].end(),
                packed.begin() + static_cast<std::ptrdiff_t>(r * width));
    write_rows(name, type.get(), type.get(),
               {total_rows, 0, row_begin, static_cast<std::int64_t>(ids.size()), packed.data()});
  }

  /// A scalar attribute of the root group: int64, float64 or a fixed-length string.
  void write_root_attribute(const std::string& name, const AttributeValue& value) {
    const std::string at = where("/") + " attribute '" + name + "'";
    DataspaceHandle space(check_hdf5(H5Screate(H5S_SCALAR), "H5Screate", at));
    DatatypeHandle string_type;
    hid_t file_type = -1;
    hid_t memory_type = -1;
    const void* data = nullptr;
    if (const auto* i = std::get_if<std::int64_t>(&value)) {
      file_type = H5T_STD_I64LE;
      memory_type = H5T_NATIVE_INT64;
      data = i;
    } else if (const auto* d = std::get_if<double>(&value)) {
      file_type = H5T_IEEE_F64LE;
      memory_type = H5T_NATIVE_DOUBLE;
      data = d;
    } else {
      const std::string& text = std::get<std::string>(value);
      const auto length = std::max<std::int64_t>(1, static_cast<std::int64_t>(text.size()));
      string_type = fixed_string_type(length, at);
      file_type = memory_type = string_type.get();
      data = text.c_str();  // the NUL terminator stands in for an empty string's one byte
    }
    AttributeHandle attribute(check_hdf5(
        H5Acreate2(file_.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
        "H5Acreate2", at));
    check_hdf5(H5Awrite(attribute.get(), memory_type, data), "H5Awrite", at);
  }

  /// Closes the file and reports a failed close, which can lose the last metadata writes.
  void close() {
    create_.reset();
    transfer_.reset();
    check_hdf5(H5Fclose(file_.release()), "H5Fclose", path_);
  }

 private:
  std::string where(const std::string& name) const { return "'" + name + "' in '" + path_ + "'"; }

  /// A dataset of `total_rows` rows, and `columns` columns unless 0 (then 1-D).
  DatasetHandle create_dataset(const std::string& name, hid_t file_type, std::int64_t total_rows,
                               std::int64_t columns) {
    const int rank = columns > 0 ? 2 : 1;
    const hsize_t dims[2] = {static_cast<hsize_t>(total_rows), static_cast<hsize_t>(columns)};
    DataspaceHandle file_space(
        check_hdf5(H5Screate_simple(rank, dims, nullptr), "H5Screate_simple", where(name)));
    PropertyListHandle chunked;
    if (chunk_bytes_ > 0 && total_rows > 0) {  // chunks of whole rows, at least one
      const auto row_bytes =
          static_cast<std::int64_t>(H5Tget_size(file_type)) * std::max<std::int64_t>(columns, 1);
      const hsize_t chunk[2] = {
          static_cast<hsize_t>(std::clamp<std::int64_t>(chunk_bytes_ / row_bytes, 1, total_rows)),
          dims[1]};
      chunked = PropertyListHandle(check_hdf5(H5Pcopy(create_.get()), "H5Pcopy", where(name)));
      check_hdf5(H5Pset_chunk(chunked.get(), rank, chunk), "H5Pset_chunk", where(name));
    }
    return DatasetHandle(
        check_hdf5(H5Dcreate2(file_.get(), name.c_str(), file_type, file_space.get(), H5P_DEFAULT,
                              chunked ? chunked.get() : create_.get(), H5P_DEFAULT),
                   "H5Dcreate2", where(name)));
  }

  /// One collective transfer of `slice`'s rows into `dataset`.
  void write_part(const DatasetHandle& dataset, const std::string& name, hid_t memory_type,
                  const RowSlice& slice) {
    const std::string at = where(name);
    const int rank = slice.columns > 0 ? 2 : 1;
    DataspaceHandle file_space(check_hdf5(H5Dget_space(dataset.get()), "H5Dget_space", at));
    const hsize_t local_dims[2] = {static_cast<hsize_t>(slice.rows),
                                   static_cast<hsize_t>(slice.columns)};
    DataspaceHandle memory_space(
        check_hdf5(H5Screate_simple(rank, local_dims, nullptr), "H5Screate_simple", at));
    if (slice.rows > 0) {
      const hsize_t start[2] = {static_cast<hsize_t>(slice.row_begin), 0};
      check_hdf5(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, local_dims,
                                     nullptr),
                 "H5Sselect_hyperslab", at);
    } else {
      check_hdf5(H5Sselect_none(file_space.get()), "H5Sselect_none", at);
      check_hdf5(H5Sselect_none(memory_space.get()), "H5Sselect_none", at);
    }
    static const unsigned char kNoData = 0;  // an empty block's data() may be null
    const void* buffer = slice.data != nullptr ? slice.data : &kNoData;
    // The transfer can fail on some ranks only (a full disk or a quota hits the rank whose
    // bytes no longer fit). Agreeing before the next collective call keeps the ranks that
    // succeeded from waiting in it forever; then all of them unwind and close the file together.
    std::optional<mpi::LocalError> failure;
    if (H5Dwrite(dataset.get(), memory_type, memory_space.get(), file_space.get(), transfer_.get(),
                 buffer) < 0)
      failure = mpi::LocalError{
          ExitCode::kBadInput,
          "cannot write " + at + ": " + detail::hdf5_error_reason() + full_file_system_note(path_)};
    mpi::agree_on_error(comm_, failure);
  }

  const mpi::Communicator& comm_;
  std::string path_;
  std::int64_t chunk_bytes_ = 0;
  FileHandle file_;  // declared before the property lists; they close first, the file last
  PropertyListHandle create_;
  PropertyListHandle group_create_;
  PropertyListHandle transfer_;
};

/// A record table (/metrics, or /tuning with its setting column): rank 0 writes every row, the
/// others take part with none.
void write_record_table(ParallelFileWriter& w, const std::string& group, const MetricColumns& m,
                        const RecordTableShape& shape, bool with_setting) {
  const std::int64_t n = shape.rows;
  const auto numbers = [&](const auto& column) {
    return RowSlice{n, 0, 0, m.rows(), column.data()};
  };
  w.create_group(group);
  w.write_strings(group + "/scene", n, shape.scene_length, 0, m.scene);
  w.write_strings(group + "/cohort", n, shape.cohort_length, 0, m.cohort);
  w.write_rows(group + "/k", H5T_STD_I64LE, H5T_NATIVE_INT64, numbers(m.k));
  w.write_strings(group + "/metric", n, shape.metric_length, 0, m.metric);
  w.write_rows(group + "/value", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, numbers(m.value));
  w.write_rows(group + "/pairs", H5T_STD_I64LE, H5T_NATIVE_INT64, numbers(m.pairs));
  if (with_setting) w.write_strings(group + "/setting", n, shape.setting_length, 0, m.setting);
}

void write_contents(ParallelFileWriter& w, const EmbeddingFileContent& c,
                    const MetricColumns& metrics, const MetricColumns& tuning,
                    const AgreedLayout& layout, bool root) {
  w.write_root_attribute("format", std::string(kEmbeddingFormat));
  w.write_root_attribute("format_version", kEmbeddingFormatVersion);
  w.write_root_attribute("cold_user_rows", c.cold_user_rows);
  for (const auto& [name, value] : c.attributes) w.write_root_attribute(name, value);

  w.create_group("/users");
  w.write_strings("/users/id", c.n_users, layout.user_id_length, c.user_id_begin, c.user_ids);
  w.create_group("/items");
  w.write_strings("/items/id", c.n_items, layout.item_id_length, c.item_id_begin, c.item_ids);
  if (!c.feature_names.empty()) {  // rank 0 writes the names, the others take part with none
    w.create_group("/features");
    const auto names = static_cast<std::int64_t>(c.feature_names.size());
    w.write_strings("/features/name", names, layout.feature_name_length, 0,
                    root ? c.feature_names : std::vector<std::string>());
  }
  w.create_group("/shared");
  // Factor rows (except the bridge's) always go in slabs, also from dense rows: the number of
  // collective transfers must not depend on which ranks compute their rows and which hold them.
  w.write_rows_in_slabs("/shared/user_factors", c.n_users, c.factors, c.shared_row_begin,
                        computed_rows(c.shared_user_factors, c.computed_shared_factors));

  w.create_group("/scenes");
  for (std::size_t s = 0; s < c.scenes.size(); ++s) {
    const SceneEmbeddingBlock& scene = c.scenes[s];
    const std::string group = scene_group(scene.name);
    w.create_group(group);
    w.write_rows_in_slabs(group + "/user_factors", scene.user_rows_total, c.factors + 1,
                          scene.user_row_begin,
                          computed_rows(scene.user_factors, scene.computed_user_factors));
    w.write_rows(group + "/user_index", H5T_STD_I64LE, H5T_NATIVE_INT64,
                 {scene.user_rows_total, 0, scene.user_row_begin,
                  static_cast<std::int64_t>(scene.user_index.size()), scene.user_index.data()});
    w.write_rows_in_slabs(group + "/item_factors", c.n_items, c.factors + 1, scene.item_row_begin,
                          computed_rows(scene.item_factors, scene.computed_item_factors));
    w.write_rows(group + "/item_active", H5T_STD_U8LE, H5T_NATIVE_UINT8,
                 slice_of(c.n_items, scene.item_row_begin, scene.item_active));
    if (!c.feature_names.empty()) {
      // Every rank writes its block: zeros where it computed no flags (all rows trained).
      std::vector<std::uint8_t> flags = scene.item_from_features;
      flags.resize(scene.item_active.size(), 0);
      w.write_rows(group + "/item_from_features", H5T_STD_U8LE, H5T_NATIVE_UINT8,
                   slice_of(c.n_items, scene.item_row_begin, flags));
    }
    for (std::size_t m = 0; m < std::size(kSceneMatrixDatasets); ++m) {
      if (!layout.scene_has_matrix[s][m]) continue;
      const SceneMatrixDataset& d = kSceneMatrixDatasets[m];
      const std::int64_t k = c.factors, columns = d.columns(k),
                         rows = d.rows(k, static_cast<std::int64_t>(c.feature_names.size()));
      const std::optional<FactorMatrix>& held = scene.*d.member;
      const RowSlice slice =
          held ? slice_of(rows, 0, *held) : RowSlice{rows, columns, 0, 0, nullptr};
      w.write_rows(group + "/" + d.name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, slice);
    }
  }
  if (layout.metrics.rows > 0) write_record_table(w, "/metrics", metrics, layout.metrics, false);
  if (layout.tuning.rows > 0) write_record_table(w, "/tuning", tuning, layout.tuning, true);
}

// ---- temporary name, publication, clean-up -------------------------------------------------

std::string errno_text() { return std::strerror(errno); }

std::string output_error(const std::string& final_path, const std::string& reason) {
  return "cannot write output '" + final_path + "': " + reason;
}

/// Rank 0: makes the finished temporary file durable, then gives it its final name (an atomic
/// replace on POSIX file systems, so readers see the old file or the new one, never a mix).
std::optional<mpi::LocalError> publish(const std::string& temp_path,
                                       const std::string& final_path) {
  const int fd = ::open(temp_path.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    const std::string reason = errno_text();
    if (fd >= 0) ::close(fd);
    return mpi::LocalError{ExitCode::kInternal,
                           output_error(final_path, "cannot flush '" + temp_path + "': " + reason)};
  }
  ::close(fd);
  if (std::rename(temp_path.c_str(), final_path.c_str()) != 0)
    return mpi::LocalError{
        ExitCode::kBadInput,
        output_error(final_path, "renaming '" + temp_path + "' failed: " + errno_text())};
  return std::nullopt;
}

/// Agrees on `local_error`; when any rank failed, rank 0 removes the temporary file first.
void agree_or_discard(const mpi::Communicator& comm, const std::string& temp_path,
                      const std::optional<mpi::LocalError>& local_error) {
  try {
    mpi::agree_on_error(comm, local_error);
  } catch (const AgreedError&) {
    if (comm.is_root()) std::remove(temp_path.c_str());
    throw;
  }
}

/// Why rank 0 cannot create a file next to `final_path`; empty when it can.
std::string why_not_writable(const std::string& final_path) {
  if (final_path.empty()) return "no file name given";
  struct stat info {};
  if (::stat(final_path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return "it is a directory";
  const std::string probe = final_path + ".probe-" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return errno_text();
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

}  // namespace

void write_embedding_file(const mpi::Communicator& comm, const std::string& final_path,
                          const EmbeddingFileContent& local) {
  const MetricColumns metrics = metric_columns(comm, local.metrics);
  const MetricColumns tuning = metric_columns(comm, local.tuning);
  const AgreedLayout layout =
      agree_on_content(comm, "embedding file '" + final_path + "'", local, metrics, tuning);

  // One name for all ranks: rank 0's pid keeps concurrent jobs writing the same output apart.
  std::int64_t pid = ::getpid();
  comm.broadcast(&pid, 1, 0);
  const std::string temp_path = final_path + ".tmp-" + std::to_string(pid);

  // A failure on one rank in the middle of the collective calls can leave the others waiting;
  // HDF5's collective calls fail alike on all ranks in practice (same metadata, same file).
  std::optional<mpi::LocalError> error;
  bool created = false;
  try {
    check_room_for(comm, temp_path, local, layout);
    Hdf5ErrorPrintingOff quiet;
    ParallelFileWriter writer(comm, temp_path, local.chunk_bytes);
    created = true;
    write_contents(writer, local, metrics, tuning, layout, comm.is_root());
    writer.close();
  } catch (const AgreedError& e) {  // a failed transfer (full disk): every rank is here
    error = mpi::LocalError{e.code(), output_error(final_path, e.what())};
  } catch (const std::exception& e) {
    // Not being able to create the file is the user's output path; anything later is ours.
    error = mpi::LocalError{created ? ExitCode::kInternal : ExitCode::kBadInput,
                            output_error(final_path, e.what())};
  }
  agree_or_discard(comm, temp_path, error);

  if (comm.is_root()) error = publish(temp_path, final_path);
  agree_or_discard(comm, temp_path, error);
}

void check_output_writable(const mpi::Communicator& comm, const std::string& final_path) {
  const std::string reason =
      comm.broadcast_string(comm.is_root() ? why_not_writable(final_path) : std::string(), 0);
  if (!reason.empty()) throw AgreedError(ExitCode::kBadInput, output_error(final_path, reason));
}

}  // namespace sceneals::io
