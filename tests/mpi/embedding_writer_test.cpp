// The collective HDF5 writer, checked the rabit way: every rank builds its blocks of a small model
// whose every value is a closed-form function of (row, column, scene), with rows split unevenly
// (some rank holds no rows of each dataset when there are 2 or more ranks); rank 0 then reopens
// the file with serial HDF5 and compares every shape, type and value with the formulas.
// SCENEALS_KEEP_EMBEDDING_FILE=/some/file.h5 keeps a copy (for tests/e2e/check_embedding_file.py).
// The /metrics datasets hold rank 0's records, whatever the other ranks hold.
#include "io/embedding_writer.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "io/hdf5_handle.h"
#include "mpi/error.h"
#include "tests/mpi/mpi_test_support.h"

namespace sceneals::io {
namespace {

using testing::expect_agreed_error;

constexpr int kFactors = 3;
constexpr std::int64_t kUsers = 11;
constexpr std::int64_t kItems = 7;
const std::vector<std::string> kScenes = {"alpha", "beta", "gamma"};

// ---- the model, in closed form (scene numbers start at 1; 0 means the shared factors) -------

float user_value(std::int64_t u, std::int64_t c, std::int64_t s) {
  return static_cast<float>(u * 1000 + c * 10 + s);
}
float item_value(std::int64_t i, std::int64_t c, std::int64_t s) {
  return -static_cast<float>(i * 1000 + c * 10 + s);
}
float bridge_value(std::int64_t r, std::int64_t c, std::int64_t s) {
  return static_cast<float>(r * 100 + c * 10 + s) + 0.5f;
}
bool user_active(std::int64_t u, std::int64_t s) { return (u + s) % 3 != 0; }
bool item_active(std::int64_t i, std::int64_t s) { return (i + 2 * s) % 4 != 0; }
// Different lengths, so the fixed string length must be the longest id of any rank.
std::string user_id(std::int64_t u) {
  return "user-" + std::string(static_cast<std::size_t>(u % 4), 'x') + std::to_string(u);
}
std::string item_id(std::int64_t i) {
  return i == 3 ? "it\xc3\xa9m-3" : "item-" + std::to_string(i);  // one non-ASCII id
}
/// The rank that holds scene s's bridge: alpha on the last rank, beta on rank 0, gamma nowhere.
int bridge_holder(std::int64_t s, int ranks) { return s == 1 ? ranks - 1 : s == 2 ? 0 : -1; }

float expected_scene_user(std::int64_t u, std::int64_t c, std::int64_t s) {
  return c == kFactors ? 1.0f : user_value(u, c, s);
}
float expected_scene_item(std::int64_t i, std::int64_t c, std::int64_t s) {
  return item_active(i, s) ? item_value(i, c, s) : 0.0f;
}

/// An uneven split: rank r gets a share proportional to (r + rotation) % ranks, so with two or
/// more ranks one rank holds nothing, and which one changes with `rotation`.
struct Block {
  std::int64_t begin = 0;
  std::int64_t rows = 0;
};
Block uneven_block(std::int64_t n, int ranks, int rank, int rotation) {
  if (ranks == 1) return {0, n};
  const std::int64_t total_weight = std::int64_t{ranks} * (ranks - 1) / 2;
  std::int64_t weight_before = 0;
  for (int q = 0; q < rank; ++q) weight_before += (q + rotation) % ranks;
  const std::int64_t weight = (rank + rotation) % ranks;
  const std::int64_t begin = n * weight_before / total_weight;
  return {begin, n * (weight_before + weight) / total_weight - begin};
}

template <class Fn>
FactorMatrix matrix(Block b, std::int64_t columns, Fn&& value) {
  FactorMatrix m(b.rows, columns);
  for (std::int64_t r = 0; r < b.rows; ++r)
    for (std::int64_t c = 0; c < columns; ++c) m(r, c) = value(b.begin + r, c);
  return m;
}

std::vector<std::pair<std::string, AttributeValue>> model_attributes() {
  return {{"factors", std::int64_t{kFactors}},
          {"lambda", 0.125},
          {"feedback", std::string("implicit")},
          {"configuration", std::string("factors = 3\nlambda = 0.125\n")},
          {"empty", std::string()}};
}

/// A model of `users` users and kItems items with this rank's blocks of the ids and the
/// attributes, and nothing else yet.
EmbeddingFileContent model_with_ids(const mpi::Communicator& comm, std::int64_t users) {
  const int n = comm.size(), r = comm.rank();
  EmbeddingFileContent c;
  c.n_users = users;
  c.n_items = kItems;
  c.factors = kFactors;
  const Block user_ids = uneven_block(users, n, r, 0);
  c.user_id_begin = user_ids.begin;
  for (std::int64_t u = user_ids.begin; u < user_ids.begin + user_ids.rows; ++u)
    c.user_ids.push_back(user_id(u));
  const Block item_ids = uneven_block(kItems, n, r, 1);
  c.item_id_begin = item_ids.begin;
  for (std::int64_t i = item_ids.begin; i < item_ids.begin + item_ids.rows; ++i)
    c.item_ids.push_back(item_id(i));
  c.attributes = model_attributes();
  return c;
}

EmbeddingFileContent local_model(const mpi::Communicator& comm) {
  const int n = comm.size(), r = comm.rank();
  EmbeddingFileContent c = model_with_ids(comm, kUsers);
  const Block shared = uneven_block(kUsers, n, r, 2);
  c.shared_row_begin = shared.begin;
  c.shared_user_factors = matrix(
      shared, kFactors, [](std::int64_t u, std::int64_t col) { return user_value(u, col, 0); });
  for (std::int64_t s = 1; s <= static_cast<std::int64_t>(kScenes.size()); ++s) {
    SceneEmbeddingBlock scene;
    scene.name = kScenes[s - 1];
    // The scene stores its active users only: this rank's block of the users, those of them
    // active, after the active users of the blocks before it.
    const Block users = uneven_block(kUsers, n, r, static_cast<int>(2 + s));
    for (std::int64_t u = 0; u < kUsers; ++u) {
      scene.user_rows_total += user_active(u, s) ? 1 : 0;
      scene.user_row_begin += user_active(u, s) && u < users.begin ? 1 : 0;
    }
    for (std::int64_t u = users.begin; u < users.begin + users.rows; ++u)
      if (user_active(u, s)) scene.user_index.push_back(u);
    scene.user_factors.resize(static_cast<Eigen::Index>(scene.user_index.size()), kFactors + 1);
    for (std::size_t p = 0; p < scene.user_index.size(); ++p)
      for (std::int64_t col = 0; col <= kFactors; ++col)
        scene.user_factors(static_cast<Eigen::Index>(p), col) =
            expected_scene_user(scene.user_index[p], col, s);
    const Block items = uneven_block(kItems, n, r, static_cast<int>(5 + s));
    scene.item_row_begin = items.begin;
    scene.item_factors = matrix(items, kFactors + 1, [s](std::int64_t i, std::int64_t col) {
      return expected_scene_item(i, col, s);
    });
    for (std::int64_t i = items.begin; i < items.begin + items.rows; ++i)
      scene.item_active.push_back(item_active(i, s) ? 1 : 0);
    if (bridge_holder(s, n) == r)
      scene.bridge = matrix({0, kFactors + 1}, kFactors, [s](std::int64_t row, std::int64_t col) {
        return bridge_value(row, col, s);
      });
    c.scenes.push_back(std::move(scene));
  }
  return c;
}

// ---- a serial reader, independent of the writer ------------------------------------------

/// Shape, on-disk type and contents of one dataset, read with the default (serial) driver.
template <class T>
struct Read {
  std::vector<hsize_t> dims;
  bool type_ok = false;
  bool contiguous = false;
  std::vector<T> values;
};

template <class T>
Read<T> read_dataset(hid_t file, const std::string& path, hid_t expected_type, hid_t memory_type) {
  Read<T> out;
  DatasetHandle dataset(check_hdf5(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "H5Dopen2", path));
  DataspaceHandle space(check_hdf5(H5Dget_space(dataset.get()), "H5Dget_space", path));
  out.dims.resize(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space.get())));
  H5Sget_simple_extent_dims(space.get(), out.dims.data(), nullptr);
  DatatypeHandle type(check_hdf5(H5Dget_type(dataset.get()), "H5Dget_type", path));
  out.type_ok = H5Tequal(type.get(), expected_type) > 0;
  PropertyListHandle create(check_hdf5(H5Dget_create_plist(dataset.get()), "plist", path));
  out.contiguous = H5Pget_layout(create.get()) == H5D_CONTIGUOUS;
  hsize_t count = 1;
  for (hsize_t d : out.dims) count *= d;
  // A fixed-length string element is several chars wide; a number is one T.
  out.values.resize(static_cast<std::size_t>(count) * (H5Tget_size(memory_type) / sizeof(T)));
  if (count > 0)
    check_hdf5(
        H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()),
        "H5Dread", path);
  return out;
}

