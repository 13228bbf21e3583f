// MovieLens layouts: the scene map, both item-file formats, rating lines, and the real ml-100k
// checked against the per-scene counts measured independently in shared/data/README.md.
#include "io/movielens.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "mpi/error.h"

namespace sceneals::io {
namespace {

namespace fs = std::filesystem;

/// A fresh directory per test for small fixture files, removed afterwards.
class MovieLensFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("sceneals_movielens_" + std::string(info->name()) + "_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Writes `content` byte for byte to dir/name and returns the path.
  std::string write(const std::string& name, const std::string& content) const {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  /// ml-100k style: u.genre with three genres, and u.item with the given movie lines.
  std::string write_u_item(const std::string& items) const {
    write("u.genre", "unknown|0\nAction|1\nComedy|2\n\n");
    return write("u.item", items);
  }

  /// The message of the InputError that loading throws (fails the test if none).
  static std::string load_error(const std::string& item_file, const std::string& map_file) {
    try {
      load_movielens_item_scenes(item_file, map_file);
    } catch (const InputError& error) {
      return error.what();
    }
    ADD_FAILURE() << "no InputError";
    return {};
  }

  static std::string scene_map_error(const std::string& map_file) {
    try {
      load_scene_map(map_file);
    } catch (const InputError& error) {
      return error.what();
    }
    ADD_FAILURE() << "no InputError";
    return {};
  }

  fs::path dir_;
};

// Four movies: Action+Comedy, Comedy, unknown, no genre at all; a Latin-1 byte in a title.
const char* const kUItem =
    "1|Heat (1995)|01-Jan-1995||http://x|0|1|1\n"
    "2|Caf\xE9 (1996)|01-Jan-1996||http://y|0|0|1\n"
    "3|Odd (1997)|||http://z|1|0|0\n"
    "4|None (1998)|||http://w|0|0|0\n";

TEST_F(MovieLensFiles, UItemFirstMatchingRuleWins) {
  const std::string items = write_u_item(kUItem);
  const std::string map = write("map.txt", "act: Action\nfun: Comedy\nrest: *\n");
  const ItemScenes expected{{"1", "act"}, {"2", "fun"}, {"3", "rest"}, {"4", "rest"}};
  EXPECT_EQ(load_movielens_item_scenes(items, map), expected);

  // Rule order is priority: with comedy first, movie 1 becomes comedy.
  const std::string swapped = write("swapped.txt", "fun: Comedy\nact: Action\nrest: *\n");
  const ItemScenes expected_swapped{{"1", "fun"}, {"2", "fun"}, {"3", "rest"}, {"4", "rest"}};
  EXPECT_EQ(load_movielens_item_scenes(items, swapped), expected_swapped);
}

TEST_F(MovieLensFiles, UnmatchedItemNamesTheItemAndTheMap) {
  const std::string items = write_u_item(kUItem);
  const std::string map = write("map.txt", "act: Action, Comedy\n");
  EXPECT_EQ(load_error(items, map),
            items + ":3: item '3' (genres: unknown) matches no rule of " + map);
  const std::string map2 = write("map2.txt", "act: Action, Comedy\nodd: unknown\n");
  EXPECT_EQ(load_error(items, map2),
            items + ":4: item '4' (genres: none) matches no rule of " + map2);
}

TEST_F(MovieLensFiles, SceneMapCommentsBlankLinesAndSpacing) {
  const std::string map = write("map.txt",
                                "# header comment\n"
                                "\n"
                                "  loud :Action ,  Comedy   # trailing comment\r\n"
                                "\t# indented comment\n"
                                "all: *\n");
  const std::vector<SceneRule> rules = load_scene_map(map);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].scene, "loud");
  EXPECT_EQ(rules[0].genres, (std::vector<std::string>{"Action", "Comedy"}));
  EXPECT_FALSE(rules[0].match_all);
  EXPECT_EQ(rules[0].line, 3);
  EXPECT_EQ(rules[1].scene, "all");
  EXPECT_TRUE(rules[1].genres.empty());
  EXPECT_TRUE(rules[1].match_all);
  EXPECT_EQ(rules[1].line, 5);
}

TEST_F(MovieLensFiles, SceneMapErrorsNameFileAndLine) {
  const auto error_for = [this](const std::string& content) {
    return scene_map_error(write("map.txt", content));
  };
  const std::string map = (dir_ / "map.txt").string();
  EXPECT_EQ(error_for("# c\nfamily Children's\n"),
            map +
                ":2: expected 'scene: Genre, Genre, ...' or 'scene: *', found 'family "
                "Children's'");
  EXPECT_EQ(error_for(" : Action\n"), map + ":1: empty scene name before ':'");
  EXPECT_EQ(error_for("a: Action\nx:  # nothing\n"),
            map + ":2: scene 'x' lists no genres (use '*' to match every movie)");
  EXPECT_EQ(error_for("x: Action, ,Comedy\n"),
            map + ":1: empty genre name in the list of scene 'x'");
  EXPECT_EQ(error_for("x: *, Action\n"), map + ":1: '*' must stand alone after the ':'");
  EXPECT_EQ(error_for("# only a comment\n\n"),
            map + ": no rules (expected lines 'scene: Genre, Genre, ...')");
  const std::string missing = (dir_ / "absent.txt").string();
  EXPECT_EQ(scene_map_error(missing), missing + ": cannot open the scene map file");
}

TEST_F(MovieLensFiles, UnknownGenreInTheMapIsAnError) {
  // A misspelt genre would otherwise send its movies to a later rule without a word.
  const std::string items = write_u_item(kUItem);
  const std::string map = write("map.txt", "a: Action\nb: comedy\nc: *\n");
  EXPECT_EQ(load_error(items, map), map + ":2: genre 'comedy' is not a genre of " + items +
                                        " (known genres: unknown, Action, Comedy)");
}

TEST_F(MovieLensFiles, UItemFormatErrors) {
  const std::string map = write("map.txt", "all: *\n");
  const std::string genre = (dir_ / "u.genre").string();
  std::string items = write_u_item("1|A|||u|0|1|0\n2|B|||u|0|1\n");
  EXPECT_EQ(load_error(items, map), items +
                                        ":2: expected 8 '|'-separated fields (5 + 3 genre "
                                        "flags of " +
                                        genre + "), found 7");
  items = write_u_item("1|A|||u|0|2|0\n");
  EXPECT_EQ(load_error(items, map), items + ":1: genre flag '2' for Action is not 0 or 1");
  items = write_u_item("1|A|||u|0|1|0\n1|B|||u|0|0|1\n");
  EXPECT_EQ(load_error(items, map), items + ":2: item id '1' appears more than once");
  items = write_u_item("|A|||u|0|1|0\n");
  EXPECT_EQ(load_error(items, map), items + ":1: empty item id");
  items = write_u_item("\n\n");
  EXPECT_EQ(load_error(items, map), items + ": no items");

  write("u.genre", "unknown|0\nAction|2\n");
  EXPECT_EQ(load_error(items, map),
            genre + ":2: genre index '2', expected 1 (indices count up from 0)");
  write("u.genre", "unknown|0\nAction\n");
  EXPECT_EQ(load_error(items, map), genre + ":2: expected 'name|index'");
  fs::remove(genre);
  EXPECT_EQ(load_error(items, map), genre + ": cannot open the genre file (u.genre)");
  const std::string absent = (dir_ / "absent.item").string();
  EXPECT_EQ(load_error(absent, map), absent + ": cannot open the item file");
}

TEST_F(MovieLensFiles, MoviesDatWithTheShippedMap) {
  // ml-1m style, which has no "unknown" genre: the shipped map must still load. The title of
  // movie 5 holds "::" itself.
  const std::string items = write("movies.dat",
                                  "1::Toy Story (1995)::Animation|Children's|Comedy\r\n"
                                  "2::Jumanji (1995)::Adventure|Children's|Fantasy\r\n"
                                  "3::Heat (1995)::Action|Crime|Thriller\r\n"
                                  "4::Sabrina (1995)::Comedy|Romance\r\n"
                                  "5::A::B (2000)::Drama\r\n"
                                  "6::Nixon (1995)::Drama|Film-Noir\r\n");
  const std::string map = SCENEALS_SOURCE_DIR "/data/movielens_scenes.txt";
  const ItemScenes expected{{"1", "family"}, {"2", "family"},      {"3", "action_thriller"},
                            {"4", "comedy"}, {"5", "drama_other"}, {"6", "action_thriller"}};
  EXPECT_EQ(load_movielens_item_scenes(items, map), expected);
}

TEST_F(MovieLensFiles, MoviesDatErrors) {
  const std::string map = write("map.txt", "a: Action\nrest: *\n");
  std::string items = write("movies.dat", "1::T::Action\n2::No genres\n");
  EXPECT_EQ(load_error(items, map), items + ":2: expected 'id::title::Genre1|Genre2|...'");
  items = write("movies.dat", "1::T::Action||Drama\n");
  EXPECT_EQ(load_error(items, map), items + ":1: empty genre name in the genre list");
  // Known genres: MovieLens' documented ones (also when no movie has them) and those seen.
  items = write("movies.dat", "1::T::Drama\n2::U::IMAX\n");
  const std::string typo = write("typo.txt", "a: Acton\nrest: *\n");
  EXPECT_EQ(load_error(items, typo),
            typo + ":1: genre 'Acton' is not a genre of " + items +
                " (known genres: unknown, Action, Adventure, Animation, Children's, Comedy, "
                "Crime, Documentary, Drama, Fantasy, Film-Noir, Horror, Musical, Mystery, "
                "Romance, Sci-Fi, Thriller, War, Western, IMAX)");
  const std::string imax = write("imax.txt", "big: IMAX\nsmall: Action, Drama\n");
  const ItemScenes expected{{"1", "small"}, {"2", "big"}};
  EXPECT_EQ(load_movielens_item_scenes(items, imax), expected);
}

// ---- rating lines ----

const ItemScenes kScenes{{"242", "comedy"}, {"1193", "drama_other"}};

LineParseResult parse(std::string_view line, MovieLensLayout layout, Interaction& out) {
  return parse_movielens_line(line, layout, kScenes, out);
}

std::string reason_of(std::string_view line, MovieLensLayout layout) {
  Interaction out;
  const LineParseResult result = parse(line, layout, out);
  EXPECT_EQ(result.status, LineStatus::kError) << line;
  return result.reason;
}

TEST(MovieLensLine, UDataLine) {
  Interaction out;
  const LineParseResult result = parse("196\t242\t3\t881250949", MovieLensLayout::kUData, out);
  ASSERT_EQ(result.status, LineStatus::kRecord) << result.reason;
  EXPECT_EQ(out.user, "196");
  EXPECT_EQ(out.item, "242");
  EXPECT_EQ(out.scene, "comedy");
  EXPECT_EQ(out.value, 3.0);
  EXPECT_EQ(out.timestamp, 881250949);
}

TEST(MovieLensLine, RatingsDatLineWithCrlf) {
  Interaction out;
  const LineParseResult result =
      parse("1::1193::5::978300760\r", MovieLensLayout::kRatingsDat, out);
  ASSERT_EQ(result.status, LineStatus::kRecord) << result.reason;
  EXPECT_EQ(out.user, "1");
  EXPECT_EQ(out.item, "1193");
  EXPECT_EQ(out.scene, "drama_other");
  EXPECT_EQ(out.value, 5.0);
  EXPECT_EQ(out.timestamp, 978300760);
}

TEST(MovieLensLine, BlankLines) {
  Interaction out;
  EXPECT_EQ(parse("", MovieLensLayout::kUData, out).status, LineStatus::kBlank);
  EXPECT_EQ(parse("\r", MovieLensLayout::kRatingsDat, out).status, LineStatus::kBlank);
}

TEST(MovieLensLine, Errors) {
  using L = MovieLensLayout;
  const std::string tab = "expected 4 tab-separated fields (user, item, rating, timestamp), found ";
  const std::string colons =
      "expected 4 '::'-separated fields (user, item, rating, timestamp), found ";
  EXPECT_EQ(reason_of("196\t242\t3", L::kUData), tab + "3");
  EXPECT_EQ(reason_of("196\t242\t3\t1\t2", L::kUData), tab + "5");
  EXPECT_EQ(reason_of("1::1193::5::978300760", L::kUData), tab + "1");
  EXPECT_EQ(reason_of("196\t242\t3\t1", L::kRatingsDat), colons + "1");
  // A CSV log given with --format movielens: the message says what to do.
  EXPECT_EQ(reason_of("u1,i1,shopping,1", L::kUData),
            tab +
                "1; the line has commas: for a CSV file with a header, leave out --format "
                "movielens");
  EXPECT_EQ(reason_of("1:1193::5::9", L::kRatingsDat), colons + "3");
  EXPECT_EQ(reason_of("\t242\t3\t1", L::kUData), "empty user id");
  EXPECT_EQ(reason_of("1::::5::9", L::kRatingsDat), "empty item id");
  EXPECT_EQ(reason_of("196\t999\t3\t1", L::kUData), "item '999' is not in the item file");
  EXPECT_EQ(reason_of("196\t242\t0\t1", L::kUData), "value 0 must be > 0");
  EXPECT_EQ(reason_of("196\t242\tfive\t1", L::kUData), "value 'five' is not a number");
  EXPECT_EQ(reason_of("196\t242\tnan\t1", L::kUData), "value nan is not finite");
  EXPECT_EQ(reason_of("1::1193::5::t", L::kRatingsDat), "timestamp 't' is not an integer");
}

// Found by tests/fuzz/line_parser_fuzzer: the CSV parser refused ids longer than kMaxIdBytes,
// the MovieLens one kept them (they come from the rating line, the item file or the scene map).
TEST(MovieLensLine, IdsLongerThanTheLimitAreRejected) {
  const std::string longest(kMaxIdBytes, 'u');
  Interaction out;
  ASSERT_EQ(parse(longest + "\t242\t3\t1", MovieLensLayout::kUData, out).status,
            LineStatus::kRecord);
  EXPECT_EQ(out.user, longest);
  EXPECT_EQ(reason_of(longest + "u::1193::5::9", MovieLensLayout::kRatingsDat),
            "user id of 1025 bytes is longer than the 1024 allowed");
  const std::string long_item(2000, '7');
  const ItemScenes long_names{{long_item, "drama"}, {"1", std::string(1025, 's')}};
  for (const auto& [line, reason] :
       {std::pair<std::string, std::string>{
            "1\t" + long_item + "\t3\t1", "item id of 2000 bytes is longer than the 1024 allowed"},
        {"1\t1\t3\t1", "scene id of 1025 bytes is longer than the 1024 allowed"}}) {
    const LineParseResult result =
        parse_movielens_line(line, MovieLensLayout::kUData, long_names, out);
    EXPECT_EQ(result.status, LineStatus::kError);
    EXPECT_EQ(result.reason, reason);
  }
}

// ---- the real ml-100k ----

TEST(MovieLens100k, PerSceneCountsMatchTheDataReadme) {
  const std::string dir = SCENEALS_SHARED_DATA_DIR "/ml-100k";
  if (!fs::exists(dir + "/u.data")) GTEST_SKIP() << "shared data not found: " << dir << "/u.data";
  const ItemScenes scenes =
      load_movielens_item_scenes(dir + "/u.item", SCENEALS_SOURCE_DIR "/data/movielens_scenes.txt");

  // Expected figures: shared/data/README.md section 5, measured independently of this code.
  std::map<std::string, int> items_per_scene;
  for (const auto& [item, scene] : scenes) ++items_per_scene[scene];
  const std::map<std::string, int> expected_items{
      {"action_thriller", 643}, {"drama_other", 518}, {"comedy", 355}, {"family", 166}};
  EXPECT_EQ(items_per_scene, expected_items);

  std::ifstream in(dir + "/u.data", std::ios::binary);
  ASSERT_TRUE(in);
  std::map<std::string, int> ratings_per_scene;
  std::map<std::string, std::set<std::string>> users_per_scene;
  std::map<std::string, std::set<std::string>> scenes_per_user;
  Interaction out;
  std::string line;
  int records = 0;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    const LineParseResult result = parse_movielens_line(line, MovieLensLayout::kUData, scenes, out);
    ASSERT_EQ(result.status, LineStatus::kRecord)
        << "u.data:" << line_number << ": " << result.reason;
    ASSERT_GE(out.value, 1.0);
    ASSERT_LE(out.value, 5.0);
    ++records;
    ++ratings_per_scene[out.scene];
    users_per_scene[out.scene].insert(out.user);
    scenes_per_user[out.user].insert(out.scene);
  }
  EXPECT_EQ(records, 100000);
  const std::map<std::string, int> expected_ratings{
      {"action_thriller", 52740}, {"drama_other", 18991}, {"comedy", 17952}, {"family", 10317}};
  EXPECT_EQ(ratings_per_scene, expected_ratings);
  const std::map<std::string, std::size_t> expected_users{
      {"action_thriller", 943}, {"drama_other", 923}, {"comedy", 926}, {"family", 885}};
  std::map<std::string, std::size_t> user_counts;
  for (const auto& [scene, users] : users_per_scene) user_counts[scene] = users.size();
  EXPECT_EQ(user_counts, expected_users);
  int users_in_all_four = 0;
  for (const auto& [user, user_scenes] : scenes_per_user) {
    users_in_all_four += user_scenes.size() == 4 ? 1 : 0;
  }
  EXPECT_EQ(users_in_all_four, 865);
}

}  // namespace
}  // namespace sceneals::io
