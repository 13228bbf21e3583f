// The embedding-file reader's serving reads (recommend, export), checked against closed forms at
// 1, 2 and 4 ranks: a model whose every value is a formula of its row is written, then every
// rank reads its own scattered rows — overlapping other ranks' rows in part, spread over more
// than one read window — and checks each value. Partly overlapping reads are what Open MPI
// 4.1.4's collective MPI-IO gets wrong (open-mpi/ompi#10546); the reader must not be caught.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <string>
#include <vector>

#include "config/model_settings.h"
#include "io/embedding_reader.h"
#include "io/embedding_writer.h"
#include "io/hdf5_handle.h"
#include "io/serving_scene.h"
#include "io/sharded_data.h"
#include "mpi/error.h"
#include "mpi_test_support.h"

namespace sceneals::io {
namespace {

constexpr int kFactors = 2;
constexpr std::int64_t kUsers = 70001;  // more rows than one read window (65536)
constexpr std::int64_t kItems = 9;

float user_value(std::int64_t row, std::int64_t col) {
  return static_cast<float>(row) + 0.125f * static_cast<float>(col);
}
bool user_active(std::int64_t row) { return row % 5 != 2; }
// z_u and the bridge: small halves and quarters, so that every bridged row is exact in float32.
float shared_value(std::int64_t row, std::int64_t col) {
  return static_cast<float>(row % 7) + 0.5f * static_cast<float>(col);
}
float bridge_value(std::int64_t row, std::int64_t col) {
  return static_cast<float>(row) - 0.25f * static_cast<float>(col);
}
/// The row the scene serves user `row`: its own when active, else [B' [z_u, 1], 1] summed here.
float served_value(std::int64_t row, std::int64_t col) {
  if (user_active(row)) return user_value(row, col);
  if (col == kFactors) return 1.0f;
  double sum = bridge_value(kFactors, col);
  for (std::int64_t i = 0; i < kFactors; ++i) sum += shared_value(row, i) * bridge_value(i, col);
  return static_cast<float>(sum);
}
bool item_active(std::int64_t row) { return row % 3 != 1; }

std::vector<std::string> ids(const char* prefix, std::int64_t n) {
  std::vector<std::string> out;
  for (std::int64_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  sort_ids_in_row_order(out);
  return out;
}

/// The whole model on rank 0 (the writer's tiling is not under test).
EmbeddingFileContent model_content(const mpi::Communicator& comm) {
  const bool all = comm.is_root();
  const std::int64_t users = all ? kUsers : 0, items = all ? kItems : 0;
  EmbeddingFileContent c;
  c.n_users = kUsers;
  c.n_items = kItems;
  c.factors = kFactors;
  if (all) {
    c.user_ids = ids("u", kUsers);
    c.item_ids = ids("i", kItems);
  }
  c.shared_user_factors.resize(users, kFactors);
  for (std::int64_t u = 0; u < users; ++u)
    for (std::int64_t col = 0; col < kFactors; ++col)
      c.shared_user_factors(u, col) = shared_value(u, col);
  SceneEmbeddingBlock scene;
  scene.name = "books";
  for (std::int64_t u = 0; u < kUsers; ++u) scene.user_rows_total += user_active(u) ? 1 : 0;
  for (std::int64_t u = 0; u < users; ++u)
    if (user_active(u)) scene.user_index.push_back(u);
  scene.user_factors.resize(static_cast<Eigen::Index>(scene.user_index.size()), kFactors + 1);
  for (std::size_t p = 0; p < scene.user_index.size(); ++p)
    for (std::int64_t col = 0; col <= kFactors; ++col)
      scene.user_factors(static_cast<Eigen::Index>(p), col) = user_value(scene.user_index[p], col);
  scene.item_factors = FactorMatrix::Zero(items, kFactors + 1);
  for (std::int64_t i = 0; i < items; ++i) {
    scene.item_active.push_back(item_active(i) ? 1 : 0);
    if (item_active(i)) scene.item_factors.row(i).setConstant(static_cast<float>(-i));
  }
  if (all) {
    scene.bridge = FactorMatrix(kFactors + 1, kFactors);
    for (std::int64_t i = 0; i <= kFactors; ++i)
      for (std::int64_t col = 0; col < kFactors; ++col)
        (*scene.bridge)(i, col) = bridge_value(i, col);
  }
  c.scenes.push_back(std::move(scene));
  c.attributes = {{"model_kind", std::string("colearn")},
                  {"lambda", 0.25},
                  {"alpha", 4.0},
                  {"factors", std::int64_t{kFactors}},
                  {"mu", std::string("books=0.500000")},
                  {"configuration", std::string("average-weight = count\nconfidence = log\n"
                                                "epsilon = 2\n")}};
  return c;
}

TEST(ServingReader, ScatteredOverlappingRowsReadTheirValues) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string path = testing::shared_scratch_dir(world, "serving-reader") + "/model.h5";
  write_embedding_file(world, path, model_content(world));
  const EmbeddingFileReader reader(world, path);

  // Rank r: every (r + 2)-th row of a range that ends elsewhere on every rank, on even ranks a
  // run across the first window's end, and the last row; the ranks' spans overlap in part.
  // Rank 1 of 3 or more reads nothing.
  const int r = world.rank();
  std::vector<std::int64_t> rows;
  if (!(world.size() > 2 && r == 1)) {
    for (std::int64_t row = 3 * r; row < 30000 + 7000 * r; row += r + 2) rows.push_back(row);
    if (r % 2 == 0)
      for (std::int64_t row = 65530 + r; row < 65545 + r; ++row) rows.push_back(row);
    rows.push_back(kUsers - 1);
  }
  // The scene stores its active users' rows; the reader computes the others' (format 2).
  const FactorMatrix got = reader.read_user_rows("books", rows);
  const std::vector<std::uint8_t> flags = reader.read_user_active("books", rows);
  ASSERT_EQ(got.rows(), static_cast<Eigen::Index>(rows.size()));
  ASSERT_EQ(flags.size(), rows.size());
  std::int64_t wrong = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::int64_t col = 0; col <= kFactors; ++col)
      wrong += got(static_cast<Eigen::Index>(i), col) != served_value(rows[i], col);
    wrong += flags[i] != (user_active(rows[i]) ? 1 : 0);
  }
  EXPECT_EQ(wrong, 0) << "rank " << r << " of " << world.size();
  // The rows and their flags from one lookup (what recommend and the warm start read).
  std::vector<std::uint8_t> together;
  const FactorMatrix again = reader.read_user_rows("books", rows, &together);
  EXPECT_TRUE(again == got);
  EXPECT_EQ(together, flags);

