#include "config/options.h"

#include <boost/program_options.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "mpi/error.h"

namespace po = boost::program_options;

namespace sceneals::config {

namespace {

/// Range checks that name the option and the offending value.
template <class T>
std::function<void(const T&)> at_least(const char* option, T minimum) {
  return [option, minimum](const T& value) {
    if (!(value >= minimum)) {
      std::ostringstream message;
      message << "--" << option << " must be >= " << minimum << ", got " << value;
      throw InputError(message.str());
    }
  };
}

template <class T>
std::function<void(const T&)> in_range(const char* option, T low, T high, bool high_inclusive) {
  return [=](const T& value) {
    if (!(value >= low && (high_inclusive ? value <= high : value < high))) {
      std::ostringstream message;
      message << "--" << option << " must be in [" << low << ", " << high
              << (high_inclusive ? "]" : ")") << ", got " << value;
      throw InputError(message.str());
    }
  };
}

std::function<void(const std::string&)> one_of(const char* option,
                                               std::vector<std::string> allowed) {
  return [option, allowed](const std::string& value) {
    for (const std::string& a : allowed)
      if (value == a) return;
    std::string list;
    for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw InputError("--" + std::string(option) + " must be one of " + list + ", got '" + value +
                     "'");
  };
}

/// The values as "name = value" lines (INI syntax, so the text is itself a valid --config).
std::string describe(const po::variables_map& vm) {
  std::ostringstream out;
  for (const auto& [name, entry] : vm) {
    if (name == "config" || name == "help") continue;
    const boost::any& v = entry.value();
    out << name << " = ";
    if (const auto* s = boost::any_cast<std::string>(&v))
      out << *s;
    else if (const auto* i = boost::any_cast<int>(&v))
      out << *i;
    else if (const auto* d = boost::any_cast<double>(&v))
      out << *d;
    else if (const auto* f = boost::any_cast<float>(&v))
      out << *f;
    else if (const auto* u = boost::any_cast<std::uint64_t>(&v))
      out << *u;
    else if (const auto* l = boost::any_cast<std::int64_t>(&v))
      out << *l;
    else if (const auto* b = boost::any_cast<bool>(&v))
      out << (*b ? "true" : "false");
    out << "\n";
  }
  return out.str();
}

/// Parses command-line arguments plus an optional INI file given by --config; command-line
/// values win. Unknown options and unknown INI keys are errors (never silently ignored).
po::variables_map parse(const po::options_description& description,
                        const std::vector<std::string>& args) {
  po::variables_map vm;
  try {
    // No guessing of abbreviations (Boost's default): `--factor 32` taken as `--factors 32`
    // would let a script change meaning the day an option named like it is added.
    constexpr int kStyle =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(args).options(description).style(kStyle).run(), vm);
    if (vm.count("config") && !vm.count("help")) {
      const std::string path = vm["config"].as<std::string>();
      std::ifstream file(path);
      if (!file) throw InputError(path, "cannot open config file");
      try {
        po::store(po::parse_config_file(file, description, false), vm);
      } catch (const po::error& e) {
        throw InputError(path, std::string("bad config file: ") + e.what());
      }
    }
    if (!vm.count("help")) po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string("bad option: ") + e.what() + " (see --help)");
  }
  return vm;
}

std::string help_of(const char* usage, const po::options_description& description) {
  std::ostringstream out;
  out << usage << "\n\n" << description;
  return out.str();
}

void parse_grid(const std::string& text, int& groups, int& shards) {
  if (text == "auto") return;
  const std::size_t x = text.find('x');
  auto number = [&](std::string_view part, int& out) {
    const auto result = std::from_chars(part.data(), part.data() + part.size(), out);
    return result.ec == std::errc() && result.ptr == part.data() + part.size() && out >= 1;
  };
  const std::string_view all(text);
  if (x == std::string::npos || !number(all.substr(0, x), groups) ||
      !number(all.substr(x + 1), shards))
    throw InputError("--grid must be 'auto' or GROUPSxSHARDS such as 2x4, got '" + text + "'");
}

