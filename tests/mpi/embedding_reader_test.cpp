// The parallel embedding-file reader, checked against closed forms: a small model whose every
// value is a formula of (global row, column, scene) is written with io::write_embedding_file, then
// read back on 1, 2 or 4 ranks under every grid the rank count allows; each rank checks every
// value it receives against the formula, and the item lists against the active flags' formula.
// The id comparison is checked against hand-made catalogues with one id added or two removed,
// the id matching of a warm start against a brute-force lookup, and files that are not SceneALS
// embedding files must give the agreed exit-1 errors.
#include "io/embedding_reader.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <string>
#include <vector>

#include "io/embedding_writer.h"
#include "io/hdf5_handle.h"
#include "io/id_hash.h"
#include "io/line_parser.h"
#include "mpi/error.h"
#include "mpi_test_support.h"

namespace sceneals::io {
namespace {

using testing::expect_agreed_error;

constexpr int kFactors = 3;
constexpr std::int64_t kUsers = 23;
constexpr std::int64_t kItems = 17;
const std::vector<std::string> kScenes = {"alpha", "beta", "gamma"};

std::string user_id(std::int64_t n) { return "user-" + std::to_string(n); }
std::string item_id(std::int64_t n) {
  return "item-" + std::string(n % 3, '#') + std::to_string(n);
}

/// The ids in row order, as the catalogues number them.
std::vector<std::string> ids_in_row_order(std::int64_t n, std::string (*id)(std::int64_t)) {
  std::vector<std::string> ids;
  for (std::int64_t i = 0; i < n; ++i) ids.push_back(id(i));
  sort_ids_in_row_order(ids);
  return ids;
}

// The model as a function of global rows (scenes numbered from 1).
float user_value(std::int64_t row, std::int64_t col, std::int64_t s) {
  return static_cast<float>(row * 100 + col * 10 + s) + 0.25f;
}
float item_value(std::int64_t row, std::int64_t col, std::int64_t s) {
  return -static_cast<float>(row * 100 + col * 10 + s) - 0.5f;
}
bool item_active(std::int64_t row, std::int64_t s) { return (row * s + 1) % 3 != 0; }

/// The whole model on rank 0, nothing on the others (the writer's tiling is not under test).
EmbeddingFileContent model_content(const mpi::Communicator& comm) {
  const bool all = comm.is_root();
  const std::int64_t users = all ? kUsers : 0, items = all ? kItems : 0;
  EmbeddingFileContent c;
  c.n_users = kUsers;
  c.n_items = kItems;
  c.factors = kFactors;
  if (all) {
    c.user_ids = ids_in_row_order(kUsers, user_id);
    c.item_ids = ids_in_row_order(kItems, item_id);
  }
  c.shared_user_factors = FactorMatrix::Constant(users, kFactors, 7.0f);
  for (std::int64_t s = 1; s <= static_cast<std::int64_t>(kScenes.size()); ++s) {
    SceneEmbeddingBlock scene;
    scene.name = kScenes[static_cast<std::size_t>(s - 1)];
    scene.user_factors.resize(users, kFactors + 1);
    for (std::int64_t u = 0; u < users; ++u)
      for (std::int64_t col = 0; col <= kFactors; ++col)
        scene.user_factors(u, col) = user_value(u, col, s);
    scene.user_rows_total = kUsers;  // every user active in every scene
    for (std::int64_t u = 0; u < users; ++u) scene.user_index.push_back(u);
    scene.item_factors = FactorMatrix::Zero(items, kFactors + 1);
    for (std::int64_t i = 0; i < items; ++i) {
      scene.item_active.push_back(item_active(i, s) ? 1 : 0);
      if (item_active(i, s))
        for (std::int64_t col = 0; col <= kFactors; ++col)
          scene.item_factors(i, col) = item_value(i, col, s);
    }
    c.scenes.push_back(std::move(scene));
  }
  return c;
}

/// A catalogue of `ids` (any order, repeats allowed) for this rank's shard, as sharding builds
/// it: global rows in (hash, id) order, shard s holding the ids of hash range s.
Catalogue make_catalogue(const mpi::ProcessGrid& grid, std::vector<std::string> ids) {
  sort_ids_in_row_order(ids);
  Catalogue c;
  c.shard = grid.shard;
  c.shard_begin.assign(static_cast<std::size_t>(grid.plan.user_shards) + 1, 0);
  for (const std::string& id : ids) {
    const int shard = hash_range_part(hash_id(id), grid.plan.user_shards);
    ++c.shard_begin[static_cast<std::size_t>(shard) + 1];
    if (shard == grid.shard) c.ids.push_back(id);
  }
  for (std::size_t s = 1; s < c.shard_begin.size(); ++s) c.shard_begin[s] += c.shard_begin[s - 1];
  return c;
}

/// Every grid of this world size: 1 x n, and 2 x n/2 when the size is even.
std::vector<int> group_counts(int world_size) {
  std::vector<int> groups = {1};
  if (world_size % 2 == 0) groups.push_back(2);
  return groups;
}

mpi::ProcessGrid grid_with(const mpi::Communicator& world, int groups) {
  return mpi::make_process_grid(world, mpi::plan_process_grid(world.size(), {30, 20, 10}, groups));
}

TEST(EmbeddingReader, EveryValueIsTheFormulaOfItsRow) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string path = testing::shared_scratch_dir(world, "reader") + "/model.h5";
  write_embedding_file(world, path, model_content(world));
  const std::vector<std::string> all_users = ids_in_row_order(kUsers, user_id);
  const std::vector<std::string> all_items = ids_in_row_order(kItems, item_id);

