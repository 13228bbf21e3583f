// `sceneals train` options as parsed: what `--solver auto` (the default) resolves to, and
// options spelled in full only.
#include <gtest/gtest.h>

#include "config/options.h"

namespace sceneals::config {
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

/// The message of the InputError that parsing `extra` throws, or "" when it parses.
std::string refusal_of(std::vector<std::string> extra) {
  try {
    solver_of(std::move(extra));
  } catch (const std::exception& error) {
    return error.what();
  }
  return "";
}

TEST(TrainOptions, AbbreviatedOptionsAreRefusedNotGuessed) {
  // Boost guesses unique prefixes by default: "--factor 32 --iter 2" would mean "--factors 32
  // --iterations 2" until an option named "--factor..." is added and changes its meaning.
  EXPECT_NE(refusal_of({"--factor", "32"}).find("--factor"), std::string::npos);
  EXPECT_NE(refusal_of({"--iter", "2"}).find("--iter"), std::string::npos);
  EXPECT_NE(refusal_of({"--fact=32"}).find("--fact"), std::string::npos);
  EXPECT_EQ(refusal_of({"--factors", "32", "--iterations", "2"}), "");
}

}  // namespace
}  // namespace sceneals::config