std::vector<int> parse_cutoffs(const std::string& text) {
  std::vector<int> ks;
  std::istringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    int k = 0;
    const auto result = std::from_chars(part.data(), part.data() + part.size(), k);
    if (result.ec != std::errc() || result.ptr != part.data() + part.size() || k < 1)
      throw InputError("--k: '" + part + "' is not a positive integer (in '" + text + "')");
    ks.push_back(k);
  }
  if (ks.empty()) throw InputError("--k needs at least one cut-off");
  return ks;
}

}  // namespace

std::vector<float> resolve_mu(const std::string& text, const std::vector<std::string>& scenes) {
  float fallback = 0.0f;
  std::vector<float> mu(scenes.size(), std::numeric_limits<float>::quiet_NaN());
  std::istringstream parts(text);
  std::string part;
  auto parse_value = [&](const std::string& value_text) {
    float value = 0;
    const auto result =
        std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    if (result.ec != std::errc() || result.ptr != value_text.data() + value_text.size() ||
        !std::isfinite(value) || value < 0)
      throw InputError("--mu: '" + value_text + "' is not a number >= 0 (in '" + text + "')");
    return value;
  };
  while (std::getline(parts, part, ',')) {
    const std::size_t eq = part.find('=');
    if (eq == std::string::npos) {
      fallback = parse_value(part);
      continue;
    }
    const std::string scene = part.substr(0, eq);
    const auto at = std::find(scenes.begin(), scenes.end(), scene);
    if (at == scenes.end()) throw InputError("--mu: no scene named '" + scene + "' in the input");
    mu[static_cast<std::size_t>(at - scenes.begin())] = parse_value(part.substr(eq + 1));
  }
  for (float& m : mu)
    if (std::isnan(m)) m = fallback;
  return mu;
}

