// The item feature map (solver/feature_map.h, solver/feature_items.h) on a generated log whose
// items carry planted-topic features (generate/item_features.h), some held out entirely:
// - with the feature prior, the objective (which includes eta (|y - W'[f, 1]|^2 + G |W|^2))
//   never increases from one half-step to the next, nor at the W step alone, for implicit and
//   explicit feedback (every seventh item has no features: the prior leaves it alone);
// - after training, each scene's map equals a dense least-squares reference (QR of the stacked
//   [standardised f, 1] rows and the ridge rows, computed here from every item's row), and every
//   item without training data is served as W'[f, 1];
// at 1, 2 and 4 ranks. Tolerances: 1e-6 relative for the objective (float32 factors summed in
// double), 1e-4 relative for the map (float32 rows, sums in another order).
#include <gtest/gtest.h>

#include <Eigen/Dense>

#include "generate/item_features.h"
#include "generate/synthetic_data.h"
#include "io/interaction_reader.h"
#include "io/item_feature_table.h"
#include "io/sharded_data.h"
#include "io/split.h"
#include "mpi_test_support.h"
#include "solver/embedding_export.h"
#include "solver/feature_items.h"
#include "solver/trainer.h"

namespace sceneals {
namespace {

struct Problem {
  io::ShardingResult sharded;
  io::ItemFeatureTable features;
  io::SplitRatings split;
};

/// 400 users, 120 items in 2 scenes, 8 features per item but for every seventh item; a fifth of
/// the items held out.
Problem make_problem(const mpi::Communicator& world) {
  generate::SyntheticSpec spec;
  spec.users = 400;
  spec.items = 120;
  spec.interactions = 8000;
  spec.scenes = 2;
  spec.seed = 3;
  const generate::SyntheticGenerator generator(spec);
  const std::string dir = testing::shared_scratch_dir(world, "feature_map");
  std::string log = generate::SyntheticGenerator::header();
  generator.append_lines(0, spec.interactions, log);
  testing::write_file_on_root(world, dir + "/log.csv", log);
  io::ReadOptions read_options;
  read_options.path = dir + "/log.csv";
  io::ReadResult read = io::read_interactions(world, read_options);

  // Each rank holds the features of a share of the items, as the parallel reader would.
  const generate::ItemFeatureGenerator feature_generator(generator, {8, 0.5});
  io::ItemFeatureRead features;
  for (int c = 0; c < 8; ++c) features.names.push_back("f" + std::to_string(c));
  std::vector<double> row(8);
  for (std::int64_t i = spec.items * world.rank() / world.size();
       i < spec.items * (world.rank() + 1) / world.size(); ++i) {
    if (i % 7 == 3) continue;
    features.ids.push_back("i" + std::to_string(i));
    features.lines.push_back(i + 2);
    feature_generator.features(i, row.data());
    for (const double v : row) features.values.push_back(static_cast<float>(v));
  }
  Problem problem{io::shard_interactions(world, std::move(read), 0, features.ids), {}, {}};
  problem.features =
      io::ItemFeatureTable(world, std::move(features), problem.sharded.extra_item_rows, "features");
  io::SplitOptions split;
  split.cold_item_fraction = 0.2;
  problem.split = io::split_ratings(problem.sharded.grid, problem.sharded.data,
                                    problem.sharded.data.ratings, split);
  return problem;
}

solver::TrainOptions options_with_prior(const Problem& problem, solver::AlsParams als) {
  solver::TrainOptions options;
  options.als = als;
  options.als.factors = 6;
  options.mu = {1.0f, 0.5f};
  options.item_features = &problem.features;
  options.feature_weight = 3;
  options.feature_ridge = 2;
  return options;
}

void check_objective_never_increases(solver::AlsParams als) {
  const mpi::Communicator world = mpi::Communicator::world();
  const Problem problem = make_problem(world);
  solver::Trainer trainer(problem.sharded.grid, problem.sharded.data, problem.split.train,
                          options_with_prior(problem, als));
  double previous = trainer.objective().total();
  const char* names[3] = {"user step", "averaging", "item step"};
  const solver::Phase phases[3] = {solver::Phase::kUserStep, solver::Phase::kAveraging,
                                   solver::Phase::kItemStep};
  for (int iteration = 1; iteration <= 4; ++iteration)
    for (int p = 0; p < 3; ++p) {
      if (phases[p] == solver::Phase::kItemStep && iteration > 1) {
        trainer.fit_feature_maps();  // the W step alone (the item step repeats it, then solves Y)
        const double now = trainer.objective().total();
        EXPECT_LE(now, previous * (1 + 1e-6)) << "iteration " << iteration << ", W step";
        previous = now;
      }
      trainer.run_phase(phases[p]);
      const double now = trainer.objective().total();  // same value on every rank
      // From the second item step on, W is fitted (the first fits it from the initial rows).
      if (iteration > 1 || p < 2) {
        EXPECT_LE(now, previous * (1 + 1e-6)) << "iteration " << iteration << ", " << names[p];
      }
      previous = now;
    }
}

TEST(FeaturePrior, ObjectiveNeverIncreasesImplicit) {
  check_objective_never_increases(solver::AlsParams{});
}

TEST(FeaturePrior, ObjectiveNeverIncreasesExplicit) {
  solver::AlsParams als;
  als.feedback = solver::Feedback::kExplicit;
  als.lambda = 0.05f;
  check_objective_never_increases(als);
}

TEST(FeatureMap, EqualsDenseLeastSquaresAndServesEveryUntrainedItem) {
  const mpi::Communicator world = mpi::Communicator::world();
  const Problem problem = make_problem(world);
  const io::ShardedData& data = problem.sharded.data;
  const mpi::ProcessGrid& grid = problem.sharded.grid;
  solver::Trainer trainer(grid, data, problem.split.train,
                          options_with_prior(problem, solver::AlsParams{}));
  trainer.train([](const solver::IterationStats&) {});
  std::vector<solver::ServedScene> served =
      solver::serve_model(data, trainer, solver::ModelKind::kColearn);
  const std::vector<std::int64_t> rows =
      solver::untrained_feature_items(grid, problem.features, trainer.layouts());
  const double ridge = 2;
  solver::serve_from_features(grid, problem.features, ridge, rows, trainer.layouts(), served);
  EXPECT_GT(rows.size(), 10u);  // the held-out fifth of 120 items, but those without features

  const io::FactorMatrix& z = problem.features.standardised();
  const Eigen::Index d = z.cols();
  for (std::size_t l = 0; l < trainer.layouts().size(); ++l) {
    // The reference: every item of the scene with features, [z, 1] -> its served row, plus the
    // ridge rows sqrt(G) I -> 0, solved by QR in double.
    const std::vector<std::int64_t>& items = trainer.layouts()[l].item_rows;
    const Eigen::Index columns = served[l].items.cols();
    Eigen::MatrixXd a =
        Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(items.size()) + d + 1, d + 1);
    Eigen::MatrixXd b = Eigen::MatrixXd::Zero(a.rows(), columns);
    Eigen::Index n = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::int64_t at = problem.features.position(items[i]);
      if (at < 0) continue;
      a.row(n).head(d) = z.row(at).cast<double>();
      a(n, d) = 1;
      b.row(n++) = served[l].items.row(static_cast<Eigen::Index>(i)).cast<double>();
    }
    a.middleRows(n, d + 1) = std::sqrt(ridge) * Eigen::MatrixXd::Identity(d + 1, d + 1);
    const Eigen::MatrixXd map =
        a.topRows(n + d + 1).colPivHouseholderQr().solve(b.topRows(n + d + 1));
    ASSERT_EQ(served[l].feature_item_rows, rows);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      Eigen::RowVectorXd g(d + 1);
      g.head(d) = z.row(problem.features.position(rows[i])).cast<double>();
      g(d) = 1;
      const Eigen::RowVectorXd want = g * map;
      const double scale = std::max(1.0, want.cwiseAbs().maxCoeff());
      EXPECT_LT((served[l].feature_items.row(static_cast<Eigen::Index>(i)).cast<double>() - want)
                        .cwiseAbs()
                        .maxCoeff() /
                    scale,
                1e-4)
          << "scene " << trainer.layouts()[l].name << ", item row " << rows[i];
    }
    // The map in raw units gives the same rows from the features as given.
    if (served[l].feature_map) {
      const solver::Matrix& raw = *served[l].feature_map;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto at = problem.features.position(rows[i]);
        const Eigen::RowVectorXf from_raw =
            raw.row(d) + problem.features.raw().row(at) * raw.topRows(d);
        EXPECT_LT((from_raw - served[l].feature_items.row(static_cast<Eigen::Index>(i)))
                      .cwiseAbs()
                      .maxCoeff(),
                  1e-4f);
      }
    }
  }
}

}  // namespace
}  // namespace sceneals