  for (int groups : group_counts(world.size())) {
    SCOPED_TRACE("scene groups " + std::to_string(groups));
    const mpi::ProcessGrid grid = grid_with(world, groups);
    const Catalogue users = make_catalogue(grid, all_users);
    const Catalogue items = make_catalogue(grid, all_items);
    const EmbeddingFileReader reader(world, path);
    EXPECT_EQ(reader.n_users(), kUsers);
    EXPECT_EQ(reader.n_items(), kItems);
    EXPECT_EQ(reader.scenes(), kScenes);
    EXPECT_FALSE(reader.compare_ids(grid, users, items).has_value());
    // The split's scenes may be fewer than the model's: read beta and gamma only.
    const std::vector<std::string> wanted = {"beta", "gamma"};
    const std::vector<SceneFactors> scenes = reader.read_scenes(grid, users, items, wanted);

    std::vector<int> expected_scenes;
    for (std::size_t s = 0; s < wanted.size(); ++s)
      if (grid.plan.group_of_scene[s] == grid.group) expected_scenes.push_back(static_cast<int>(s));
    std::vector<int> got_scenes;
    for (const SceneFactors& scene : scenes) got_scenes.push_back(scene.scene);
    EXPECT_EQ(got_scenes, expected_scenes);

    for (const SceneFactors& scene : scenes) {
      const std::int64_t s = scene.scene + 2;  // beta is scene 2 of the model's formulas
      ASSERT_EQ(scene.shard_users.rows(), users.size());
      ASSERT_EQ(scene.shard_users.cols(), kFactors + 1);
      for (std::int64_t u = 0; u < users.size(); ++u)
        for (std::int64_t col = 0; col <= kFactors; ++col)
          EXPECT_EQ(scene.shard_users(u, col), user_value(users.row_begin() + u, col, s))
              << "scene " << s << " user row " << users.row_begin() + u << " column " << col;
      std::vector<std::int64_t> active;
      for (std::int64_t i = 0; i < kItems; ++i)
        if (item_active(i, s)) active.push_back(i);
      EXPECT_EQ(scene.item_rows, active) << "scene " << s;
      ASSERT_EQ(scene.items.rows(), static_cast<std::int64_t>(scene.item_rows.size()));
      ASSERT_EQ(scene.items.cols(), kFactors + 1);
      for (std::size_t p = 0; p < scene.item_rows.size(); ++p)
        for (std::int64_t col = 0; col <= kFactors; ++col)
          EXPECT_EQ(scene.items(static_cast<Eigen::Index>(p), col),
                    item_value(scene.item_rows[p], col, s))
              << "scene " << s << " item row " << scene.item_rows[p] << " column " << col;
    }

    const AgreedError e = expect_agreed_error([&] {
      reader.read_scenes(grid, users, items, {"alpha", "delta"});
    });
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_EQ(std::string(e.what()),
              path +
                  ": the model has no scene 'delta' of the split (its scenes: alpha, beta, "
                  "gamma)");
  }
}

TEST(EmbeddingReader, IdsMissingOnEitherSideAreNamed) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string path = testing::shared_scratch_dir(world, "reader-ids") + "/model.h5";
  write_embedding_file(world, path, model_content(world));
  std::vector<std::string> all_users = ids_in_row_order(kUsers, user_id);
  const std::vector<std::string> all_items = ids_in_row_order(kItems, item_id);