ParsedTrain parse_train_options(const std::vector<std::string>& args) {
  ParsedTrain parsed;
  TrainConfig& c = parsed.config;
  std::string format, solver, feedback, confidence, average_weight, grid, ks, model_kind,
      evaluate_on, tune_space;
  po::options_description d("sceneals train options", 100, 50);
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("config", po::value<std::string>(), "INI file with any of these options (name = value); "
                                         "command-line values win")
    ("input", po::value(&c.read.path)->required(), "interaction log (CSV/TSV with a header, or "
                                                   "MovieLens u.data / ratings.dat)")
    ("output", po::value(&c.output)->required(), "embedding file to write (HDF5)")
    ("format", po::value(&format)->default_value("csv")->notifier(
        one_of("format", {"csv", "movielens"})), "input layout: csv or movielens")
    ("movielens-items", po::value(&c.read.movielens_items),
        "MovieLens u.item or movies.dat (genres of each movie; --format movielens)")
    ("scene-map", po::value(&c.read.movielens_scene_map),
        "genre -> scene rules (--format movielens), e.g. data/movielens_scenes.txt")
    ("skip-bad-lines", po::bool_switch(&c.read.skip_bad_lines),
        "skip malformed lines and report how many, instead of stopping at the first")
    ("model-kind", po::value(&model_kind)->default_value("colearn")->notifier(
        one_of("model-kind", {"colearn", "independent", "pooled", "popularity"})),
        "colearn (item biases, cross-scene averaging with --mu, bridge), independent (per-scene "
        "ALS: mu = 0, no bias, no bridge; users cold in a scene get its popular items), pooled "
        "(all scenes in one matrix, items kept distinct per scene) or popularity (the most "
        "popular items of each scene)")
    ("factors", po::value(&c.als.factors)->default_value(64)->notifier(in_range("factors", 1, 4096, true)),
        "k, the number of latent factors")
    ("iterations", po::value(&c.iterations)->default_value(15)->notifier(at_least("iterations", 0)),
        "ALS iterations")
    ("lambda", po::value(&c.als.lambda)->default_value(0.1f, "0.1")->notifier(at_least("lambda", 1e-12f)),
        "L2 regularisation (> 0); explicit feedback scales it by each row's rating count (ALS-WR)")
    ("alpha", po::value(&c.als.alpha)->default_value(10.0f)->notifier(at_least("alpha", 0.0f)),
        "implicit confidence slope: c = 1 + alpha * r (or 1 + alpha * log(1 + r / epsilon))")
    ("confidence", po::value(&confidence)->default_value("linear")->notifier(
        one_of("confidence", {"linear", "log"})), "implicit confidence: linear or log")
    ("epsilon", po::value(&c.als.epsilon)->default_value(1.0f)->notifier(at_least("epsilon", 1e-12f)),
        "epsilon of the log confidence")
    ("mu", po::value(&c.mu)->default_value("0"),
        "cross-scene pull toward the shared user factor: one value, or scene=value pairs "
        "with an optional bare default, e.g. 0.5,book=2")
    ("ridge", po::value(&c.ridge)->default_value(100.0)->notifier(at_least("ridge", 1e-12)),
        "ridge (> 0) of each scene's bridge B_s, the regression of x_us on the user's average "
        "over its other scenes that serves users cold in the scene")
    ("scene-map-ridge", po::value(&c.scene_map_ridge)->default_value(0.0, "0")->notifier(
        at_least("scene-map-ridge", 0.0)),
        "with --mu > 0, pull x_us toward a_s * z_u + c_s, a per-scene diagonal scale and shift "
        "fitted every iteration with this ridge toward the identity (0: no map, x_us pulled "
        "toward z_u)")
    ("item-features", po::value(&c.item_features),
        "item content features (CSV item,<name>,... or HDF5 /items/id, /items/features): each "
        "scene's items are regressed on them, and items without interactions are served from "
        "them (docs/item-features.md)")
    ("feature-weight", po::value(&c.feature_weight)->default_value(0.0, "0")->notifier(
        at_least("feature-weight", 0.0)),
        "with --item-features, pull each item's row toward what its features predict with this "
        "weight in every item step (0: the feature map is only fitted after training)")
    ("feature-ridge", po::value(&c.feature_ridge)->default_value(1.0, "1")->notifier(
        at_least("feature-ridge", 1e-12)),
        "ridge (> 0) of each scene's feature map, on standardised features")
    ("average-weight", po::value(&average_weight)->default_value("one")->notifier(
        one_of("average-weight", {"one", "count"})),
        "w_us in the cross-scene average: one, or the user's interaction count in the scene")
    ("solver", po::value(&solver)->default_value("auto")->notifier(
        one_of("solver", {"auto", "cholesky", "cg"})),
        "per-row solve: exact cholesky, cg, or auto (cg from --factors 128 on, else cholesky)")
    ("cg-steps", po::value(&c.als.cg_steps)->default_value(3)->notifier(at_least("cg-steps", 1)),
        "conjugate-gradient steps per row, warm-started (--solver cg)")
    ("feedback", po::value(&feedback)->default_value("implicit")->notifier(
        one_of("feedback", {"implicit", "explicit"})),
        "implicit (Hu et al. confidence) or explicit (ALS-WR on observed values)")
    ("seed", po::value(&c.seed)->default_value(42), "seed of the split and the initial factors")
    ("holdout", po::value(&c.split.holdout)->default_value(0.2, "0.2")->notifier(
        in_range("holdout", 0.0, 1.0, false)),
        "fraction of each (user, scene)'s interactions held out for testing")
    ("cold-fraction", po::value(&c.split.cold_fraction)->default_value(0.2, "0.2")->notifier(
        in_range("cold-fraction", 0.0, 1.0, true)),
        "fraction of multi-scene users made cold in one scene for testing")
    ("cold-item-fraction", po::value(&c.split.cold_item_fraction)->default_value(0.0, "0")
        ->notifier(in_range("cold-item-fraction", 0.0, 1.0, false)),
        "fraction of items held out entirely (seeded): all their interactions are tested as the "
        "cold-item cohort, ranked among the items served from --item-features")
    ("min-interactions", po::value(&c.split.min_interactions)->default_value(5)->notifier(
        at_least("min-interactions", 1)),
        "a (user, scene) needs this many interactions to get a warm holdout")
    ("write-split", po::value(&c.write_split), "write train.csv and test.csv of the split here")
    ("evaluate", po::bool_switch(&c.evaluate),
        "after training, compute precision, recall, F1, NDCG, MAP, hit rate, diversity, novelty "
        "and coverage at each K on the held-out split, for warm, cold-scene and cold-item pairs")
    ("evaluate-on", po::value(&evaluate_on)->default_value("test")->notifier(
        one_of("evaluate-on", {"test", "validation"})),
        "test, or validation: carve a validation split from the training part the same way "
        "(derived seed), train on the rest and evaluate there, for choosing hyper-parameters")
    ("k", po::value(&ks)->default_value("5,10,20"), "cut-offs K for --evaluate, comma-separated")
    ("metrics-json", po::value(&c.metrics_json),
        "with --evaluate: also write the metrics to this JSON file (records with scene, cohort, "
        "k, metric, value, pairs); they are always stored in the model's /metrics group")
    ("checkpoint-every", po::value(&c.checkpoint_every)->default_value(0)->notifier(
        at_least("checkpoint-every", 0)),
        "write the full training state every N iterations (0: only when SIGTERM or SIGUSR1 "
        "asks the job to stop)")
    ("checkpoint-dir", po::value(&c.checkpoint_dir),
        "directory of the checkpoints (default: OUTPUT.checkpoints); the newest two are kept")
    ("resume", po::bool_switch(&c.resume),
        "continue from the newest usable checkpoint in --checkpoint-dir (any number of ranks); "
        "start from the beginning when there is none")
    ("init-from", po::value(&c.init_from),
        "start from this embedding file's rows (a warm start): users, items and scenes are "
        "matched by id and name, new ones start seeded, those gone are dropped; k must match "
        "(docs/usage.md#warm-start---init-from)")
    ("grid", po::value(&grid)->default_value("auto"),
        "process grid GROUPSxSHARDS (scene groups x user shards, product = ranks) or auto")
    ("threads", po::value(&c.threads)->default_value(1)->notifier(in_range("threads", 1, 1024, true)),
        "threads per rank for the per-row solves and the matrix products (OpenMP); run one "
        "rank per socket or node with as many threads as its cores")
    ("exchange-buffer-mb", po::value(&c.exchange_buffer_mb)->default_value(64.0, "64")->notifier(
        in_range("exchange-buffer-mb", 0.001, 1024.0, true)),
        "the item step brings the user rows a rank's items need, and the user step the item rows "
        "its users need, from the other ranks of its scene group in batches of at most this "
        "many MB (and sends at most this much in a round); a scene whose whole user (item) table "
        "fits in it is gathered whole instead when that copies at most twice the rows; at most "
        "1024, as one MPI message stays under 2^31 bytes (docs/performance.md)")
    ("chunk-kb", po::value(&c.chunk_kb)->default_value(0)->notifier(
        in_range("chunk-kb", 0, 1 << 20, true)),
        "store the embedding file's datasets in chunks of whole rows of about this many kB "
        "(HDF5 chunked layout); 0 keeps them contiguous, which lets readers memory-map the "
        "matrices (docs/embedding-file.md)")
    ("tune", po::bool_switch(&c.tune),
        "choose the model on a validation split carved from the training part: candidates of "
        "--tune-space by successive halving, then per scene the bridge's ridge and a blend with "
        "popularity (score + beta log(1 + count), or popularity itself); the choice is then "
        "trained on the whole training part. Rule: the best mean of warm and cold-scene "
        "recall@20 on validation")
    ("tune-space", po::value(&tune_space)->default_value(""),
        "what --tune searches, e.g. 'mu=0,1,10,100 map=0,10 lambda=0.1,1 alpha=1,10 "
        "iterations=15 ridge=10,100 beta=0,0.01,0.1,popularity kind=colearn,pooled'; names left "
        "out keep these defaults (beta also 0.03, 0.3, 1; iterations: --iterations). A mu value "
        "may differ per scene: 1/book=10 is 10 for book, 1 elsewhere")
    ("tune-budget", po::value(&c.tune_budget)->default_value(8.0, "8")->notifier(
        at_least("tune-budget", 0.0)),
        "--tune trains at most this many times --iterations iterations over all candidates")
    ("tune-groups", po::value(&c.tune_groups)->default_value(0, "auto")->notifier(
        in_range("tune-groups", 0, 1 << 20, true)),
        "groups of ranks that train --tune's candidates side by side, each on its own copy of "
        "the data (memory per rank grows with them); auto: 1 below 4 ranks, else the largest of "
        "2, 3, 4 dividing the ranks with at least 2 ranks a group")
    ("benchmark", po::bool_switch(&c.benchmark),
        "measure the attainable FLOP/s first, then print per phase (read, route, user step, "
        "averaging, item step, evaluation) the time, FLOPs, rate and its fraction of the "
        "attainable, bytes sent per rank, and peak memory");
  // clang-format on
  const po::variables_map vm = parse(d, args);
  if (vm.count("help")) {
    parsed.help = true;
    parsed.help_text = help_of("usage: sceneals train --input FILE --output model.h5 [options]", d);
    return parsed;
  }
  if (format == "movielens") {
    if (c.read.movielens_items.empty() || c.read.movielens_scene_map.empty())
      throw InputError("--format movielens needs --movielens-items and --scene-map");
    // ratings.dat separates fields with "::", u.data with tabs; the reader checks each line.
    std::ifstream probe(c.read.path);
    std::string first;
    std::getline(probe, first);
    c.read.format = first.find("::") != std::string::npos ? io::InputFormat::kMovieLensRatingsDat
                                                          : io::InputFormat::kMovieLensUData;
  }
  c.als.solver = solver == "auto" ? solver::automatic_solver(c.als.factors)
                 : solver == "cg" ? solver::LinearSolverKind::kConjugateGradient
                                  : solver::LinearSolverKind::kCholesky;
  c.als.feedback =
      feedback == "explicit" ? solver::Feedback::kExplicit : solver::Feedback::kImplicit;
  c.als.confidence =
      confidence == "log" ? solver::ConfidenceKind::kLog : solver::ConfidenceKind::kLinear;
  c.average_weight_count = average_weight == "count";
  c.model_kind = model_kind == "independent"  ? solver::ModelKind::kIndependent
                 : model_kind == "pooled"     ? solver::ModelKind::kPooled
                 : model_kind == "popularity" ? solver::ModelKind::kPopularity
                                              : solver::ModelKind::kColearn;
  c.split.seed = c.seed;
  c.evaluate_on_validation = evaluate_on == "validation";
  if (c.checkpoint_dir.empty()) c.checkpoint_dir = c.output + ".checkpoints";
  if (c.model_kind == solver::ModelKind::kPooled && (c.checkpoint_every > 0 || c.resume))
    throw InputError(
        "--checkpoint-every and --resume are not supported with --model-kind pooled yet");
  if (!c.init_from.empty() && c.model_kind == solver::ModelKind::kPopularity)
    throw InputError("--init-from: --model-kind popularity trains no factors to start");
  if (!c.init_from.empty() && c.tune)
    throw InputError(
        "--init-from with --tune: tune once from scratch, then refresh with the chosen "
        "settings (the model's configuration attribute) and --init-from");
  if (!c.metrics_json.empty() && !c.evaluate)
    throw InputError(
        "--metrics-json needs --evaluate (there are no metrics without it)");  // one seed for the
                                                                               // split and the
                                                                               // initial factors
  parse_grid(grid, c.grid_groups, c.grid_shards);
  c.ks = parse_cutoffs(ks);
  c.tune_space = tune::parse_search_space(tune_space, c.iterations);
  if (c.tune) {
    if (!vm["model-kind"].defaulted())
      throw InputError(
          "--tune chooses the model kind itself (colearn or pooled, --tune-space "
          "kind=...): leave out --model-kind");
    if (c.evaluate_on_validation)
      throw InputError(
          "--tune chooses on a validation split of its own: evaluate on test "
          "(leave out --evaluate-on validation)");
  } else if (!tune_space.empty() || !vm["tune-budget"].defaulted() ||
             !vm["tune-groups"].defaulted()) {
    throw InputError("--tune-space, --tune-budget and --tune-groups need --tune");
  }
  if (c.item_features.empty() &&
      (!vm["feature-weight"].defaulted() || !vm["feature-ridge"].defaulted()))
    throw InputError("--feature-weight and --feature-ridge need --item-features");
  c.configuration_text = describe(vm);
  return parsed;
}

