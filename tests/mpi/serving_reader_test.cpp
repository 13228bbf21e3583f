// The embedding-file reader's serving reads (recommend, export), checked against closed forms at
// 1, 2 and 4 ranks: a model whose every value is a formula of its row is written, then every
// rank reads its own scattered rows — overlapping other ranks' rows in part, spread over more
// than one read window — and checks each value. Partly overlapping reads are what Open MPI
// 4.1.4's collective MPI-IO gets wrong (open-mpi/ompi#10546); the reader must not be caught.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/model_settings.h"
#include "io/embedding_reader.h"
#include "io/embedding_writer.h"
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
  c.shared_user_factors = FactorMatrix::Constant(users, kFactors, 0.5f);
  SceneEmbeddingBlock scene;
  scene.name = "books";
  scene.user_factors.resize(users, kFactors + 1);
  for (std::int64_t u = 0; u < users; ++u) {
    for (std::int64_t col = 0; col <= kFactors; ++col)
      scene.user_factors(u, col) = user_value(u, col);
    scene.user_active.push_back(user_active(u) ? 1 : 0);
  }
  scene.item_factors = FactorMatrix::Zero(items, kFactors + 1);
  for (std::int64_t i = 0; i < items; ++i) {
    scene.item_active.push_back(item_active(i) ? 1 : 0);
    if (item_active(i)) scene.item_factors.row(i).setConstant(static_cast<float>(-i));
  }
  if (all) scene.bridge = FactorMatrix::Constant(kFactors + 1, kFactors, 2.0f);
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
  const FactorMatrix got =
      reader.read_matrix_rows("/scenes/books/user_factors", kUsers, kFactors + 1, rows);
  const std::vector<std::uint8_t> flags =
      reader.read_flag_rows("/scenes/books/user_active", kUsers, rows);
  ASSERT_EQ(got.rows(), static_cast<Eigen::Index>(rows.size()));
  ASSERT_EQ(flags.size(), rows.size());
  std::int64_t wrong = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::int64_t col = 0; col <= kFactors; ++col)
      wrong += got(static_cast<Eigen::Index>(i), col) != user_value(rows[i], col);
    wrong += flags[i] != (user_active(rows[i]) ? 1 : 0);
  }
  EXPECT_EQ(wrong, 0) << "rank " << r << " of " << world.size();

  // Contiguous ranges, different on every rank and partly overlapping.
  const std::int64_t begin = 1000 * r, count = 2500;
  const FactorMatrix range =
      reader.read_matrix_rows("/scenes/books/user_factors", kUsers, kFactors + 1, begin, count);
  for (std::int64_t i = 0; i < count; ++i)
    EXPECT_EQ(range(i, 1), user_value(begin + i, 1)) << "row " << begin + i;
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
  EXPECT_EQ((*scene.bridge)(kFactors, kFactors - 1), 2.0f);

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
  const AgreedError shape = testing::expect_agreed_error(
      [&] { reader.read_matrix_rows("/scenes/books/user_factors", kUsers, kFactors, 0, 1); });
  EXPECT_EQ(std::string(shape.what()), path + ": /scenes/books/user_factors has shape [" +
                                           std::to_string(kUsers) + ", 3], expected [" +
                                           std::to_string(kUsers) + ", 2]");
}

}  // namespace
}  // namespace sceneals::io