  // Contiguous ranges, different on every rank and partly overlapping.
  const std::int64_t begin = 1000 * r, count = 2500;
  const FactorMatrix range = reader.read_user_rows("books", begin, count);
  for (std::int64_t i = 0; i < count; ++i)
    for (std::int64_t col = 0; col <= kFactors; ++col)
      EXPECT_EQ(range(i, col), served_value(begin + i, col)) << "row " << begin + i;
  // The stored rows themselves, scattered, through the plain matrix read.
  const std::vector<std::int64_t>& index = reader.stored_users("books");
  const FactorMatrix stored =
      reader.read_matrix_rows("/scenes/books/user_factors", static_cast<std::int64_t>(index.size()),
                              kFactors + 1, std::vector<std::int64_t>{0, 2});
  EXPECT_EQ(stored(1, 0), user_value(index[2], 0));
  const std::vector<std::string> all = ids("u", kUsers);
  EXPECT_EQ(reader.read_id_rows("/users/id", kUsers - 2, 2),
            std::vector<std::string>(all.end() - 2, all.end()));
}

TEST(ServingReader, SceneAttributesAndErrors) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string path = testing::shared_scratch_dir(world, "serving-scene") + "/model.h5";
  write_embedding_file(world, path, model_content(world));
  const EmbeddingFileReader reader(world, path);

  const ServingScene scene = read_serving_scene(reader, "books");
  EXPECT_EQ(scene.k, kFactors);
  EXPECT_EQ(scene.rows, (std::vector<std::int64_t>{0, 2, 3, 5, 6, 8}));
  for (std::size_t p = 0; p < scene.rows.size(); ++p) {
    EXPECT_EQ(scene.items(static_cast<Eigen::Index>(p), 0), -static_cast<float>(scene.rows[p]));
    EXPECT_EQ(scene.position_of_row[static_cast<std::size_t>(scene.rows[p])],
              static_cast<std::int32_t>(p));
  }
  EXPECT_EQ(scene.position_of_row[1], -1);
  EXPECT_EQ(scene.ids, ids("i", kItems));
  ASSERT_TRUE(scene.bridge.has_value());
  EXPECT_EQ((*scene.bridge)(kFactors, kFactors - 1), bridge_value(kFactors, kFactors - 1));

  const config::ModelSettings settings = config::read_model_settings(reader);
  EXPECT_TRUE(settings.missing.empty()) << settings.missing;
  EXPECT_EQ(settings.als.lambda, 0.25f);
  EXPECT_EQ(settings.als.alpha, 4.0f);
  EXPECT_EQ(settings.als.epsilon, 2.0f);
  EXPECT_EQ(settings.als.confidence, solver::ConfidenceKind::kLog);
  EXPECT_TRUE(settings.average_weight_count);
  EXPECT_EQ(settings.mu_of("books"), 0.5f);

  const AgreedError e = testing::expect_agreed_error([&] { read_serving_scene(reader, "films"); });
  EXPECT_EQ(e.code(), ExitCode::kBadInput);
  EXPECT_EQ(std::string(e.what()), path + ": no scene 'films' (its scenes: books)");
  const auto stored = static_cast<std::int64_t>(reader.stored_users("books").size());
  const AgreedError shape = testing::expect_agreed_error(
      [&] { reader.read_matrix_rows("/scenes/books/user_factors", stored, kFactors, 0, 1); });
  EXPECT_EQ(std::string(shape.what()), path + ": /scenes/books/user_factors has shape [" +
                                           std::to_string(stored) + ", 3], expected [" +
                                           std::to_string(stored) + ", 2]");
}