/// Fixed-length NUL-padded strings of the expected width, unpadded.
std::vector<std::string> read_ids(hid_t file, const std::string& path, std::size_t width) {
  DatatypeHandle expected(H5Tcopy(H5T_C_S1));
  H5Tset_size(expected.get(), width);
  H5Tset_strpad(expected.get(), H5T_STR_NULLPAD);
  H5Tset_cset(expected.get(), H5T_CSET_UTF8);
  Read<char> raw = read_dataset<char>(file, path, expected.get(), expected.get());
  EXPECT_TRUE(raw.type_ok) << path << " is not a NUL-padded UTF-8 string of width " << width;
  std::vector<std::string> ids;
  if (raw.dims.size() != 1) return ids;
  for (hsize_t r = 0; r < raw.dims[0]; ++r) {
    std::string id(raw.values.data() + r * width, width);
    ids.push_back(id.substr(0, id.find('\0')));
  }
  return ids;
}

std::string read_string_attribute(hid_t file, const char* name) {
  AttributeHandle attribute(check_hdf5(H5Aopen(file, name, H5P_DEFAULT), "H5Aopen", name));
  DatatypeHandle type(H5Aget_type(attribute.get()));
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) != 0)
    return "<not a fixed-length string>";
  std::string text(H5Tget_size(type.get()), '\0');
  H5Aread(attribute.get(), type.get(), text.data());
  return text.substr(0, text.find('\0'));
}

