#include "tune/search_space.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "mpi/error.h"

namespace sceneals::tune {

namespace {

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

/// "a,b,c" of the values, each as `text` writes it.
template <class T, class Text>
std::string list_text(const std::vector<T>& values, Text&& text) {
  std::string out;
  for (const T& v : values) out += (out.empty() ? "" : ",") + text(v);
  return out;
}

[[noreturn]] void refuse(const std::string& item, const std::string& why) {
  throw InputError("--tune-space: " + why + " (in '" + item + "')");
}

double number(const std::string& item, const std::string& text, double minimum, bool strict) {
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size() || !std::isfinite(value))
    refuse(item, "'" + text + "' is not a number");
  if (strict ? !(value > minimum) : !(value >= minimum))
    refuse(item, "'" + text + "' must be " + (strict ? "> " : ">= ") + number_text(minimum));
  return value;
}

/// "1/book=10/music=0": an optional bare value first, then scene=value parts, each >= 0.
MuValue parse_mu(const std::string& item, const std::string& text) {
  MuValue mu;
  std::istringstream parts(text);
  std::string part;
  bool first = true;
  while (std::getline(parts, part, '/')) {
    const std::size_t eq = part.find('=');
    if (eq == std::string::npos) {
      if (!first) refuse(item, "the bare mu '" + part + "' must come first in '" + text + "'");
      mu.all = static_cast<float>(number(item, part, 0, false));
    } else {
      const std::string scene = part.substr(0, eq);
      if (scene.empty()) refuse(item, "a scene name is missing in '" + text + "'");
      for (const auto& [name, value] : mu.by_scene)
        if (name == scene) refuse(item, "scene '" + scene + "' is given twice in '" + text + "'");
      mu.by_scene.emplace_back(scene,
                               static_cast<float>(number(item, part.substr(eq + 1), 0, false)));
    }
    first = false;
  }
  return mu;
}

}  // namespace

bool MuValue::pulls() const {
  if (all > 0) return true;
  for (const auto& [scene, mu] : by_scene)
    if (mu > 0) return true;
  return false;
}

std::string MuValue::describe() const {
  std::string out = number_text(all);
  for (const auto& [scene, mu] : by_scene) out += "/" + scene + "=" + number_text(mu);
  return out;
}

std::vector<float> MuValue::resolve(const std::vector<std::string>& scenes) const {
  std::vector<float> out(scenes.size(), all);
  for (const auto& [scene, mu] : by_scene) {
    const auto at = std::find(scenes.begin(), scenes.end(), scene);
    if (at == scenes.end())
      throw InputError("--tune-space: mu names scene '" + scene +
                       "', which is not in the input (in '" + describe() + "')");
    out[static_cast<std::size_t>(at - scenes.begin())] = mu;
  }
  return out;
}

std::string Setting::describe() const {
  std::string out = solver::model_kind_name(kind);
  if (kind == solver::ModelKind::kColearn) out += " mu=" + mu.describe();
  if (scene_map_ridge > 0) out += " map=" + number_text(scene_map_ridge);
  if (feature_weight > 0) out += " feature=" + number_text(feature_weight);
  return out + " lambda=" + number_text(lambda) + " alpha=" + number_text(alpha) +
         " iterations=" + std::to_string(iterations);
}

std::string beta_text(double beta) {
  return beta >= kPopularityBeta ? "popularity" : number_text(beta);
}

std::vector<Setting> SearchSpace::candidates() const {
  std::vector<Setting> out;
  for (solver::ModelKind kind : kinds)
    for (const MuValue& m : kind == solver::ModelKind::kColearn ? mu : std::vector<MuValue>{{}})
      for (float g : m.pulls() ? map : std::vector<float>{0.0f})
        for (float f : features_given&& kind != solver::ModelKind::kPooled
                           ? feature
                           : std::vector<float>{0.0f})
          for (float l : lambda)
            for (float a : alpha)
              for (int i : iterations) out.push_back({kind, m, g, f, l, a, i});
  return out;
}

std::string SearchSpace::describe() const {
  const auto number = [](double v) { return number_text(v); };
  return "kind=" +
         list_text(kinds,
                   [](solver::ModelKind k) { return std::string(solver::model_kind_name(k)); }) +
         " mu=" + list_text(mu, [](const MuValue& m) { return m.describe(); }) +
         " map=" + list_text(map, number) + " feature=" + list_text(feature, number) +
         " lambda=" + list_text(lambda, number) + " alpha=" + list_text(alpha, number) +
         " iterations=" + list_text(iterations, [](int i) { return std::to_string(i); }) +
         " ridge=" + list_text(ridge, number) + " beta=" + list_text(beta, beta_text);
}

SearchSpace default_search_space(int iterations) {
  SearchSpace space;
  space.kinds = {solver::ModelKind::kColearn, solver::ModelKind::kPooled};
  space.mu = {{0, {}}, {1, {}}, {10, {}}, {100, {}}};
  space.map = {0, 10};
  space.feature = {0, 100};
  space.lambda = {0.1f, 1};
  space.alpha = {1, 10};
  space.iterations = {iterations};
  space.ridge = {10, 100};
  space.beta = {0, 0.01, 0.03, 0.1, 0.3, 1, kPopularityBeta};
  return space;
}

SearchSpace parse_search_space(const std::string& text, int iterations) {
  SearchSpace space = default_search_space(iterations);
  std::string spaced = text;
  std::replace(spaced.begin(), spaced.end(), ';', ' ');
  std::istringstream items(spaced);
  std::string item;
  while (items >> item) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) refuse(item, "expected name=value,value,...");
    const std::string name = item.substr(0, eq);
    std::vector<std::string> values;
    std::istringstream parts(item.substr(eq + 1));
    std::string part;
    while (std::getline(parts, part, ','))
      if (!part.empty()) values.push_back(part);
    if (values.empty()) refuse(item, "an empty list: the search space would be empty");
    if (name == "kind") {
      space.kinds.clear();
      for (const std::string& v : values) {
        if (v == "colearn")
          space.kinds.push_back(solver::ModelKind::kColearn);
        else if (v == "pooled")
          space.kinds.push_back(solver::ModelKind::kPooled);
        else
          refuse(item, "kind '" + v + "' is not colearn or pooled");
      }
    } else if (name == "mu") {
      space.mu.clear();
      for (const std::string& v : values) space.mu.push_back(parse_mu(item, v));
    } else if (name == "map" || name == "feature" || name == "lambda" || name == "alpha") {
      std::vector<float>& list = name == "map"       ? space.map
                                 : name == "feature" ? space.feature
                                 : name == "lambda"  ? space.lambda
                                                     : space.alpha;
      list.clear();
      for (const std::string& v : values)
        list.push_back(static_cast<float>(number(item, v, 0, name == "lambda")));
    } else if (name == "iterations") {
      space.iterations.clear();
      for (const std::string& v : values) {
        const double n = number(item, v, 1, false);
        if (n != std::floor(n) || n > 100000)
          refuse(item, "'" + v + "' is not a whole number of iterations");
        space.iterations.push_back(static_cast<int>(n));
      }
    } else if (name == "ridge") {
      space.ridge.clear();
      for (const std::string& v : values) space.ridge.push_back(number(item, v, 0, true));
    } else if (name == "beta") {
      space.beta.clear();
      for (const std::string& v : values)
        space.beta.push_back(v == "popularity" ? kPopularityBeta : number(item, v, 0, false));
    } else {
      refuse(item, "unknown name '" + name +
                       "' (known: kind, mu, map, feature, lambda, alpha, iterations, ridge, beta)");
    }
  }
  return space;
}

}  // namespace sceneals::tune
