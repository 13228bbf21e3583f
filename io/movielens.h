// The MovieLens rating layouts (ml-100k u.data, ml-1m ratings.dat), which have no scene column:
// each movie gets one scene from its genres through a small rule file of ours, e.g.
// data/movielens_scenes.txt:
//
//   # comment
//   family: Children's, Animation, Musical
//   action_thriller: Action, Adventure, Thriller
//   drama_other: *
//
// Rules are tried in file order and the first one naming any of the movie's genres wins; `*`
// matches every movie. Genre names must be spelt as the item file spells them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/interaction.h"
#include "io/line_parser.h"

namespace sceneals::io {

enum class MovieLensLayout {
  kUData,       ///< ml-100k u.data: user<TAB>item<TAB>rating<TAB>timestamp
  kRatingsDat,  ///< ml-1m ratings.dat: user::item::rating::timestamp
};

/// One line of a scene map file.
struct SceneRule {
  std::string scene;
  std::vector<std::string> genres;  ///< empty when match_all
  bool match_all = false;           ///< the rule was `scene: *`
  std::int64_t line = 0;            ///< where it was written, for messages
};

/// Reads a scene map file (format above; '#' starts a comment, blank lines are ignored).
/// Throws InputError naming file:line for a malformed rule, and one naming the file when it
/// cannot be read or holds no rule.
std::vector<SceneRule> load_scene_map(const std::string& scene_map_file);

/// Item id -> scene name.
using ItemScenes = std::unordered_map<std::string, std::string>;

/// The scene of every movie of `item_file`, which is either ml-100k's u.item (`|`-separated:
/// id, title, release date, video release date, URL, then one 0/1 flag per genre of u.genre,
/// which must sit in the same folder) or ml-1m's movies.dat (`id::title::Genre1|Genre2`); the
/// format is recognised by the "::" of movies.dat. Bytes are not decoded (u.item is ISO-8859-1).
/// Throws InputError for a malformed file, a rule genre that is unknown (a typo would otherwise
/// move movies silently; known are u.genre's genres, or for movies.dat MovieLens' documented
/// genres plus any the file uses), or a movie that no rule matches.
ItemScenes load_movielens_item_scenes(const std::string& item_file,
                                      const std::string& scene_map_file);

/// Parses one rating line of `layout` (without '\n'; a trailing '\r' is dropped): user, item,
/// value = rating (finite, > 0), timestamp, and the scene of the item from `scenes` (a view of
/// the map's string). Ids longer than kMaxIdBytes are refused, as in every line format.
LineParseResult parse_movielens_line(std::string_view line, MovieLensLayout layout,
                                     const ItemScenes& scenes, InteractionView& out);
/// parse_movielens_line with the ids copied into `out`'s strings.
LineParseResult parse_movielens_line(std::string_view line, MovieLensLayout layout,
                                     const ItemScenes& scenes, Interaction& out);

}  // namespace sceneals::io
