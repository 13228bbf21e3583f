// `sceneals recommend`: the top K items of one scene for one user (--user), a file of users
// (--users, each rank scoring its share of the file in blocks of one matrix product each), or a
// user folded in from items given on the command line (--items). Open the model -> read the
// scene's items -> this rank's requests -> their user vectors (stored rows, or folded in) ->
// rank -> [explain] -> lines in the input's order, written collectively. Every step is collective.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <optional>
#include <unordered_map>

#include "app/command_options.h"
#include "app/commands.h"
#include "app/gather_to_root.h"
#include "config/model_settings.h"
#include "config/options.h"
#include "eval/rank_items.h"
#include "eval/recommendation_format.h"
#include "io/bridged_row.h"
#include "io/embedding_reader.h"
#include "io/item_features.h"
#include "io/serving_scene.h"
#include "io/user_items.h"
#include "io/user_list.h"
#include "mpi/error_agreement.h"
#include "mpi/parallel_text_file.h"
#include "solver/fold_in.h"
#include "solver/gram.h"
#include "solver/score_explanation.h"
#include "solver/threads.h"

namespace sceneals::app {

namespace {

using eval::ScoreSource;

/// The users this rank answers for, in the input's order.
struct Requests {
  std::vector<std::string> ids;
  std::vector<std::int64_t> lines;  ///< line in --users FILE (0: given on the command line)
  std::vector<std::int64_t> rows;   ///< row in the model, -1 when it does not know the user
};

/// What the model stores for this rank's requests (rows -1 get zero rows).
struct StoredUsers {
  solver::Matrix vectors;  ///< the scene's user_factors rows, k + 1 wide
  std::vector<std::uint8_t> active;
  solver::Matrix shared;  ///< /shared/user_factors rows, k wide (read when needed, else empty)
};

Requests collect_requests(const mpi::Communicator& world, const config::RecommendConfig& config) {
  Requests requests;
  if (!config.users_file.empty()) {
    // Dealt in whole ranking blocks, so that every rank count scores every user alike.
    io::UserList list = io::deal_in_blocks(world, io::read_user_list(world, config.users_file),
                                           eval::kRankingBlock);
    requests.ids = std::move(list.ids);
    requests.lines = std::move(list.lines);
  } else if (world.is_root()) {  // one user: rank 0 answers
    requests.ids = {config.user};
    requests.lines = {0};
  }
  return requests;
}

/// Looks up every request's row. A user the model does not know is an error unless folded in.
void find_rows(const mpi::Communicator& world, const io::EmbeddingFileReader& model,
               const config::RecommendConfig& config, Requests& requests) {
  const std::vector<std::string> ids = model.read_id_rows("/users/id", 0, model.n_users());
  std::unordered_map<std::string, std::int64_t> row_of;
  row_of.reserve(ids.size());
  for (std::size_t r = 0; r < ids.size(); ++r) row_of.emplace(ids[r], static_cast<std::int64_t>(r));
  mpi::run_agreed(world, [&] {
    for (std::size_t i = 0; i < requests.ids.size(); ++i) {
      const auto at = row_of.find(requests.ids[i]);
      requests.rows.push_back(at == row_of.end() ? -1 : at->second);
      if (at != row_of.end() || config.fold_in) continue;
      const std::string what = "user '" + requests.ids[i] + "' is not in the model " + config.model;
      if (requests.lines[i] > 0) throw InputError(config.users_file, requests.lines[i], what);
      throw InputError(what);
    }
  });
}

StoredUsers read_stored_users(const io::EmbeddingFileReader& model, const io::ServingScene& scene,
                              const Requests& requests, bool with_shared) {
  std::vector<std::int64_t> rows;
  for (const std::int64_t row : requests.rows)
    if (row >= 0) rows.push_back(row);
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  const std::int64_t n = model.n_users();
  std::vector<std::uint8_t> active;
  const solver::Matrix vectors = model.read_user_rows(scene.name, rows, &active);
  const solver::Matrix shared =
      with_shared ? model.read_matrix_rows("/shared/user_factors", n, scene.k, rows)
                  : solver::Matrix();
  // Back to request order.
  StoredUsers out;
  const auto count = static_cast<Eigen::Index>(requests.rows.size());
  out.vectors = solver::Matrix::Zero(count, scene.k + 1);
  if (with_shared) out.shared = solver::Matrix::Zero(count, scene.k);
  out.active.assign(requests.rows.size(), 0);
  for (std::size_t i = 0; i < requests.rows.size(); ++i) {
    if (requests.rows[i] < 0) continue;
    const auto at = static_cast<Eigen::Index>(
        std::lower_bound(rows.begin(), rows.end(), requests.rows[i]) - rows.begin());
    out.vectors.row(static_cast<Eigen::Index>(i)) = vectors.row(at);
    if (with_shared) out.shared.row(static_cast<Eigen::Index>(i)) = shared.row(at);
    out.active[i] = active[static_cast<std::size_t>(at)];
  }
  return out;
}

ScoreSource stored_source(solver::ModelKind kind, bool active, bool has_bridge) {
  if (kind == solver::ModelKind::kPopularity) return ScoreSource::kPopularity;
  if (active) return ScoreSource::kTrained;
  if (kind == solver::ModelKind::kIndependent) return ScoreSource::kPopularity;
  if (kind == solver::ModelKind::kColearn && has_bridge) return ScoreSource::kBridged;
  return ScoreSource::kShared;
}

/// --items as observations of the scene's items (repeats summed). Errors name the item.
solver::UserObservations items_given(const config::RecommendConfig& config,
                                     const io::ServingScene& scene) {
  std::unordered_map<std::string, std::int64_t> row_of;
  for (std::size_t r = 0; r < scene.ids.size(); ++r)
    row_of.emplace(scene.ids[r], static_cast<std::int64_t>(r));
  std::vector<std::int32_t> positions;
  for (const std::string& id : config.items) {
    const auto at = row_of.find(id);
    if (at == row_of.end())
      throw InputError("--items: item '" + id + "' is not in the model " + config.model);
    const std::int32_t position = scene.position_of_row[static_cast<std::size_t>(at->second)];
    if (position < 0)
      throw InputError("--items: item '" + id + "' has no factors in scene '" + scene.name +
                       "' (item_active = 0)");
    positions.push_back(position);
  }
  std::sort(positions.begin(), positions.end());
  solver::UserObservations observed;
  for (const std::int32_t position : positions) {
    if (!observed.items.empty() && observed.items.back() == position) {
      observed.values.back() += 1.0f;
    } else {
      observed.items.push_back(position);
      observed.values.push_back(1.0f);
    }
  }
  return observed;
}

/// The user's system in the scene as the trainer's user step builds it: its observations and the
/// prior (weight mu_s w_us, w_us = 1 or the user's interaction count).
struct UserSystem {
  solver::UserObservations observed;
  float prior_weight = 0;
  Eigen::VectorXf prior;  ///< k values when prior_weight > 0
};

float prior_weight(const config::ModelSettings& settings, const std::string& scene,
                   const solver::UserObservations& observed) {
  const float w = settings.average_weight_count ? static_cast<float>(observed.items.size()) : 1.0f;
  return settings.mu_of(scene) * w;
}

/// The fold-in's prior for a user the model knows: its vector for the scene as the model serves a
/// user cold there (the stored row when the user is cold in the scene, else the bridge applied to
/// [z_u, 1], or z_u where the scene has no bridge).
Eigen::VectorXf bridged_vector(const io::ServingScene& scene, const StoredUsers& stored,
                               std::size_t i) {
  const auto row = static_cast<Eigen::Index>(i);
  if (stored.active[i] == 0) return stored.vectors.row(row).head(scene.k).transpose();
  if (!scene.bridge) return stored.shared.row(row).transpose();
  Eigen::VectorXf bridged(scene.k + 1);
  io::bridged_row(*scene.bridge, stored.shared.row(row).data(), bridged.data());
  return bridged.head(scene.k);
}

/// The explanation of one recommended item: the explainer's parts, the past items with the
/// largest shares named, and what the parts do not cover (refit) so that they add up to `score`.
eval::ExplanationParts explanation_of(const solver::ScoreExplainer& explainer,
                                      const solver::UserObservations& observed,
                                      const io::ServingScene& scene, std::int32_t item, float score,
                                      int listed) {
  const solver::ScoreExplanation parts = explainer.explain(scene.items.row(item).data());
  std::vector<std::size_t> order(parts.observed.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return parts.observed[a] > parts.observed[b];
  });
  eval::ExplanationParts out;
  for (std::size_t n = 0; n < order.size(); ++n) {
    const double share = parts.observed[order[n]];
    if (n < static_cast<std::size_t>(listed))
      out.top_items.emplace_back(
          scene.ids[static_cast<std::size_t>(
              scene.rows[static_cast<std::size_t>(observed.items[order[n]])])],
          share);
    else
      out.other_items += share;
  }
  out.item_bias = parts.item_bias;
  out.unobserved_items = parts.unobserved;
  out.prior = parts.prior;
  out.refit = static_cast<double>(score) - parts.score();
  return out;
}

/// --new-items: every rank reads its share of the file, then all of them hold every new item,
/// embedded with the scene's feature map W_s' [f, 1] and appended to the scene's items (file row
/// n_items + j, source features). Collective.
void add_new_items(const mpi::Communicator& world, const config::RecommendConfig& config,
                   io::ServingScene& scene) {
  io::ItemFeatureRead read = io::read_item_features(world, config.new_items);
  const std::vector<std::string> ids = world.allgatherv_strings(read.ids);
  const std::vector<std::int64_t> lines = world.allgatherv(read.lines);
  const std::vector<float> values = world.allgatherv(read.values);
  mpi::run_agreed(world, [&] {
    if (!scene.feature_map)
      throw InputError(config.model + ": scene '" + scene.name +
                       "' has no feature map (train with --item-features to serve new items)");
    if (read.names != scene.feature_names)
      throw InputError(config.new_items, 1,
                       "the feature columns differ from the model's (" +
                           std::to_string(scene.feature_names.size()) +
                           " features named in /features/name; they must match in order)");
    std::unordered_map<std::string, std::int64_t> line_of;
    for (std::size_t r = 0; r < scene.ids.size(); ++r) line_of.emplace(scene.ids[r], 0);
    for (std::size_t j = 0; j < ids.size(); ++j) {
      const auto [at, added] = line_of.emplace(ids[j], lines[j]);
      if (added) continue;
      throw InputError(
          config.new_items, lines[j],
          "item '" + ids[j] + "' " +
              (at->second == 0 ? "is already in the model"
                               : "is given twice (line " + std::to_string(at->second) + ")"));
    }
  });
  const auto d = static_cast<Eigen::Index>(read.names.size());
  const solver::Matrix& map = *scene.feature_map;
  const auto first = static_cast<Eigen::Index>(scene.rows.size());
  scene.items.conservativeResize(first + static_cast<Eigen::Index>(ids.size()), Eigen::NoChange);
  scene.from_features.resize(scene.rows.size(), 0);
  for (std::size_t j = 0; j < ids.size(); ++j) {
    const Eigen::Map<const Eigen::RowVectorXf> features(
        values.data() + j * static_cast<std::size_t>(d), d);
    scene.items.row(first + static_cast<Eigen::Index>(j)) = map.row(d) + features * map.topRows(d);
    scene.position_of_row.push_back(static_cast<std::int32_t>(scene.rows.size()));
    scene.rows.push_back(static_cast<std::int64_t>(scene.ids.size()));
    scene.ids.push_back(ids[j]);
    scene.from_features.push_back(1);
  }
}

/// Y'Y over the scene's trained items, as the trainer's user step has it: the items served from
/// features (and --new-items) were no part of it.
Eigen::MatrixXf trained_gram(const io::ServingScene& scene) {
  if (scene.from_features.empty()) return solver::gram(scene.items);
  solver::Matrix trained(scene.items.rows(), scene.items.cols());
  Eigen::Index n = 0;
  for (Eigen::Index i = 0; i < scene.items.rows(); ++i)
    if (scene.from_features[static_cast<std::size_t>(i)] == 0)
      trained.row(n++) = scene.items.row(i);
  trained.conservativeResize(n, Eigen::NoChange);
  return solver::gram(trained);
}

/// --items and --explain rebuild the trainer's user step: they need its parameters, a model kind
/// whose user step is one scene's, and (fold-in) implicit feedback. Collective.
void check_solvable(const mpi::Communicator& world, const config::RecommendConfig& config,
                    const config::ModelSettings& settings) {
  mpi::run_agreed(world, [&] {
    if (settings.kind == solver::ModelKind::kPooled ||
        settings.kind == solver::ModelKind::kPopularity)
      throw InputError(config.model +
                       ": --items and --explain need a colearn or independent model (the user "
                       "step of a pooled or popularity model is not one scene's)");
    if (!settings.missing.empty())
      throw InputError(config.model + ": " + settings.missing +
                       ", so --items and --explain cannot rebuild the training's user step");
    if (config.fold_in && settings.als.feedback == solver::Feedback::kExplicit)
      throw InputError(config.model +
                       ": --items gives no ratings, and this model was trained on explicit "
                       "ratings (--feedback explicit)");
  });
}

/// Collective. Each request's system in the scene, where it is masked, solved or explained: the
/// items given (fold-in, with the user's bridged vector as the prior when the model knows the
/// user), or the user's items in --train (with z_u as the prior, as in training).
std::vector<UserSystem> user_systems(const mpi::Communicator& world,
                                     const config::RecommendConfig& config,
                                     const config::ModelSettings& settings,
                                     const io::ServingScene& scene, const Requests& requests,
                                     const StoredUsers& stored) {
  const std::size_t n = requests.ids.size();
  std::vector<UserSystem> systems(n);
  if (config.fold_in) {
    mpi::run_agreed(world, [&] {
      for (std::size_t i = 0; i < n; ++i) {
        UserSystem& system = systems[i];
        system.observed = items_given(config, scene);
        if (requests.rows[i] < 0) continue;  // a new user: no prior
        system.prior_weight = prior_weight(settings, scene.name, system.observed);
        system.prior = bridged_vector(scene, stored, i);
      }
    });
    return systems;
  }
  if (!config.exclude_seen && !config.explain) return systems;
  std::unordered_map<std::string, std::int32_t> position_of_item;
  for (std::size_t r = 0; r < scene.ids.size(); ++r)
    position_of_item.emplace(scene.ids[r], scene.position_of_row[r]);
  std::vector<io::UserItems> seen = io::read_user_items(
      world, config.train, scene.name, requests.ids, position_of_item, config.model);
  mpi::run_agreed(world, [&] {
    for (std::size_t i = 0; i < n; ++i) {
      UserSystem& system = systems[i];
      system.observed = {std::move(seen[i].items), std::move(seen[i].values)};
      if (!config.explain || stored.active[i] == 0) continue;
      if (system.observed.items.empty())
        throw InputError(config.train.path, "no items of user '" + requests.ids[i] +
                                                "' in scene '" + scene.name +
                                                "', but the model trained the user there "
                                                "(not the model's training data?)");
      system.prior_weight = prior_weight(settings, scene.name, system.observed);
      system.prior = stored.shared.row(static_cast<Eigen::Index>(i)).transpose();
    }
  });
  return systems;
}

const float* prior_of(const UserSystem& system) {
  return system.prior_weight > 0 ? system.prior.data() : nullptr;
}

/// This rank's lines: per request, its ranked items, explained with --explain.
std::string format_lines(const mpi::Communicator& world, const config::RecommendConfig& config,
                         const config::ModelSettings& settings, const io::ServingScene& scene,
                         const Eigen::MatrixXf& gram_of_items, const Requests& requests,
                         const std::vector<UserSystem>& systems,
                         const std::vector<ScoreSource>& sources,
                         const std::vector<eval::RankedItems>& ranked) {
  const auto format = config.format == config::RecommendOutput::kJsonLines
                          ? eval::RecommendationFormat::kJsonLines
                          : eval::RecommendationFormat::kCsv;
  std::string block = world.is_root() ? eval::recommendation_header(format, config.explain) : "";
  for (std::size_t i = 0; i < requests.ids.size(); ++i) {
    const UserSystem& system = systems[i];
    // Vectors solved from the user's items in the scene are explained by them; the others (a
    // bridged, shared or popularity row) by the item bias and the transferred rest.
    std::optional<solver::ScoreExplainer> explainer;
    if (config.explain &&
        (sources[i] == ScoreSource::kFoldedIn || sources[i] == ScoreSource::kTrained))
      explainer.emplace(settings.als, scene.items, gram_of_items, system.observed,
                        system.prior_weight, prior_of(system));
    for (std::size_t r = 0; r < ranked[i].items.size(); ++r) {
      const std::int32_t item = ranked[i].items[r];
      const float score = ranked[i].scores[r];
      const bool from_features =
          !scene.from_features.empty() && scene.from_features[static_cast<std::size_t>(item)] != 0;
      eval::ExplanationParts parts;
      if (explainer) {
        parts =
            explanation_of(*explainer, system.observed, scene, item, score, config.explain_items);
      } else {
        parts.item_bias = scene.items(item, scene.k);
        parts.transferred = static_cast<double>(score) - parts.item_bias;
      }
      eval::append_recommendation(
          block, format, requests.ids[i], static_cast<int>(r + 1),
          scene.ids[static_cast<std::size_t>(scene.rows[static_cast<std::size_t>(item)])], score,
          from_features ? ScoreSource::kFeatures : sources[i], config.explain ? &parts : nullptr);
    }
  }
  return block;
}

}  // namespace