template <class T>
T read_scalar_attribute(hid_t file, const char* name, hid_t expected_type, hid_t memory_type) {
  AttributeHandle attribute(check_hdf5(H5Aopen(file, name, H5P_DEFAULT), "H5Aopen", name));
  DatatypeHandle type(H5Aget_type(attribute.get()));
  EXPECT_GT(H5Tequal(type.get(), expected_type), 0) << "attribute " << name;
  T value{};
  H5Aread(attribute.get(), memory_type, &value);
  return value;
}

using Dims = std::vector<hsize_t>;

void expect_factors(hid_t file, const std::string& path, std::int64_t rows, std::int64_t cols,
                    float (*expected)(std::int64_t, std::int64_t, std::int64_t), std::int64_t s) {
  const Read<float> read = read_dataset<float>(file, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT);
  EXPECT_TRUE(read.type_ok) << path;
  EXPECT_TRUE(read.contiguous) << path;
  ASSERT_EQ(read.dims, (Dims{static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)})) << path;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c)
      EXPECT_EQ(read.values[static_cast<std::size_t>(r * cols + c)], expected(r, c, s))
          << path << " row " << r << " column " << c;
}

/// The rows of scene `s`'s active users (user_active) and their user_index.
void expect_stored_users(hid_t file, const std::string& group, std::int64_t users, std::int64_t s) {
  std::vector<std::int64_t> active;
  for (std::int64_t u = 0; u < users; ++u)
    if (user_active(u, s)) active.push_back(u);
  const Read<std::int64_t> index =
      read_dataset<std::int64_t>(file, group + "/user_index", H5T_STD_I64LE, H5T_NATIVE_INT64);
  EXPECT_TRUE(index.type_ok) << group;
  EXPECT_EQ(index.values, active) << group + "/user_index";
  const Read<float> rows =
      read_dataset<float>(file, group + "/user_factors", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT);
  const auto width = static_cast<std::size_t>(kFactors + 1);
  ASSERT_EQ(rows.dims, (Dims{active.size(), width})) << group;
  for (std::size_t p = 0; p < active.size(); ++p)
    for (std::size_t c = 0; c < width; ++c)
      EXPECT_EQ(rows.values[p * width + c],
                expected_scene_user(active[p], static_cast<std::int64_t>(c), s))
          << group << "/user_factors row " << p << " column " << c;
}