ParsedGenerate parse_generate_options(const std::vector<std::string>& args) {
  ParsedGenerate parsed;
  GenerateConfig& c = parsed.config;
  po::options_description d("sceneals generate options", 100, 50);
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("config", po::value<std::string>(), "INI file with any of these options")
    ("output", po::value(&c.output)->required(), "CSV file to write (user,item,scene,value,timestamp)")
    ("users", po::value(&c.users)->default_value(5000)->notifier(at_least<std::int64_t>("users", 1)),
        "number of users")
    ("items", po::value(&c.items)->default_value(2000)->notifier(at_least<std::int64_t>("items", 1)),
        "number of items over all scenes")
    ("interactions", po::value(&c.interactions)->default_value(100000)->notifier(
        at_least<std::int64_t>("interactions", 1)), "number of interaction lines")
    ("scenes", po::value(&c.scenes)->default_value(3)->notifier(in_range("scenes", 1, 1000, true)),
        "number of scenes")
    ("seed", po::value(&c.seed)->default_value(42), "random seed")
    ("item-features", po::value(&c.item_features),
        "also write the items' content features (CSV item,f0,...) here: a noisy projection of "
        "each item's planted topic, for train --item-features")
    ("feature-dimensions", po::value(&c.feature_dimensions)->default_value(16)->notifier(
        in_range("feature-dimensions", 1, 4096, true)), "features per item")
    ("feature-noise", po::value(&c.feature_noise)->default_value(0.5, "0.5")->notifier(
        at_least("feature-noise", 0.0)),
        "noise of the features, relative to the topic's signal (0: they name the topic)");
  // clang-format on
  const po::variables_map vm = parse(d, args);
  if (vm.count("help")) {
    parsed.help = true;
    parsed.help_text = help_of("usage: sceneals generate --output FILE [options]", d);
  }
  return parsed;
}

