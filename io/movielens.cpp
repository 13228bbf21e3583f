#include "io/movielens.h"

#include <filesystem>
#include <fstream>

#include "mpi/error.h"

namespace sceneals::io {
namespace {

/// A movie of the item file with its genres as indices into Catalogue::genre_names.
struct Movie {
  std::string id;
  std::vector<int> genres;
  std::int64_t line = 0;
};

struct Catalogue {
  std::vector<std::string> genre_names;
  std::vector<Movie> movies;
};

/// Every line of a small text file, without line ends (a trailing '\r' is dropped too).
std::vector<std::string> read_lines(const std::string& file, const char* what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file, std::string("cannot open the ") + what);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  if (in.bad()) throw InputError(file, std::string("cannot read the ") + what);
  return lines;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// Splits on every occurrence of `separator`; an empty text gives one empty piece.
std::vector<std::string_view> split(std::string_view text, std::string_view separator) {
  std::vector<std::string_view> pieces;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t end = text.find(separator, pos);
    pieces.push_back(text.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (end == std::string_view::npos) return pieces;
    pos = end + separator.size();
  }
}

std::string join_names(const std::vector<std::string>& names, const std::vector<int>& indices) {
  std::string joined;
  for (int index : indices) {
    if (!joined.empty()) joined += ", ";
    joined += names[static_cast<std::size_t>(index)];
  }
  return joined;
}

std::vector<int> all_indices(std::size_t count) {
  std::vector<int> indices(count);
  for (std::size_t i = 0; i < count; ++i) indices[i] = static_cast<int>(i);
  return indices;
}

/// ml-100k u.genre: `name|index` lines, index 0, 1, 2, ... in file order.
std::vector<std::string> load_u_genre(const std::string& genre_file) {
  const std::vector<std::string> lines = read_lines(genre_file, "genre file (u.genre)");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;
    const std::int64_t line_number = static_cast<std::int64_t>(i) + 1;
    const std::vector<std::string_view> fields = split(lines[i], "|");
    if (fields.size() != 2 || fields[0].empty()) {
      throw InputError(genre_file, line_number, "expected 'name|index'");
    }
    if (fields[1] != std::to_string(names.size())) {
      throw InputError(genre_file, line_number,
                       "genre index " + quote_for_message(fields[1]) + ", expected " +
                           std::to_string(names.size()) + " (indices count up from 0)");
    }
    names.emplace_back(fields[0]);
  }
  if (names.empty()) throw InputError(genre_file, "no genres");
  return names;
}

/// ml-100k u.item: id|title|release|video release|url|flag_0|...|flag_{G-1}.
Catalogue load_u_item(const std::string& item_file, const std::vector<std::string>& lines) {
  const std::string genre_file =
      (std::filesystem::path(item_file).parent_path() / "u.genre").string();
  Catalogue catalogue;
  catalogue.genre_names = load_u_genre(genre_file);
  constexpr std::size_t kLeadingFields = 5;
  const std::size_t expected = kLeadingFields + catalogue.genre_names.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const std::int64_t line_number = static_cast<std::int64_t>(i) + 1;
    const std::vector<std::string_view> fields = split(lines[i], "|");
    if (fields.size() != expected) {
      throw InputError(item_file, line_number,
                       "expected " + std::to_string(expected) + " '|'-separated fields (5 + " +
                           std::to_string(catalogue.genre_names.size()) + " genre flags of " +
                           genre_file + "), found " + std::to_string(fields.size()));
    }
    Movie movie{std::string(fields[0]), {}, line_number};
    for (std::size_t g = 0; g < catalogue.genre_names.size(); ++g) {
      const std::string_view flag = fields[kLeadingFields + g];
      if (flag == "1") {
        movie.genres.push_back(static_cast<int>(g));
      } else if (flag != "0") {
        throw InputError(item_file, line_number,
                         "genre flag " + quote_for_message(flag) + " for " +
                             catalogue.genre_names[g] + " is not 0 or 1");
      }
    }
    catalogue.movies.push_back(std::move(movie));
  }
  return catalogue;
}