void expect_flags(hid_t file, const std::string& path, std::int64_t rows,
                  bool (*expected)(std::int64_t, std::int64_t), std::int64_t s) {
  const Read<std::uint8_t> read =
      read_dataset<std::uint8_t>(file, path, H5T_STD_U8LE, H5T_NATIVE_UINT8);
  EXPECT_TRUE(read.type_ok) << path;
  ASSERT_EQ(read.dims, Dims{static_cast<hsize_t>(rows)}) << path;
  for (std::int64_t r = 0; r < rows; ++r)
    EXPECT_EQ(read.values[static_cast<std::size_t>(r)], expected(r, s) ? 1 : 0)
        << path << " row " << r;
}

std::size_t longest_id(std::int64_t n, std::string (*id)(std::int64_t)) {
  std::size_t width = 0;
  for (std::int64_t r = 0; r < n; ++r) width = std::max(width, id(r).size());
  return width;
}

// ---- the /metrics group ------------------------------------------------------------------

/// What rank 0 reports: names with a quote, a backslash and non-ASCII bytes, of various lengths.
std::vector<MetricRecord> rank0_metrics() {
  return {{"alpha", "warm", 5, "precision", 0.25, 12, {}},
          {"a\"b\\c", "cold", 10, "hit_rate", 1.0 / 3.0, 3, {}},
          {"m\xc3\xbasica", "warm", 20, "coverage", 0.0, 9007199254740993, {}},
          {"overall", "cold", 1000, "ndcg", 1e-300, 0, {}}};
}

std::size_t longest_field(const std::vector<MetricRecord>& records,
                          std::string MetricRecord::*field) {
  std::size_t width = 1;
  for (const MetricRecord& r : records) width = std::max(width, (r.*field).size());
  return width;
}