ParsedEvaluate parse_evaluate_options(const std::vector<std::string>& args) {
  ParsedEvaluate parsed;
  EvaluateConfig& c = parsed.config;
  std::string ks, grid;
  po::options_description d("sceneals evaluate options", 100, 50);
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("config", po::value<std::string>(), "INI file with any of these options (name = value); "
                                         "command-line values win")
    ("model", po::value(&c.model)->required(), "embedding file to evaluate (HDF5, as train writes)")
    ("train", po::value(&c.train.path)->required(),
        "training part of the split (train.csv of train --write-split): its items are never "
        "recommended, and a test pair whose user has some in the scene is warm")
    ("test", po::value(&c.test.path)->required(),
        "held-out part of the split (test.csv of train --write-split)")
    ("k", po::value(&ks)->default_value("5,10,20"), "cut-offs K, comma-separated")
    ("metrics-json", po::value(&c.metrics_json), "also write the metrics to this JSON file")
    ("grid", po::value(&grid)->default_value("auto"),
        "process grid GROUPSxSHARDS (scene groups x user shards, product = ranks) or auto")
    ("skip-bad-lines", po::bool_switch(&c.train.skip_bad_lines),
        "skip malformed lines of both files and report how many, instead of stopping at the first");
  // clang-format on
  const po::variables_map vm = parse(d, args);
  if (vm.count("help")) {
    parsed.help = true;
    parsed.help_text = help_of(
        "usage: sceneals evaluate --model model.h5 --train train.csv --test test.csv [options]", d);
    return parsed;
  }
  c.test.skip_bad_lines = c.train.skip_bad_lines;
  parse_grid(grid, c.grid_groups, c.grid_shards);
  c.ks = parse_cutoffs(ks);
  return parsed;
}