/// ml-1m movies.dat: id::title::Genre1|Genre2|... (the title may hold anything but a line end).
Catalogue load_movies_dat(const std::string& item_file, const std::vector<std::string>& lines) {
  // The genres MovieLens documents (ml-100k's u.genre; ml-1m's README lists the same without
  // "unknown") are known even when a sample of the file lacks some; others seen are added.
  Catalogue catalogue;
  catalogue.genre_names = {"unknown",   "Action",   "Adventure",   "Animation", "Children's",
                           "Comedy",    "Crime",    "Documentary", "Drama",     "Fantasy",
                           "Film-Noir", "Horror",   "Musical",     "Mystery",   "Romance",
                           "Sci-Fi",    "Thriller", "War",         "Western"};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const std::int64_t line_number = static_cast<std::int64_t>(i) + 1;
    const std::string_view line = lines[i];
    const std::size_t first = line.find("::");
    const std::size_t last = line.rfind("::");
    if (first == std::string_view::npos || last == first) {
      throw InputError(item_file, line_number, "expected 'id::title::Genre1|Genre2|...'");
    }
    Movie movie{std::string(line.substr(0, first)), {}, line_number};
    for (std::string_view genre : split(line.substr(last + 2), "|")) {
      if (genre.empty()) {
        throw InputError(item_file, line_number, "empty genre name in the genre list");
      }
      std::size_t index = 0;
      while (index < catalogue.genre_names.size() && catalogue.genre_names[index] != genre) {
        ++index;
      }
      if (index == catalogue.genre_names.size()) catalogue.genre_names.emplace_back(genre);
      movie.genres.push_back(static_cast<int>(index));
    }
    catalogue.movies.push_back(std::move(movie));
  }
  return catalogue;
}

/// rule_genres[r][g]: does rule r name genre g? Throws for a genre the catalogue does not know.
std::vector<std::vector<bool>> resolve_rules(const std::vector<SceneRule>& rules,
                                             const Catalogue& catalogue,
                                             const std::string& item_file,
                                             const std::string& scene_map_file) {
  std::vector<std::vector<bool>> rule_genres;
  for (const SceneRule& rule : rules) {
    std::vector<bool> named(catalogue.genre_names.size(), rule.match_all);
    for (const std::string& genre : rule.genres) {
      std::size_t index = 0;
      while (index < catalogue.genre_names.size() && catalogue.genre_names[index] != genre) {
        ++index;
      }
      if (index == catalogue.genre_names.size()) {
        throw InputError(
            scene_map_file, rule.line,
            "genre " + quote_for_message(genre) + " is not a genre of " + item_file +
                " (known genres: " +
                join_names(catalogue.genre_names, all_indices(catalogue.genre_names.size())) + ")");
      }
      named[index] = true;
    }
    rule_genres.push_back(std::move(named));
  }
  return rule_genres;
}

}  // namespace

std::vector<SceneRule> load_scene_map(const std::string& scene_map_file) {
  const std::vector<std::string> lines = read_lines(scene_map_file, "scene map file");
  std::vector<SceneRule> rules;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::int64_t line_number = static_cast<std::int64_t>(i) + 1;
    std::string_view line = lines[i];
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      throw InputError(
          scene_map_file, line_number,
          "expected 'scene: Genre, Genre, ...' or 'scene: *', found " + quote_for_message(line));
    }
    SceneRule rule;
    rule.scene = std::string(trim(line.substr(0, colon)));
    rule.line = line_number;
    if (rule.scene.empty()) {
      throw InputError(scene_map_file, line_number, "empty scene name before ':'");
    }
    const std::string_view list = trim(line.substr(colon + 1));
    if (list.empty()) {
      throw InputError(scene_map_file, line_number,
                       "scene '" + rule.scene + "' lists no genres (use '*' to match every movie)");
    }
    if (list == "*") {
      rule.match_all = true;
    } else {
      for (std::string_view genre : split(list, ",")) {
        genre = trim(genre);
        if (genre.empty()) {
          throw InputError(scene_map_file, line_number,
                           "empty genre name in the list of scene '" + rule.scene + "'");
        }
        if (genre == "*") {
          throw InputError(scene_map_file, line_number, "'*' must stand alone after the ':'");
        }
        rule.genres.emplace_back(genre);
      }
    }
    rules.push_back(std::move(rule));
  }
  if (rules.empty()) {
    throw InputError(scene_map_file, "no rules (expected lines 'scene: Genre, Genre, ...')");
  }
  return rules;
}