/// `group` (/metrics, or /tuning with its setting column) holds exactly `want`, column by
/// column, with the documented types.
void verify_records(hid_t f, const std::string& group, const std::vector<MetricRecord>& want) {
  const bool tuning = group == "/tuning";
  H5G_info_t info{};
  ASSERT_GE(H5Gget_info_by_name(f, group.c_str(), &info, H5P_DEFAULT), 0);
  EXPECT_EQ(info.nlinks, tuning ? 7u : 6u);
  std::vector<std::string> scenes, cohorts, metrics, settings;
  std::vector<std::int64_t> ks, pairs;
  std::vector<double> values;
  for (const MetricRecord& r : want) {
    scenes.push_back(r.scene);
    cohorts.push_back(r.cohort);
    metrics.push_back(r.metric);
    settings.push_back(r.setting);
    ks.push_back(r.k);
    pairs.push_back(r.pairs);
    values.push_back(r.value);
  }
  EXPECT_EQ(read_ids(f, group + "/scene", longest_field(want, &MetricRecord::scene)), scenes);
  EXPECT_EQ(read_ids(f, group + "/cohort", longest_field(want, &MetricRecord::cohort)), cohorts);
  EXPECT_EQ(read_ids(f, group + "/metric", longest_field(want, &MetricRecord::metric)), metrics);
  if (tuning) {
    EXPECT_EQ(read_ids(f, group + "/setting", longest_field(want, &MetricRecord::setting)),
              settings);
  }
  const Dims rows{static_cast<hsize_t>(want.size())};
  const Read<std::int64_t> k =
      read_dataset<std::int64_t>(f, group + "/k", H5T_STD_I64LE, H5T_NATIVE_INT64);
  EXPECT_TRUE(k.type_ok);
  EXPECT_EQ(k.dims, rows);
  EXPECT_EQ(k.values, ks);
  const Read<std::int64_t> p =
      read_dataset<std::int64_t>(f, group + "/pairs", H5T_STD_I64LE, H5T_NATIVE_INT64);
  EXPECT_TRUE(p.type_ok);
  EXPECT_EQ(p.dims, rows);
  EXPECT_EQ(p.values, pairs);
  const Read<double> v =
      read_dataset<double>(f, group + "/value", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
  EXPECT_TRUE(v.type_ok);
  EXPECT_EQ(v.dims, rows);
  EXPECT_EQ(v.values, values);  // bit-exact
}

/// Rank 0 only; no collective inside, so its ASSERTs may return early. `metrics` and `tuning`:
/// the records /metrics and /tuning must hold; none means no such group.
void verify_file(const std::string& path, int ranks, const std::vector<MetricRecord>& metrics = {},
                 const std::vector<MetricRecord>& tuning = {}) {
  FileHandle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  ASSERT_TRUE(file) << "cannot open " << path;
  const hid_t f = file.get();

  EXPECT_EQ(read_string_attribute(f, "format"), "sceneals-embeddings");
  EXPECT_EQ(
      read_scalar_attribute<std::int64_t>(f, "format_version", H5T_STD_I64LE, H5T_NATIVE_INT64), 2);
  EXPECT_EQ(read_string_attribute(f, "cold_user_rows"), "bridge");
  EXPECT_EQ(read_scalar_attribute<std::int64_t>(f, "factors", H5T_STD_I64LE, H5T_NATIVE_INT64),
            kFactors);
  EXPECT_EQ(read_scalar_attribute<double>(f, "lambda", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE), 0.125);
  EXPECT_EQ(read_string_attribute(f, "feedback"), "implicit");
  EXPECT_EQ(read_string_attribute(f, "configuration"), "factors = 3\nlambda = 0.125\n");
  EXPECT_EQ(read_string_attribute(f, "empty"), "");
  H5O_info_t info{};
  ASSERT_GE(H5Oget_info2(f, &info, H5O_INFO_NUM_ATTRS), 0);
  EXPECT_EQ(info.num_attrs, 8u);  // the five above and format, format_version, cold_user_rows

  std::vector<std::string> users, items;
  for (std::int64_t u = 0; u < kUsers; ++u) users.push_back(user_id(u));
  for (std::int64_t i = 0; i < kItems; ++i) items.push_back(item_id(i));
  EXPECT_EQ(read_ids(f, "/users/id", longest_id(kUsers, user_id)), users);
  EXPECT_EQ(read_ids(f, "/items/id", longest_id(kItems, item_id)), items);

  expect_factors(f, "/shared/user_factors", kUsers, kFactors, user_value, 0);
  H5G_info_t scenes{};
  ASSERT_GE(H5Gget_info_by_name(f, "/scenes", &scenes, H5P_DEFAULT), 0);
  EXPECT_EQ(scenes.nlinks, kScenes.size());
  for (std::int64_t s = 1; s <= static_cast<std::int64_t>(kScenes.size()); ++s) {
    const std::string group = "/scenes/" + kScenes[s - 1];
    expect_stored_users(f, group, kUsers, s);
    expect_factors(f, group + "/item_factors", kItems, kFactors + 1, expected_scene_item, s);
    expect_flags(f, group + "/item_active", kItems, item_active, s);
    const bool has_bridge = bridge_holder(s, ranks) >= 0;
    EXPECT_EQ(H5Lexists(f, (group + "/bridge").c_str(), H5P_DEFAULT) > 0, has_bridge) << group;
    if (has_bridge) expect_factors(f, group + "/bridge", kFactors + 1, kFactors, bridge_value, s);
  }
  if (metrics.empty())
    EXPECT_EQ(H5Lexists(f, "/metrics", H5P_DEFAULT), 0) << "a model without metrics has /metrics";
  else
    verify_records(f, "/metrics", metrics);
  if (tuning.empty())
    EXPECT_EQ(H5Lexists(f, "/tuning", H5P_DEFAULT), 0) << "an untuned model has /tuning";
  else
    verify_records(f, "/tuning", tuning);
}

/// Names in `dir` that a writer must not leave behind: temporary files and probes.
std::vector<std::string> leftovers(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos || name.find(".probe-") != std::string::npos)
      names.push_back(name);
  }
  return names;
}

// ---- tests -------------------------------------------------------------------------------

