#include "config/model_settings.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "config/run_config.h"
#include "mpi/error.h"

namespace sceneals::config {

namespace {

/// The value of `name` in "name = value" lines (the configuration attribute); nullopt if absent.
std::optional<std::string> configuration_value(const std::string& path, const std::string& text,
                                               const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const std::size_t eq = line.find(" = ");
    if (eq == std::string::npos)
      throw InputError(path,
                       "the configuration attribute has a line without ' = ': '" + line + "'");
    if (line.compare(0, eq, name) == 0 && eq == name.size()) return line.substr(eq + 3);
  }
  return std::nullopt;
}

float positive_number(const std::string& path, const std::string& what, const std::string& text) {
  float value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size() ||
      !std::isfinite(value) || value <= 0)
    throw InputError(path, what + " '" + text + "' is not a number > 0");
  return value;
}

}  // namespace

float ModelSettings::mu_of(const std::string& scene) const {
  const auto at = std::find(mu_scenes.begin(), mu_scenes.end(), scene);
  return at == mu_scenes.end() ? 0.0f : mu[static_cast<std::size_t>(at - mu_scenes.begin())];
}

ModelSettings parse_model_settings(const std::string& path, const ModelAttributes& attributes) {
  ModelSettings settings;
  if (attributes.model_kind) {
    const std::string& kind = *attributes.model_kind;
    if (kind == "colearn")
      settings.kind = solver::ModelKind::kColearn;
    else if (kind == "independent")
      settings.kind = solver::ModelKind::kIndependent;
    else if (kind == "pooled")
      settings.kind = solver::ModelKind::kPooled;
    else if (kind == "popularity")
      settings.kind = solver::ModelKind::kPopularity;
    else
      throw InputError(path, "unknown model_kind '" + kind + "'");
  }
  if (attributes.feedback && *attributes.feedback != "implicit" &&
      *attributes.feedback != "explicit")
    throw InputError(path, "unknown feedback '" + *attributes.feedback + "'");
  settings.als.feedback = attributes.feedback == std::string("explicit")
                              ? solver::Feedback::kExplicit
                              : solver::Feedback::kImplicit;
  settings.als.solver = solver::LinearSolverKind::kCholesky;

  // The attributes hold the float32 values training used, widened to double: narrowing back
  // gives them exactly.
  if (!attributes.factors)
    settings.missing = "no 'factors' attribute";
  else
    settings.als.factors = static_cast<int>(*attributes.factors);
  if (!attributes.lambda)
    settings.missing = "no 'lambda' attribute";
  else
    settings.als.lambda = static_cast<float>(*attributes.lambda);
  if (!attributes.alpha)
    settings.missing = "no 'alpha' attribute";
  else
    settings.als.alpha = static_cast<float>(*attributes.alpha);

  if (attributes.configuration) {
    const std::string& text = *attributes.configuration;
    if (const auto confidence = configuration_value(path, text, "confidence")) {
      if (*confidence != "linear" && *confidence != "log")
        throw InputError(path, "unknown confidence '" + *confidence + "' in the configuration");
      settings.als.confidence =
          *confidence == "log" ? solver::ConfidenceKind::kLog : solver::ConfidenceKind::kLinear;
    }
    if (const auto epsilon = configuration_value(path, text, "epsilon"))
      settings.als.epsilon = positive_number(path, "epsilon", *epsilon);
    if (const auto weight = configuration_value(path, text, "average-weight"))
      settings.average_weight_count = *weight == "count";
  } else {
    settings.missing = "no 'configuration' attribute";
  }

  if (attributes.mu && !attributes.mu->empty()) {
    // "scene=value,...": resolve_mu reads it, given the scenes it names.
    std::istringstream parts(*attributes.mu);
    std::string part;
    while (std::getline(parts, part, ','))
      settings.mu_scenes.push_back(part.substr(0, part.find('=')));
    try {
      settings.mu = resolve_mu(*attributes.mu, settings.mu_scenes);
    } catch (const InputError& e) {
      throw InputError(path, std::string("unreadable mu attribute: ") + e.what());
    }
  }
  return settings;
}

ModelSettings read_model_settings(const io::EmbeddingFileReader& model) {
  ModelAttributes attributes;
  attributes.model_kind = model.text_attribute("model_kind");
  attributes.feedback = model.text_attribute("feedback");
  attributes.mu = model.text_attribute("mu");
  attributes.configuration = model.text_attribute("configuration");
  attributes.factors = model.number_attribute("factors");
  attributes.lambda = model.number_attribute("lambda");
  attributes.alpha = model.number_attribute("alpha");
  ModelSettings settings;
  // Every rank holds the same attributes, so every rank fails alike.
  try {
    settings = parse_model_settings(model.path(), attributes);
  } catch (const InputError& e) {
    throw AgreedError(ExitCode::kBadInput, e.what());
  }
  return settings;
}

}  // namespace sceneals::config