namespace {

/// "a,b,c" as its non-empty parts; InputError naming the option when one is empty.
std::vector<std::string> split_list(const char* option, const std::string& text) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = text.find(',', begin);
    const std::string part = text.substr(begin, comma == std::string::npos ? comma : comma - begin);
    if (part.empty()) throw InputError("--" + std::string(option) + ": empty id in '" + text + "'");
    parts.push_back(part);
    if (comma == std::string::npos) return parts;
    begin = comma + 1;
  }
}

}  // namespace

ParsedRecommend parse_recommend_options(const std::vector<std::string>& args) {
  ParsedRecommend parsed;
  RecommendConfig& c = parsed.config;
  std::string items, format;
  int top = 0;
  po::options_description d("sceneals recommend options", 100, 50);
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("config", po::value<std::string>(), "INI file with any of these options (name = value); "
                                         "command-line values win")
    ("model", po::value(&c.model)->required(), "embedding file (HDF5, as train writes)")
    ("scene", po::value(&c.scene)->required(), "the scene to recommend in")
    ("user", po::value(&c.user),
        "one user of the model; with --items, the id of the user folded in (when the model "
        "knows the user, its vector for the scene is the fold-in's prior)")
    ("users", po::value(&c.users_file),
        "file of user ids, one per line; under mpirun each rank scores its share of the "
        "file, and the output keeps the file's order")
    ("items", po::value(&items),
        "fold-in: comma-separated ids of items the user interacted with (each counts 1, "
        "repeats add up); the user's factor is solved against the scene's items by the "
        "trainer's user step")
    ("k", po::value(&c.k)->default_value(10)->notifier(in_range("k", 1, 1000000, true)),
        "recommendations per user")
    ("top", po::value(&top)->notifier(in_range("top", 1, 1000000, true)),
        "the same as --k (the name in the original command-line contract)")
    ("exclude-seen", po::bool_switch(&c.exclude_seen),
        "never recommend the user's training items in the scene (those of --train; with "
        "--items, the items given)")
    ("new-items", po::value(&c.new_items),
        "items not in the model, given by their features only (a file like train's "
        "--item-features, with the same feature names): each is embedded with the scene's "
        "feature map and ranked with the scene's items (source features)")
    ("train", po::value(&c.train.path),
        "training interactions (train.csv of train --write-split, or the training log): the "
        "items --exclude-seen masks, and what --explain rebuilds a user of the model from")
    ("explain", po::bool_switch(&c.explain),
        "for each recommended item, the user's past items that contribute most to its score "
        "(Hu, Koren and Volinsky 2008) and the other parts of the score; a user of the model "
        "(--user, --users) needs --train, whose items in the scene rebuild the user's system")
    ("explain-items", po::value(&c.explain_items)->default_value(3)->notifier(
        in_range("explain-items", 0, 1000000, true)),
        "past items listed per recommended item with --explain (the rest are summed)")
    ("format", po::value(&format)->default_value("csv")->notifier(one_of("format", {"csv", "jsonl"})),
        "csv (header user,rank,item,score,source) or jsonl (one JSON object per line)")
    ("output", po::value(&c.output),
        "file to write, atomically (a temporary file renamed when complete); default: standard "
        "output");
  // clang-format on
  const po::variables_map vm = parse(d, args);
  if (vm.count("help")) {
    parsed.help = true;
    parsed.help_text = help_of(
        "usage: sceneals recommend --model model.h5 --scene NAME (--user ID | --users FILE | "
        "--items ID,... [--user ID]) [options]",
        d);
    return parsed;
  }
  c.fold_in = vm.count("items") > 0;
  if (c.fold_in) c.items = split_list("items", items);
  const bool one_user = vm.count("user") > 0;
  const bool file = vm.count("users") > 0;
  if (file && (one_user || c.fold_in))
    throw InputError("--users cannot be combined with --user or --items");
  if (!file && !one_user && !c.fold_in) throw InputError("give --user ID, --users FILE or --items");
  if (vm.count("top")) {
    if (!vm["k"].defaulted() && top != c.k)
      throw InputError("--top " + std::to_string(top) + " and --k " + std::to_string(c.k) +
                       " disagree (they are the same option)");
    c.k = top;
  }
  if (!c.fold_in && c.train.path.empty()) {
    if (c.exclude_seen)
      throw InputError("--exclude-seen needs --train FILE (the users' training items)");
    if (c.explain)
      throw InputError(
          "--explain of a user of the model needs --train FILE (its training items rebuild the "
          "user's system)");
  }
  c.format = format == "jsonl" ? RecommendOutput::kJsonLines : RecommendOutput::kCsv;
  return parsed;
}

