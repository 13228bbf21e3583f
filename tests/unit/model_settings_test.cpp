// The training parameters serving reads back from an embedding file's root attributes: what
// `train` writes gives the user step's parameters exactly; a file without them says what is
// missing; unreadable values are errors naming the file.
#include "config/model_settings.h"

#include <gtest/gtest.h>

#include "mpi/error.h"

namespace sceneals::config {
namespace {

ModelAttributes as_train_writes() {
  ModelAttributes a;
  a.model_kind = "colearn";
  a.feedback = "implicit";
  a.mu = "book=0.500000,music=0.000000";
  a.configuration =
      "alpha = 10\naverage-weight = one\nconfidence = log\nepsilon = 0.5\n"
      "factors = 16\nmu = 0.5,music=0\n";
  a.factors = 16;
  a.lambda = static_cast<double>(0.1f);
  a.alpha = 10.0;
  return a;
}

TEST(ModelSettings, TrainsAttributesGiveTheUserStepsParameters) {
  const ModelSettings s = parse_model_settings("m.h5", as_train_writes());
  EXPECT_TRUE(s.missing.empty()) << s.missing;
  EXPECT_EQ(s.kind, solver::ModelKind::kColearn);
  EXPECT_EQ(s.als.factors, 16);
  EXPECT_EQ(s.als.lambda, 0.1f);  // the float32 training used, exactly
  EXPECT_EQ(s.als.alpha, 10.0f);
  EXPECT_EQ(s.als.confidence, solver::ConfidenceKind::kLog);
  EXPECT_EQ(s.als.epsilon, 0.5f);
  EXPECT_EQ(s.als.feedback, solver::Feedback::kImplicit);
  EXPECT_EQ(s.als.solver, solver::LinearSolverKind::kCholesky);
  EXPECT_FALSE(s.average_weight_count);
  EXPECT_EQ(s.mu_of("book"), 0.5f);
  EXPECT_EQ(s.mu_of("music"), 0.0f);
  EXPECT_EQ(s.mu_of("films"), 0.0f);
}

TEST(ModelSettings, OtherKindsAndMissingAttributes) {
  ModelAttributes a = as_train_writes();
  a.model_kind = "pooled";
  a.feedback = "explicit";
  a.configuration = "average-weight = count\n";
  ModelSettings s = parse_model_settings("m.h5", a);
  EXPECT_EQ(s.kind, solver::ModelKind::kPooled);
  EXPECT_EQ(s.als.feedback, solver::Feedback::kExplicit);
  EXPECT_TRUE(s.average_weight_count);
  EXPECT_EQ(s.als.confidence, solver::ConfidenceKind::kLinear);

  s = parse_model_settings("m.h5", ModelAttributes());  // e.g. a file written with h5py
  EXPECT_EQ(s.kind, solver::ModelKind::kColearn);
  EXPECT_FALSE(s.missing.empty());
}

TEST(ModelSettings, UnreadableValuesNameTheFile) {
  ModelAttributes a = as_train_writes();
  a.model_kind = "magic";
  EXPECT_THROW(
      {
        try {
          parse_model_settings("m.h5", a);
        } catch (const InputError& e) {
          EXPECT_STREQ(e.what(), "m.h5: unknown model_kind 'magic'");
          throw;
        }
      },
      InputError);
  a = as_train_writes();
  a.mu = "book=lots";
  EXPECT_THROW(parse_model_settings("m.h5", a), InputError);
  a = as_train_writes();
  a.configuration = "epsilon = -1\n";
  EXPECT_THROW(parse_model_settings("m.h5", a), InputError);
  a.configuration = "no equals sign\n";
  EXPECT_THROW(parse_model_settings("m.h5", a), InputError);
}

}  // namespace
}  // namespace sceneals::config