  for (int groups : group_counts(world.size())) {
    SCOPED_TRACE("scene groups " + std::to_string(groups));
    const mpi::ProcessGrid grid = grid_with(world, groups);
    const EmbeddingFileReader reader(world, path);
    const Catalogue items = make_catalogue(grid, all_items);

    // One user more in the split: it is named, with its row in the split's catalogue.
    std::vector<std::string> more = all_users;
    more.push_back("newcomer");
    std::optional<IdMismatch> m = reader.compare_ids(grid, make_catalogue(grid, more), items);
    ASSERT_TRUE(m.has_value());
    sort_ids_in_row_order(more);
    EXPECT_EQ(m->side, "user");
    EXPECT_EQ(m->id, "newcomer");
    EXPECT_TRUE(m->in_split);
    EXPECT_EQ(m->row, std::find(more.begin(), more.end(), "newcomer") - more.begin());
    EXPECT_EQ(m->split_only, 1);
    EXPECT_EQ(m->model_only, 0);

    // Two users fewer: the first of them in row order is named.
    std::vector<std::string> fewer;
    for (const std::string& id : all_users)
      if (id != "user-3" && id != "user-11") fewer.push_back(id);
    m = reader.compare_ids(grid, make_catalogue(grid, fewer), items);
    ASSERT_TRUE(m.has_value());
    const auto first_of = [&](const std::string& a, const std::string& b) {
      return std::find(all_users.begin(), all_users.end(), a) <
                     std::find(all_users.begin(), all_users.end(), b)
                 ? a
                 : b;
    };
    EXPECT_EQ(m->id, first_of("user-3", "user-11"));
    EXPECT_FALSE(m->in_split);
    EXPECT_EQ(m->split_only, 0);
    EXPECT_EQ(m->model_only, 2);

    // Same number of users, one swapped: both counts are 1 and the split's id is named.
    std::vector<std::string> swapped = fewer;
    swapped.push_back("user-3");
    swapped.push_back("stranger");
    m = reader.compare_ids(grid, make_catalogue(grid, swapped), items);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->id, "stranger");
    EXPECT_TRUE(m->in_split);
    EXPECT_EQ(m->split_only, 1);
    EXPECT_EQ(m->model_only, 1);

    // The users match, an item is missing from the split.
    std::vector<std::string> items_less(all_items.begin() + 1, all_items.end());
    m = reader.compare_ids(grid, make_catalogue(grid, all_users), make_catalogue(grid, items_less));
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->side, "item");
    EXPECT_EQ(m->id, all_items.front());
    EXPECT_FALSE(m->in_split);
    EXPECT_EQ(m->model_only, 1);
  }
}

