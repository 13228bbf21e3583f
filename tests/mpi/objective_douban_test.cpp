// On real data (Douban book + music, two scenes, users shared), the objective of docs/design.md
// never increases from one half-step (user step, cross-scene averaging, item step) to the next, for
// every solver and feedback kind, with and without the per-scene map, at 1, 2 and 4 ranks.
// Tolerance: 1e-6 relative, the rounding of float32 factors summed in double; a real increase from
// a wrong step is orders larger.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "io/interaction_reader.h"
#include "io/sharded_data.h"
#include "io/split.h"
#include "mpi_test_support.h"
#include "solver/trainer.h"

namespace sceneals {
namespace {

const std::string kDouban = std::string(SCENEALS_SHARED_DATA_DIR) + "/douban-gadtcdr";

/// The test converts the publisher's two tab-separated files (user, item, rating; no header, no
/// final newline) into one CSV with a scene column; item ids are local to each file, so they get
/// a scene prefix.
std::string convert_douban(const mpi::Communicator& world) {
  const std::string dir = testing::shared_scratch_dir(world, "douban");
  const std::string path = dir + "/douban.csv";
  if (world.is_root()) {
    std::ofstream out(path);
    out << "user,item,scene,value\n";
    for (const char* scene : {"book", "music"}) {
      std::ifstream in(kDouban + "/" + scene + "_ratings.dat");
      std::string user, item, rating;
      while (in >> user >> item >> rating)
        out << user << ',' << scene[0] << item << ',' << scene << ',' << rating << '\n';
    }
  }
  world.barrier();
  return path;
}

struct DoubanSplit {
  io::ShardingResult sharded;
  io::SplitRatings split;
};

/// `scene_groups`: 0 lets the grid planner choose, 1 puts every rank in one scene group.
DoubanSplit read_douban(int scene_groups) {
  const mpi::Communicator world = mpi::Communicator::world();
  io::ReadOptions read_options;
  read_options.path = convert_douban(world);
  io::ReadResult read = io::read_interactions(world, read_options);
  EXPECT_EQ(read.total_records, 96041 + 69709);  // row counts measured in shared/data/README.md
  io::ShardingResult sharded = io::shard_interactions(world, std::move(read), scene_groups);
  EXPECT_EQ(sharded.data.scenes, (std::vector<std::string>{"book", "music"}));
  io::SplitRatings split =
      io::split_ratings(sharded.grid, sharded.data, sharded.data.ratings, io::SplitOptions{});
  return DoubanSplit{std::move(sharded), std::move(split)};
}

solver::TrainOptions douban_options(solver::AlsParams als, double scene_map_ridge) {
  solver::TrainOptions options;
  options.als = als;
  options.als.factors = 8;
  options.mu = {1.0f, 0.5f};
  options.scene_map_ridge = scene_map_ridge;
  return options;
}

const char* const kPhaseNames[3] = {"user step", "averaging", "item step"};
const solver::Phase kPhases[3] = {solver::Phase::kUserStep, solver::Phase::kAveraging,
                                  solver::Phase::kItemStep};

void check_objective_never_increases(solver::AlsParams als, double scene_map_ridge = 0) {
  const DoubanSplit douban = read_douban(0);
  solver::Trainer trainer(douban.sharded.grid, douban.sharded.data, douban.split.train,
                          douban_options(als, scene_map_ridge));
  double previous = trainer.objective().total();
  for (int iteration = 1; iteration <= 3; ++iteration) {
    for (int p = 0; p < 3; ++p) {
      trainer.run_phase(kPhases[p]);
      const double now = trainer.objective().total();  // same value on every rank
      EXPECT_LE(now, previous * (1 + 1e-6)) << "iteration " << iteration << ", " << kPhaseNames[p];
      previous = now;
    }
  }
}

bool same_bits(const solver::Matrix& a, const solver::Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::equal(a.data(), a.data() + a.size(), b.data());
}

class ObjectiveOnDouban : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kDouban + "/book_ratings.dat"))
      GTEST_SKIP() << "shared data not found at " << kDouban
                   << " (only in the project's CI and dev machines)";
  }
};