TEST(EmbeddingWriter, EveryValueLandsWhereTheFormulaSays) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "embedding-writer");
  const std::string path = dir + "/model.h5";
  check_output_writable(world, path);
  write_embedding_file(world, path, local_model(world));
  if (world.is_root()) {
    verify_file(path, world.size());
    EXPECT_EQ(leftovers(dir), std::vector<std::string>{});
    if (const char* keep = std::getenv("SCENEALS_KEEP_EMBEDDING_FILE"))
      std::filesystem::copy_file(path, keep, std::filesystem::copy_options::overwrite_existing);
  }
  world.barrier();

  // Writing again replaces the file (the rename is atomic) and still leaves nothing behind.
  write_embedding_file(world, path, local_model(world));
  if (world.is_root()) {
    verify_file(path, world.size());
    EXPECT_EQ(leftovers(dir), std::vector<std::string>{});
    std::filesystem::remove_all(dir);
  }
  world.barrier();
}

TEST(EmbeddingWriter, MetricsOfRankZeroRoundTrip) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "embedding-metrics");
  const std::string path = dir + "/model.h5";
  EmbeddingFileContent model = local_model(world);
  // Rank 0 holds the records; the last rank (when not 0) holds other ones, which must not be
  // written; the ranks in between hold nothing.
  if (world.is_root())
    model.metrics = rank0_metrics();
  else if (world.rank() == world.size() - 1)
    model.metrics = {{"a-much-longer-scene-name-than-rank-0-has", "warm", 7, "map", 0.5, 1, {}},
                     {"x", "cold", 8, "f1", 0.75, 2, {}}};
  write_embedding_file(world, path, model);
  if (world.is_root()) {
    verify_file(path, world.size(), rank0_metrics());
    EXPECT_EQ(leftovers(dir), std::vector<std::string>{});
  }
  world.barrier();

  // When rank 0 has no records there is no /metrics group, whatever the others hold.
  if (world.is_root()) model.metrics.clear();
  write_embedding_file(world, path, model);
  if (world.is_root()) {
    verify_file(path, world.size());
    std::filesystem::remove_all(dir);
  }
  world.barrier();
}

TEST(EmbeddingWriter, TuningRecordsOfRankZeroRoundTripWithTheirSettings) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "embedding-tuning");
  const std::string path = dir + "/model.h5";
  EmbeddingFileContent model = local_model(world);
  const std::vector<MetricRecord> tuning = {
      {"overall", "warm", 20, "validation_recall", 0.125, 40, "colearn mu=10 lambda=0.1 (rung 0)"},
      {"m\xc3\xbasica", "cold", 20, "chosen_recall", 0.5, 3, "ridge=10 beta=popularity"},
      {"overall", "cold", 20, "popularity_recall", 0.0, 0, ""}};
  // Rank 0's records are written, with their setting column; the last rank's are not.
  if (world.is_root())
    model.tuning = tuning;
  else if (world.rank() == world.size() - 1)
    model.tuning = {
        {"other", "warm", 20, "validation_recall", 1.0, 1, "a longer setting than any"}};
  model.metrics = rank0_metrics();
  write_embedding_file(world, path, model);
  if (world.is_root()) {
    verify_file(path, world.size(), rank0_metrics(), tuning);
    std::filesystem::remove_all(dir);
  }
  world.barrier();
}

TEST(EmbeddingWriter, UnwritableOutputIsRejectedEarlyOnEveryRank) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "embedding-unwritable");
  for (const std::string& path :
       {std::string("/proc/nonexistent/x.h5"), dir + "/no-such-dir/x.h5", dir}) {
    const AgreedError e = expect_agreed_error([&] { check_output_writable(world, path); });
    EXPECT_EQ(e.code(), ExitCode::kBadInput) << path;
    EXPECT_NE(std::string(e.what()).find("cannot write output '" + path + "'"), std::string::npos)
        << e.what();
  }
  // The probe of a writable path is removed again.
  check_output_writable(world, dir + "/fine.h5");
  if (world.is_root()) {
    EXPECT_EQ(leftovers(dir), std::vector<std::string>{});
    EXPECT_FALSE(std::filesystem::exists(dir + "/fine.h5"));
  }
  // Should the early check be skipped, the writer itself fails alike on every rank.
  const std::string missing = dir + "/no-such-dir/model.h5";
  const AgreedError e =
      expect_agreed_error([&] { write_embedding_file(world, missing, local_model(world)); });
  EXPECT_EQ(e.code(), ExitCode::kBadInput);
  EXPECT_NE(std::string(e.what()).find("H5Fcreate"), std::string::npos) << e.what();
  if (world.is_root()) std::filesystem::remove_all(dir);
  world.barrier();
}