// match_ids against a brute-force lookup: a catalogue with some of the file's users, and ids
// the file lacks, in another row numbering. Every id of every shard must find its file row (or
// -1), and the counts must be the set differences, on every grid.
TEST(EmbeddingReader, MatchIdsFindsEveryIdsFileRowWhateverTheNumbering) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string path = testing::shared_scratch_dir(world, "reader-match") + "/model.h5";
  write_embedding_file(world, path, model_content(world));
  const std::vector<std::string> file_users = ids_in_row_order(kUsers, user_id);
  std::vector<std::string> catalogue_users;  // every third user gone, five new ones
  for (std::int64_t n = 0; n < kUsers; ++n)
    if (n % 3 != 1) catalogue_users.push_back(user_id(n));
  for (int n = 0; n < 5; ++n) catalogue_users.push_back("new-" + std::to_string(n));
  const std::int64_t gone = (kUsers + 1) / 3;

  for (int groups : group_counts(world.size())) {
    SCOPED_TRACE("scene groups " + std::to_string(groups));
    const mpi::ProcessGrid grid = grid_with(world, groups);
    const EmbeddingFileReader reader(world, path);
    const Catalogue users = make_catalogue(grid, catalogue_users);
    const IdMatch match = reader.match_ids(grid, "user", users);
    ASSERT_EQ(match.model_rows.size(), users.ids.size());
    for (std::size_t i = 0; i < users.ids.size(); ++i) {
      const auto at = std::find(file_users.begin(), file_users.end(), users.ids[i]);
      const std::int64_t expected = at == file_users.end() ? -1 : at - file_users.begin();
      EXPECT_EQ(match.model_rows[i], expected) << users.ids[i];
    }
    EXPECT_EQ(match.matched, kUsers - gone);
    EXPECT_EQ(match.catalogue_only, 5);
    EXPECT_EQ(match.model_only, gone);

    // The items match one for one.
    const Catalogue items = make_catalogue(grid, ids_in_row_order(kItems, item_id));
    const IdMatch same = reader.match_ids(grid, "item", items);
    for (std::size_t i = 0; i < items.ids.size(); ++i)
      EXPECT_EQ(same.model_rows[i], items.row_begin() + static_cast<std::int64_t>(i));
    EXPECT_EQ(same.matched, kItems);
    EXPECT_EQ(same.catalogue_only + same.model_only, 0);
  }
}

// A file that holds an id twice is damaged: the agreed error names the file and the id.
TEST(EmbeddingReader, MatchIdsRefusesAnIdTheFileHoldsTwice) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string path = testing::shared_scratch_dir(world, "reader-twice") + "/model.h5";
  EmbeddingFileContent content = model_content(world);
  if (world.is_root()) content.user_ids[5] = content.user_ids[4];
  write_embedding_file(world, path, content);
  const mpi::ProcessGrid grid = grid_with(world, 1);
  const EmbeddingFileReader reader(world, path);
  const AgreedError e = expect_agreed_error([&] {
    reader.match_ids(grid, "user", make_catalogue(grid, ids_in_row_order(kUsers, user_id)));
  });
  EXPECT_NE(std::string(e.what()).find(path + ": /users/id holds the user id '" +
                                       ids_in_row_order(kUsers, user_id)[4] + "' twice"),
            std::string::npos)
      << e.what();
}