int run_recommend(const mpi::Communicator& world, const std::vector<std::string>& args) {
  const auto parsed =
      parse_command_options(world, args, config::parse_recommend_options, [](const auto&) {});
  if (!parsed) return 0;  // --help
  // One thread per rank: Eigen's threaded products split the work by thread count, and scores
  // must not depend on it (run more ranks for more cores).
  solver::set_thread_count(1);
  const config::RecommendConfig& config = parsed->config;

  const io::EmbeddingFileReader model(world, config.model);
  const config::ModelSettings settings = config::read_model_settings(model);
  io::ServingScene scene = io::read_serving_scene(model, config.scene);
  if (!config.new_items.empty()) add_new_items(world, config, scene);
  const bool solves = config.fold_in || config.explain;  // the trainer's user step is rebuilt
  if (solves) check_solvable(world, config, settings);

  Requests requests = collect_requests(world, config);  // this rank's users, in input order
  find_rows(world, model, config, requests);
  const StoredUsers stored = read_stored_users(model, scene, requests, solves);
  const Eigen::MatrixXf gram_of_items = solves ? trained_gram(scene) : Eigen::MatrixXf();
  const std::vector<UserSystem> systems =
      user_systems(world, config, settings, scene, requests, stored);

  // The user vectors: folded in (x = A^-1 b of the user step), or as the file stores them.
  solver::Matrix vectors = stored.vectors;
  std::vector<ScoreSource> sources(requests.ids.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (!config.fold_in) {
      sources[i] = stored_source(settings.kind, stored.active[i] != 0, scene.bridge.has_value());
      continue;
    }
    vectors.row(static_cast<Eigen::Index>(i)) =
        solver::fold_in_user(settings.als, scene.items, gram_of_items, systems[i].observed,
                             systems[i].prior_weight, prior_of(systems[i]))
            .transpose();
    sources[i] = ScoreSource::kFoldedIn;
  }

  // scores = vectors x items' in blocks, top K per user, the seen items masked.
  std::vector<std::vector<std::int32_t>> excluded;
  if (config.exclude_seen)
    for (const UserSystem& system : systems) excluded.push_back(system.observed.items);
  const std::vector<eval::RankedItems> ranked =
      eval::rank_items(vectors, scene.items, config.k, excluded);

  const std::string block = format_lines(world, config, settings, scene, gram_of_items, requests,
                                         systems, sources, ranked);
  if (!config.output.empty()) {
    mpi::write_text_collectively(world, config.output, block);  // temporary file, renamed
  } else {
    const std::vector<char> all =
        gather_to_root(world, std::vector<char>(block.begin(), block.end()));
    if (world.is_root()) std::fwrite(all.data(), 1, all.size(), stdout);
  }
  return 0;
}

}  // namespace sceneals::app