ItemScenes load_movielens_item_scenes(const std::string& item_file,
                                      const std::string& scene_map_file) {
  const std::vector<SceneRule> rules = load_scene_map(scene_map_file);
  const std::vector<std::string> lines = read_lines(item_file, "item file");
  bool movies_dat = false;
  for (const std::string& line : lines) {
    if (line.empty()) continue;
    movies_dat = line.find("::") != std::string::npos;
    break;
  }
  const Catalogue catalogue =
      movies_dat ? load_movies_dat(item_file, lines) : load_u_item(item_file, lines);
  if (catalogue.movies.empty()) throw InputError(item_file, "no items");
  const std::vector<std::vector<bool>> rule_genres =
      resolve_rules(rules, catalogue, item_file, scene_map_file);

  ItemScenes scenes;
  scenes.reserve(catalogue.movies.size());
  for (const Movie& movie : catalogue.movies) {
    if (movie.id.empty()) throw InputError(item_file, movie.line, "empty item id");
    std::size_t r = 0;
    while (r < rules.size() && !rules[r].match_all) {
      bool matches = false;
      for (int genre : movie.genres) matches = matches || rule_genres[r][genre];
      if (matches) break;
      ++r;
    }
    if (r == rules.size()) {
      const std::string genres = movie.genres.empty()
                                     ? std::string("none")
                                     : join_names(catalogue.genre_names, movie.genres);
      throw InputError(item_file, movie.line,
                       "item " + quote_for_message(movie.id) + " (genres: " + genres +
                           ") matches no rule of " + scene_map_file);
    }
    if (!scenes.emplace(movie.id, rules[r].scene).second) {
      throw InputError(item_file, movie.line,
                       "item id " + quote_for_message(movie.id) + " appears more than once");
    }
  }
  return scenes;
}

LineParseResult parse_movielens_line(std::string_view line, MovieLensLayout layout,
                                     const ItemScenes& scenes, InteractionView& out) {
  line = strip_carriage_return(line);
  if (line.empty()) return {LineStatus::kBlank, {}};
  const std::string_view separator = layout == MovieLensLayout::kUData ? "\t" : "::";
  constexpr int kFields = 4;  // user, item, rating, timestamp
  std::string_view fields[kFields];
  int count = 0;
  for (std::size_t pos = 0;;) {
    const std::size_t end = line.find(separator, pos);
    if (count < kFields) {
      fields[count] = line.substr(pos, end == std::string_view::npos ? end : end - pos);
    }
    ++count;
    if (end == std::string_view::npos) break;
    pos = end + separator.size();
  }
  if (count != kFields) {
    std::string reason =
        "expected " + std::to_string(kFields) +
        (layout == MovieLensLayout::kUData ? " tab-separated" : " '::'-separated") +
        " fields (user, item, rating, timestamp), found " + std::to_string(count);
    // The usual mistake: a CSV log given with --format movielens.
    if (count == 1 && line.find(',') != std::string_view::npos)
      reason += "; the line has commas: for a CSV file with a header, leave out --format movielens";
    return {LineStatus::kError, std::move(reason)};
  }
  if (fields[0].empty()) return {LineStatus::kError, "empty user id"};
  if (fields[1].empty()) return {LineStatus::kError, "empty item id"};
  out.user = fields[0];
  out.item = fields[1];
  out.owned[1].assign(fields[1].data(), fields[1].size());  // the map's key type
  const auto scene = scenes.find(out.owned[1]);
  if (scene == scenes.end()) {
    return {LineStatus::kError,
            "item " + quote_for_message(fields[1]) + " is not in the item file"};
  }
  out.scene = scene->second;  // the map outlives every record read with it
  std::string reason = over_long_id_reason(out);
  if (!reason.empty()) return {LineStatus::kError, std::move(reason)};
  if (!parse_interaction_value(fields[2], out.value, reason) ||
      !parse_timestamp(fields[3], out.timestamp, reason)) {
    return {LineStatus::kError, std::move(reason)};
  }
  return {LineStatus::kRecord, {}};
}

LineParseResult parse_movielens_line(std::string_view line, MovieLensLayout layout,
                                     const ItemScenes& scenes, Interaction& out) {
  return parse_into_copy(
      out, [&](InteractionView& view) { return parse_movielens_line(line, layout, scenes, view); });
}

}  // namespace sceneals::io