// The user_index is read a block per rank, each block checked, and each block's first value
// against the blocks before it: an index that repeats a user where two ranks' blocks meet (each
// block ascending on its own) is refused, not answered from.
TEST(ServingReader, AnIndexNotAscendingWhereBlocksMeetIsRefused) {
  const mpi::Communicator world = mpi::Communicator::world();
  const std::string path = testing::shared_scratch_dir(world, "serving-unsorted") + "/model.h5";
  write_embedding_file(world, path, model_content(world));
  if (world.is_root()) {  // index[n / 2] = index[n / 2 - 1]: where blocks meet on 2 and 4 ranks
    FileHandle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    DatasetHandle index(H5Dopen2(file.get(), "/scenes/books/user_index", H5P_DEFAULT));
    DataspaceHandle space(H5Dget_space(index.get()));
    std::vector<std::int64_t> values(
        static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())));
    H5Dread(index.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    values[values.size() / 2] = values[values.size() / 2 - 1];
    H5Dwrite(index.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  }
  world.barrier();
  const EmbeddingFileReader reader(world, path);
  const AgreedError e = testing::expect_agreed_error(
      [&] { reader.read_user_active("books", std::vector<std::int64_t>{0}); });
  EXPECT_EQ(e.code(), ExitCode::kBadInput);
  EXPECT_NE(std::string(e.what()).find(path + ": /scenes/books/user_index is not ascending"),
            std::string::npos)
      << e.what();
}

}  // namespace
}  // namespace sceneals::io