/// Rank 0 replaces dataset `name` of the file at `path` by a chunked one of `type` and `dims`
/// (serial HDF5), writing `values` when given; unwritten, it declares data the file lacks.
void replace_dataset_on_root(const mpi::Communicator& comm, const std::string& path,
                             const std::string& name, hid_t type, std::vector<hsize_t> dims,
                             const void* values) {
  if (comm.is_root()) {
    FileHandle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    H5Ldelete(file.get(), name.c_str(), H5P_DEFAULT);
    DataspaceHandle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    PropertyListHandle create(H5Pcreate(H5P_DATASET_CREATE));
    const std::vector<hsize_t> chunk(dims.size(), 1);
    H5Pset_chunk(create.get(), static_cast<int>(chunk.size()), chunk.data());
    DatasetHandle data(H5Dcreate2(file.get(), name.c_str(), type, space.get(), H5P_DEFAULT,
                                  create.get(), H5P_DEFAULT));
    if (values != nullptr) H5Dwrite(data.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
  }
  comm.barrier();
}

// Found by tests/fuzz/embedding_reader_fuzzer: a well-formed file that declares 2^31 ids (a
// chunked dataset never written) made the reader allocate 24 GiB to read them.
TEST(EmbeddingReader, DatasetsLargerThanTheFileHoldsAreRefused) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "reader-declared");
  const auto error_of = [&](const std::string& path, const auto& read) {
    const AgreedError e = expect_agreed_error([&] { read(EmbeddingFileReader(world, path)); });
    EXPECT_EQ(e.code(), ExitCode::kBadInput) << e.what();
    return std::string(e.what());
  };
  const auto open_only = [](const EmbeddingFileReader&) {};
  DatatypeHandle id_type(H5Tcopy(H5T_C_S1));
  H5Tset_size(id_type.get(), 12);

  const std::string many_ids = dir + "/many_ids.h5";
  write_embedding_file(world, many_ids, model_content(world));
  replace_dataset_on_root(world, many_ids, "/users/id", id_type.get(), {hsize_t{1} << 31}, nullptr);
  EXPECT_EQ(error_of(many_ids, open_only),
            many_ids + ": /users/id has shape [2147483648] but the file does not hold its data");

  // Ids as wide as the writer never makes them (it refuses ids over kMaxIdBytes).
  const std::string wide_ids = dir + "/wide_ids.h5";
  write_embedding_file(world, wide_ids, model_content(world));
  H5Tset_size(id_type.get(), kMaxIdBytes + 1);
  const std::string values(static_cast<std::size_t>(kItems) * (kMaxIdBytes + 1), 'i');
  replace_dataset_on_root(world, wide_ids, "/items/id", id_type.get(), {kItems}, values.data());
  EXPECT_EQ(error_of(wide_ids, open_only),
            wide_ids + ": /items/id holds strings of 1025 bytes; ids are at most 1024");

  // A scene's factors with 2^31 columns, declared and never written.
  const std::string many_columns = dir + "/many_columns.h5";
  write_embedding_file(world, many_columns, model_content(world));
  replace_dataset_on_root(world, many_columns, "/scenes/beta/user_factors", H5T_NATIVE_FLOAT,
                          {kUsers, hsize_t{1} << 31}, nullptr);
  const mpi::ProcessGrid grid = grid_with(world, 1);
  const Catalogue users = make_catalogue(grid, ids_in_row_order(kUsers, user_id));
  const Catalogue items = make_catalogue(grid, ids_in_row_order(kItems, item_id));
  EXPECT_EQ(error_of(many_columns,
                     [&](const EmbeddingFileReader& reader) {
                       reader.read_scenes(grid, users, items, kScenes);
                     }),
            many_columns +
                ": /scenes/beta/user_factors has shape [23, 2147483648] but the file "
                "does not hold its data");
}

// Found by tests/fuzz/embedding_reader_fuzzer: the model's scene names went into the message
// as they were, a newline in one breaking the one-line error.
TEST(EmbeddingReader, SceneNamesFromTheFileKeepTheMessageOneShortLine) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string path = testing::shared_scratch_dir(world, "reader-names") + "/model.h5";
  write_embedding_file(world, path, model_content(world));
  if (world.is_root()) {
    FileHandle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    const std::string odd = "gam\nma" + std::string(100, 'a');
    H5Lmove(file.get(), "/scenes/gamma", file.get(), ("/scenes/" + odd).c_str(), H5P_DEFAULT,
            H5P_DEFAULT);
    for (int s = 0; s < 10; ++s)  // more scenes than a message names
      H5Gclose(H5Gcreate2(file.get(), ("/scenes/z" + std::to_string(s)).c_str(), H5P_DEFAULT,
                          H5P_DEFAULT, H5P_DEFAULT));
  }
  world.barrier();
  const mpi::ProcessGrid grid = grid_with(world, 1);
  const EmbeddingFileReader reader(world, path);
  const AgreedError e = expect_agreed_error([&] {
    reader.read_scenes(grid, make_catalogue(grid, ids_in_row_order(kUsers, user_id)),
                       make_catalogue(grid, ids_in_row_order(kItems, item_id)), {"delta"});
  });
  EXPECT_EQ(std::string(e.what()), path +
                                       ": the model has no scene 'delta' of the split (its "
                                       "scenes: alpha, beta, gam?ma" +
                                       std::string(34, 'a') +
                                       "..., z0, z1, z2, z3, z4, ... (13 in all))");
}

