// On real data (Douban book + music, two scenes, users shared), the objective of docs/design.md
// never increases from one half-step (user step, cross-scene averaging, item step) to the next, for
// every solver and feedback kind, with and without the per-scene map, at 1, 2 and 4 ranks.
// Tolerance: 1e-6 relative, the rounding of float32 factors summed in double; a real increase from
// a wrong step is orders larger.
#include <gtest/gtest.h>

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

void check_objective_never_increases(solver::AlsParams als, double scene_map_ridge = 0) {
  const mpi::Communicator world = mpi::Communicator::world();
  io::ReadOptions read_options;
  read_options.path = convert_douban(world);
  io::ReadResult read = io::read_interactions(world, read_options);
  EXPECT_EQ(read.total_records, 96041 + 69709);  // row counts measured in shared/data/README.md
  io::ShardingResult sharded = io::shard_interactions(world, std::move(read), 0);
  EXPECT_EQ(sharded.data.scenes, (std::vector<std::string>{"book", "music"}));
  const io::SplitRatings split =
      io::split_ratings(sharded.grid, sharded.data, sharded.data.ratings, io::SplitOptions{});

  solver::TrainOptions options;
  options.als = als;
  options.als.factors = 8;
  options.mu = {1.0f, 0.5f};
  options.scene_map_ridge = scene_map_ridge;
  solver::Trainer trainer(sharded.grid, sharded.data, split.train, options);
  double previous = trainer.objective().total();
  const char* names[3] = {"user step", "averaging", "item step"};
  const solver::Phase phases[3] = {solver::Phase::kUserStep, solver::Phase::kAveraging,
                                   solver::Phase::kItemStep};
  for (int iteration = 1; iteration <= 3; ++iteration) {
    for (int p = 0; p < 3; ++p) {
      trainer.run_phase(phases[p]);
      const double now = trainer.objective().total();  // same value on every rank
      EXPECT_LE(now, previous * (1 + 1e-6)) << "iteration " << iteration << ", " << names[p];
      previous = now;
    }
  }
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

}  // namespace
}  // namespace sceneals