/// Writes a model spoilt by `spoil` (applied on every rank) and expects every rank to throw a
/// message containing `expected`, and no file at all in the directory.
template <class Spoil>
void expect_rejected(const std::string& name, Spoil&& spoil, const std::string& expected) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, name);
  EmbeddingFileContent model = local_model(world);
  spoil(world, model);
  const AgreedError e =
      expect_agreed_error([&] { write_embedding_file(world, dir + "/model.h5", model); });
  EXPECT_EQ(e.code(), ExitCode::kInternal);
  EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  if (world.is_root()) {
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << "files left in " << dir;
    std::filesystem::remove_all(dir);
  }
  world.barrier();
}

TEST(EmbeddingWriter, BlocksThatDoNotSumToTheRowCountAreRejected) {
  // The rank holding the last shared row drops it: the blocks cover n_users - 1 rows.
  expect_rejected(
      "embedding-short",
      [](const mpi::Communicator&, EmbeddingFileContent& m) {
        FactorMatrix& f = m.shared_user_factors;
        if (m.shared_row_begin + f.rows() == kUsers && f.rows() > 0)
          f.conservativeResize(f.rows() - 1, Eigen::NoChange);
      },
      "/shared/user_factors: the ranks' blocks hold 10 rows in total, expected n_users = 11");
}

TEST(EmbeddingWriter, BlocksWithAGapAreRejected) {
  // The right number of rows, but the block that should start at row 0 starts at row 1.
  expect_rejected(
      "embedding-gap",
      [](const mpi::Communicator&, EmbeddingFileContent& m) {
        if (m.item_id_begin == 0 && !m.item_ids.empty()) m.item_id_begin = 1;
      },
      "/items/id: the ranks' blocks leave a gap at row 0");
}

TEST(EmbeddingWriter, BridgeOfTheWrongShapeIsRejected) {
  expect_rejected(
      "embedding-bridge",
      [](const mpi::Communicator&, EmbeddingFileContent& m) {
        if (m.scenes[1].bridge) m.scenes[1].bridge->conservativeResize(kFactors, kFactors);
      },
      "/scenes/beta/bridge is 3x3, expected 4x3");
}

TEST(EmbeddingWriter, AttributesThatDifferBetweenRanksAreRejected) {
  const mpi::Communicator world = mpi::Communicator::world();
  if (world.size() == 1) GTEST_SKIP() << "needs two ranks";
  expect_rejected(
      "embedding-attributes",
      [](const mpi::Communicator& comm, EmbeddingFileContent& m) {
        if (comm.rank() == 1) m.attributes[1].second = 0.25;
      },
      "the root attributes of rank 1 differ from rank 0's");
}

// ---- user rows computed as they are written -------------------------------------------------

/// Enough users that a rank's block of a scene spans several of the writer's slabs.
constexpr std::int64_t kManyUsers = 100003;

/// The (first, count) asks a row source got, in order.
using Asks = std::vector<std::pair<std::int64_t, std::int64_t>>;