/// Rank 0 writes an HDF5 file with serial HDF5: the given root attributes and one dataset.
void write_foreign_file(const mpi::Communicator& comm, const std::string& path, const char* format,
                        std::int64_t version) {
  if (comm.is_root()) {
    FileHandle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    const hsize_t dims[1] = {4};
    DataspaceHandle space(H5Screate_simple(1, dims, nullptr));
    const int values[4] = {1, 2, 3, 4};
    DatasetHandle data(H5Dcreate2(file.get(), "/values", H5T_STD_I32LE, space.get(), H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT));
    H5Dwrite(data.get(), H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    DataspaceHandle scalar(H5Screate(H5S_SCALAR));
    if (format != nullptr) {
      DatatypeHandle text(H5Tcopy(H5T_C_S1));
      H5Tset_size(text.get(), std::string(format).size());
      AttributeHandle a(
          H5Acreate2(file.get(), "format", text.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT));
      H5Awrite(a.get(), text.get(), format);
    }
    AttributeHandle v(H5Acreate2(file.get(), "format_version", H5T_STD_I64LE, scalar.get(),
                                 H5P_DEFAULT, H5P_DEFAULT));
    H5Awrite(v.get(), H5T_NATIVE_INT64, &version);
  }
  comm.barrier();
}

TEST(EmbeddingReader, FilesThatAreNotOursGiveAgreedExitOne) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string dir = testing::shared_scratch_dir(world, "reader-bad");
  const auto error_of = [&](const std::string& path) {
    const AgreedError e = expect_agreed_error([&] { EmbeddingFileReader reader(world, path); });
    EXPECT_EQ(e.code(), ExitCode::kBadInput) << e.what();
    return std::string(e.what());
  };

  write_foreign_file(world, dir + "/v3.h5", kEmbeddingFormat, 3);
  EXPECT_EQ(error_of(dir + "/v3.h5"),
            dir + "/v3.h5: format_version 3 is not supported (this program reads 1 to 2)");
  write_foreign_file(world, dir + "/v0.h5", kEmbeddingFormat, 0);
  EXPECT_EQ(error_of(dir + "/v0.h5"),
            dir + "/v0.h5: format_version 0 is not supported (this program reads 1 to 2)");
  write_foreign_file(world, dir + "/other.h5", "something-else", 1);
  EXPECT_EQ(error_of(dir + "/other.h5"), dir + "/other.h5: not a SceneALS embedding file");
  write_foreign_file(world, dir + "/plain.h5", nullptr, 1);
  EXPECT_EQ(error_of(dir + "/plain.h5"), dir + "/plain.h5: not a SceneALS embedding file");
  // Our format and version, but not our layout.
  write_foreign_file(world, dir + "/hollow.h5", kEmbeddingFormat, 1);
  EXPECT_EQ(error_of(dir + "/hollow.h5"), dir + "/hollow.h5: /users/id is missing");

  testing::write_file_on_root(world, dir + "/text.h5", "user,item,scene\n");
  EXPECT_EQ(error_of(dir + "/text.h5"), dir + "/text.h5: not an HDF5 file");
  EXPECT_EQ(error_of(dir + "/absent.h5"),
            "cannot open model '" + dir + "/absent.h5': No such file or directory");
}

}  // namespace
}  // namespace sceneals::io
