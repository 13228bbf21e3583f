// `sceneals train` options as parsed: what `--solver auto` (the default) resolves to.
#include <gtest/gtest.h>

#include "io/options.h"

namespace sceneals::io {
namespace {

solver::LinearSolverKind solver_of(std::vector<std::string> extra) {
  std::vector<std::string> args = {"--input", "log.csv", "--output", "model.h5"};
  args.insert(args.end(), extra.begin(), extra.end());
  return parse_train_options(args).config.als.solver;
}

constexpr auto kExact = solver::LinearSolverKind::kCholesky;
constexpr auto kCg = solver::LinearSolverKind::kConjugateGradient;

TEST(TrainOptions, AutomaticSolverIsExactBelow128FactorsAndCgFrom128) {
  EXPECT_EQ(solver_of({}), kExact);  // the default k = 64
  EXPECT_EQ(solver_of({"--factors", "127"}), kExact);
  EXPECT_EQ(solver_of({"--factors", "128"}), kCg);
  EXPECT_EQ(solver_of({"--factors", "300", "--solver", "auto"}), kCg);
}

TEST(TrainOptions, AnExplicitSolverWinsOverTheFactorCount) {
  EXPECT_EQ(solver_of({"--factors", "256", "--solver", "cholesky"}), kExact);
  EXPECT_EQ(solver_of({"--factors", "8", "--solver", "cg"}), kCg);
}

TEST(TrainOptions, AnUnknownSolverIsRefusedNamingTheOption) {
  try {
    solver_of({"--solver", "lu"});
    FAIL() << "--solver lu was accepted";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("--solver"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace sceneals::io