ParsedExport parse_export_options(const std::vector<std::string>& args) {
  ParsedExport parsed;
  ExportConfig& c = parsed.config;
  std::string format;
  po::options_description d("sceneals export options", 100, 50);
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("config", po::value<std::string>(), "INI file with any of these options (name = value); "
                                         "command-line values win")
    ("model", po::value(&c.model)->required(), "embedding file (HDF5, as train writes)")
    ("format", po::value(&format)->default_value("npy")->notifier(
        one_of("format", {"npy", "ann-benchmarks"})),
        "npy: one .npy file per matrix plus users.txt and items.txt (row order) in the "
        "directory --output; ann-benchmarks: one scene as an ann-benchmarks HDF5 file --output")
    ("output", po::value(&c.output)->required(), "directory (npy) or file (ann-benchmarks)")
    ("scene", po::value(&c.scene),
        "the scene to export (npy: default every scene; ann-benchmarks: required)")
    ("queries", po::value(&c.queries)->default_value(0)->notifier(at_least<std::int64_t>("queries", 0)),
        "ann-benchmarks: the test set is the first N users in row order (rows are in hash order, "
        "a pseudo-random sample); 0: every user");
  // clang-format on
  const po::variables_map vm = parse(d, args);
  if (vm.count("help")) {
    parsed.help = true;
    parsed.help_text = help_of(
        "usage: sceneals export --model model.h5 --format npy|ann-benchmarks --output DIR|FILE "
        "[options]",
        d);
    return parsed;
  }
  c.format = format == "ann-benchmarks" ? ExportFormat::kAnnBenchmarks : ExportFormat::kNpy;
  if (c.format == ExportFormat::kAnnBenchmarks && c.scene.empty())
    throw InputError("--format ann-benchmarks needs --scene NAME");
  if (c.format == ExportFormat::kNpy && vm.count("queries") && !vm["queries"].defaulted())
    throw InputError("--queries applies to --format ann-benchmarks only");
  return parsed;
}

}  // namespace sceneals::config
