// The command line and INI config files (Boost.Program_options, used nowhere else). Each option is
// declared once with its default, its check and its help text side by side.
#pragma once

#include <string>
#include <vector>

#include "config/run_config.h"

namespace sceneals::config {

/// What the user asked for: help text to print, or a filled config.
struct ParsedTrain {
  bool help = false;
  std::string help_text;
  TrainConfig config;
};
struct ParsedGenerate {
  bool help = false;
  std::string help_text;
  GenerateConfig config;
};
struct ParsedEvaluate {
  bool help = false;
  std::string help_text;
  EvaluateConfig config;
};

struct ParsedRecommend {
  bool help = false;
  std::string help_text;
  RecommendConfig config;
};
struct ParsedExport {
  bool help = false;
  std::string help_text;
  ExportConfig config;
};

/// `args` are the command's arguments (after "train"). Throws InputError naming the option and
/// the value on anything invalid, including unknown keys in a --config file.
ParsedTrain parse_train_options(const std::vector<std::string>& args);
ParsedGenerate parse_generate_options(const std::vector<std::string>& args);
ParsedEvaluate parse_evaluate_options(const std::vector<std::string>& args);
ParsedRecommend parse_recommend_options(const std::vector<std::string>& args);
ParsedExport parse_export_options(const std::vector<std::string>& args);

}  // namespace sceneals::config
