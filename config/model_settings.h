// How a model in an embedding file was trained, as serving needs it: the parameters of the user
// step (to fold in a new user or explain a score with the trainer's own normal equations), each
// scene's mu, and the model kind. Read from the root attributes `train` writes (model_kind,
// factors, lambda, alpha, feedback, mu, and the `configuration` text for confidence, epsilon and
// average-weight).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "io/embedding_reader.h"
#include "solver/als_params.h"

namespace sceneals::config {

/// The root attributes as the file holds them (nullopt: absent).
struct ModelAttributes {
  std::optional<std::string> model_kind, feedback, mu, configuration;
  std::optional<double> factors, lambda, alpha;
};

struct ModelSettings {
  solver::ModelKind kind = solver::ModelKind::kColearn;  ///< colearn when the file does not say
  /// The user step's parameters; solver is always Cholesky (serving solves exactly).
  solver::AlsParams als;
  bool average_weight_count = false;   ///< w_us is the interaction count (else 1)
  std::vector<std::string> mu_scenes;  ///< scenes named in the `mu` attribute
  std::vector<float> mu;               ///< their mu, same order
  /// Empty when the training parameters are complete; else what is missing, e.g. "no 'lambda'
  /// attribute" (files written by other tools): fold-in and explanations cannot run then.
  std::string missing;

  /// mu of `scene`; 0 for a scene the attribute does not name.
  float mu_of(const std::string& scene) const;
};

/// Pure. InputError naming `path` when a value is present but unreadable (an unknown model kind
/// or feedback, a bad mu list, a configuration line without " = ", a bad confidence value).
ModelSettings parse_model_settings(const std::string& path, const ModelAttributes& attributes);

/// Collective over the reader's communicator: reads the attributes and parses them.
ModelSettings read_model_settings(const io::EmbeddingFileReader& model);

}  // namespace sceneals::config