TEST_F(ObjectiveOnDouban, ImplicitCholesky) {
  check_objective_never_increases(solver::AlsParams{});
}

TEST_F(ObjectiveOnDouban, ImplicitLogConfidenceConjugateGradient) {
  solver::AlsParams als;
  als.confidence = solver::ConfidenceKind::kLog;
  als.solver = solver::LinearSolverKind::kConjugateGradient;
  check_objective_never_increases(als);
}

// With the per-scene map the averaging phase first fits (a_s, c_s), then z: both exact
// minimisers, and the map's ridge term is part of the objective.
TEST_F(ObjectiveOnDouban, ImplicitCholeskyWithSceneMap) {
  check_objective_never_increases(solver::AlsParams{}, 1.0);
}

TEST_F(ObjectiveOnDouban, ExplicitAlsWrWithSceneMap) {
  solver::AlsParams als;
  als.feedback = solver::Feedback::kExplicit;
  als.lambda = 0.05f;
  check_objective_never_increases(als, 10.0);
}

TEST_F(ObjectiveOnDouban, ExplicitAlsWr) {
  solver::AlsParams als;
  als.feedback = solver::Feedback::kExplicit;
  als.lambda = 0.05f;
  check_objective_never_increases(als);
}

// All ranks in one scene group, so that both steps need rows that other ranks hold: fetched in
// batches of a few hundred rows (a 32 kB budget) they give the factors of rows gathered whole bit
// for bit (each solve sees the same rows in the same order; the Gram matrices are the same sums),
// and the same objective up to the order in which its data term is summed (1e-9 relative).
TEST_F(ObjectiveOnDouban, RowsExchangedInBatchesGiveTheFactorsOfRowsGatheredWhole) {
  const DoubanSplit douban = read_douban(1);
  const solver::TrainOptions gathered_options = douban_options(solver::AlsParams{}, 1.0);
  solver::TrainOptions exchanged_options = gathered_options;
  exchanged_options.exchange_buffer_bytes = 32768;
  const auto& grid = douban.sharded.grid;
  solver::Trainer gathered(grid, douban.sharded.data, douban.split.train, gathered_options);
  solver::Trainer exchanged(grid, douban.sharded.data, douban.split.train, exchanged_options);
  const bool one_rank = grid.group_comm.size() == 1;
  for (std::size_t l = 0; l < gathered.layouts().size(); ++l) {
    const solver::RowSource expected =
        one_rank ? solver::RowSource::kLocal : solver::RowSource::kExchanged;
    EXPECT_EQ(exchanged.user_row_source(l), expected);
    EXPECT_EQ(exchanged.item_row_source(l), expected);
    if (!one_rank) {  // 96k book ratings over ranks: the whole Y_s exceeds 32 kB many times over
      EXPECT_GT(exchanged.item_row_plan().most_rounds, 3);
      EXPECT_GT(exchanged.user_row_plan().most_rounds, 3);
    }
  }
  for (int iteration = 1; iteration <= 2; ++iteration) {
    for (int p = 0; p < 3; ++p) {
      gathered.run_phase(kPhases[p]);
      exchanged.run_phase(kPhases[p]);
      const double expected = gathered.objective().total();
      EXPECT_NEAR(exchanged.objective().total(), expected, 1e-9 * expected)
          << "iteration " << iteration << ", " << kPhaseNames[p];
      for (std::size_t l = 0; l < gathered.layouts().size(); ++l) {
        EXPECT_TRUE(same_bits(gathered.user_factors(l), exchanged.user_factors(l)))
            << "user rows, iteration " << iteration << ", " << kPhaseNames[p];
        EXPECT_TRUE(same_bits(gathered.item_factors(l), exchanged.item_factors(l)))
            << "item rows, iteration " << iteration << ", " << kPhaseNames[p];
      }
    }
  }
}

}  // namespace
}  // namespace sceneals