/// One scene of kManyUsers users; on even ranks its user rows are computed by a function that
/// records its asks in `asks` (and throws on rank `failing_rank`), on odd ranks held dense, so
/// that ranks of both kinds and ranks with no rows (the uneven split) write the dataset together.
EmbeddingFileContent many_user_model(const mpi::Communicator& comm, Asks& asks,
                                     int failing_rank = -1) {
  const int n = comm.size(), r = comm.rank();
  EmbeddingFileContent c = model_with_ids(comm, kManyUsers);
  // The shared rows the other way round: computed on odd ranks, dense on even ones.
  const Block shared = uneven_block(kManyUsers, n, r, 2);
  c.shared_row_begin = shared.begin;
  if (r % 2 == 1)
    c.computed_shared_factors = {shared.rows,
                                 [shared](std::int64_t first, std::int64_t count, float* out) {
                                   for (std::int64_t row = 0; row < count; ++row)
                                     for (std::int64_t col = 0; col < kFactors; ++col)
                                       *out++ = user_value(shared.begin + first + row, col, 0);
                                 }};
  else
    c.shared_user_factors = matrix(
        shared, kFactors, [](std::int64_t u, std::int64_t col) { return user_value(u, col, 0); });
  SceneEmbeddingBlock scene;
  scene.name = kScenes[0];
  const Block users = uneven_block(kManyUsers, n, r, 3);
  scene.user_rows_total = kManyUsers;  // every user active: the stored rows are the users' rows
  scene.user_row_begin = users.begin;
  if (r % 2 == 0) {
    scene.computed_user_factors.rows = users.rows;
    scene.computed_user_factors.fill = [&asks, users, fails = r == failing_rank](
                                           std::int64_t first, std::int64_t count, float* out) {
      if (fails) throw std::runtime_error("no rows today");
      asks.emplace_back(first, count);
      for (std::int64_t row = 0; row < count; ++row)
        for (std::int64_t col = 0; col <= kFactors; ++col)
          *out++ = expected_scene_user(users.begin + first + row, col, 1);
    };
  } else {
    scene.user_factors = matrix(users, kFactors + 1, [](std::int64_t u, std::int64_t col) {
      return expected_scene_user(u, col, 1);
    });
  }
  for (std::int64_t u = users.begin; u < users.begin + users.rows; ++u)
    scene.user_index.push_back(u);
  const Block items = uneven_block(kItems, n, r, 6);
  scene.item_row_begin = items.begin;
  if (r % 2 == 1)  // items like the shared rows
    scene.computed_item_factors = {
        items.rows, [items](std::int64_t first, std::int64_t count, float* out) {
          for (std::int64_t row = 0; row < count; ++row)
            for (std::int64_t col = 0; col <= kFactors; ++col)
              *out++ = expected_scene_item(items.begin + first + row, col, 1);
        }};
  else
    scene.item_factors = matrix(items, kFactors + 1, [](std::int64_t i, std::int64_t col) {
      return expected_scene_item(i, col, 1);
    });
  for (std::int64_t i = items.begin; i < items.begin + items.rows; ++i)
    scene.item_active.push_back(item_active(i, 1) ? 1 : 0);
  c.scenes.push_back(std::move(scene));
  return c;
}

TEST(EmbeddingWriter, UserRowsFromASourceAreAskedForInSlabsAndLandInPlace) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "embedding-row-source");
  const std::string path = dir + "/model.h5";
  Asks asks;
  write_embedding_file(world, path, many_user_model(world, asks));
  // Each row asked for once, in order, and never the whole block at once.
  const Block users = uneven_block(kManyUsers, world.size(), world.rank(), 3);
  if (world.rank() % 2 == 0) {
    std::int64_t next = 0;
    for (const auto& [first, count] : asks) {
      EXPECT_EQ(first, next);
      EXPECT_GT(count, 0);
      EXPECT_LE(count, kManyUsers / 3) << "the source was asked for " << count << " rows at once";
      next = first + count;
    }
    EXPECT_EQ(next, users.rows) << "rank " << world.rank();
  }
  if (world.is_root()) {
    FileHandle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    ASSERT_TRUE(file) << "cannot open " << path;
    expect_factors(file.get(), "/shared/user_factors", kManyUsers, kFactors, user_value, 0);
    expect_factors(file.get(), "/scenes/alpha/user_factors", kManyUsers, kFactors + 1,
                   expected_scene_user, 1);
    expect_factors(file.get(), "/scenes/alpha/item_factors", kItems, kFactors + 1,
                   expected_scene_item, 1);
    std::filesystem::remove_all(dir);
  }
  world.barrier();
}

TEST(EmbeddingWriter, ARowSourceThatThrowsOnOneRankFailsEveryRankAndLeavesNoFile) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "embedding-row-source-fails");
  // The last even rank, which holds rows in every split of uneven_block at rotation 3.
  const int failing = (world.size() - 1) / 2 * 2;
  Asks asks;
  const EmbeddingFileContent model = many_user_model(world, asks, failing);
  const AgreedError e =
      expect_agreed_error([&] { write_embedding_file(world, dir + "/model.h5", model); });
  EXPECT_EQ(e.code(), ExitCode::kInternal);
  EXPECT_NE(std::string(e.what()).find("computing '/scenes/alpha/user_factors'"), std::string::npos)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("no rows today"), std::string::npos) << e.what();
  if (world.is_root()) {
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << "files left in " << dir;
    std::filesystem::remove_all(dir);
  }
  world.barrier();
}

}  // namespace
}  // namespace sceneals::io
