// Reporting: records from hand-built sums carry hand-computed means and coverage, only for cells
// with pairs; the JSON text is exact for a small case (escaping included) and reads back through
// an independent strict parser to the same strings and bit-identical doubles; the file is written
// atomically and an unwritable path is an InputError naming it; the table stays aligned.
#include "eval/metric_report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mpi/error.h"

namespace sceneals::eval {
namespace {

// ---- a strict reader for the JSON this module writes (a list of flat objects) --------------

/// One object: every value as its string (for strings, unescaped) and whether it was a string.
struct JsonValue {
  bool is_string = false;
  std::string text;  // unescaped string, or the number token as written
};
using JsonObject = std::map<std::string, JsonValue>;

class JsonReader {
 public:
  explicit JsonReader(const std::string& text) : text_(text) {}

  /// The whole document: a list of objects and nothing after it but whitespace.
  std::vector<JsonObject> read_list() {
    std::vector<JsonObject> out;
    skip_space();
    expect('[');
    skip_space();
    if (peek() == ']') {
      ++at_;
    } else {
      for (;;) {
        out.push_back(read_object());
        skip_space();
        if (peek() == ']') {
          ++at_;
          break;
        }
        expect(',');
      }
    }
    skip_space();
    if (at_ != text_.size()) fail("text after the list");
    return out;
  }

 private:
  JsonObject read_object() {
    JsonObject object;
    skip_space();
    expect('{');
    for (;;) {
      skip_space();
      const std::string key = read_string();
      skip_space();
      expect(':');
      skip_space();
      JsonValue value;
      if (peek() == '"') {
        value.is_string = true;
        value.text = read_string();
      } else {
        value.text = read_number();
      }
      if (!object.emplace(key, value).second) fail("key '" + key + "' twice");
      skip_space();
      if (peek() == '}') {
        ++at_;
        return object;
      }
      expect(',');
    }
  }

  std::string read_string() {
    expect('"');
    std::string out;
    for (;;) {
      const char c = next();
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("raw control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      const char e = next();
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const unsigned code =
              static_cast<unsigned>(std::stoul(text_.substr(at_, 4), nullptr, 16));
          at_ += 4;
          // The writer escapes only control characters, so one byte suffices here.
          if (code >= 0x80) fail("unexpected \\u escape above 0x7f");
          out += static_cast<char>(code);
          break;
        }
        default:
          fail(std::string("bad escape \\") + e);
      }
    }
  }

  /// A JSON number token (RFC 8259 grammar), returned as written.
  std::string read_number() {
    const std::size_t begin = at_;
    if (peek() == '-') ++at_;
    if (peek() == '0') {
      ++at_;
    } else {
      digits();
    }
    if (peek() == '.') {
      ++at_;
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      ++at_;
      if (peek() == '+' || peek() == '-') ++at_;
      digits();
    }
    return text_.substr(begin, at_ - begin);
  }

  void digits() {
    if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("digit expected");
    while (std::isdigit(static_cast<unsigned char>(peek()))) ++at_;
  }
  void skip_space() {
    while (at_ < text_.size() && std::string(" \t\n\r").find(text_[at_]) != std::string::npos)
      ++at_;
  }
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  char next() {
    if (at_ >= text_.size()) fail("unexpected end");
    return text_[at_++];
  }
  void expect(char c) {
    if (next() != c) fail(std::string("expected '") + c + "'");
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("JSON error at byte " + std::to_string(at_) + ": " + why);
  }

  const std::string& text_;
  std::size_t at_ = 0;
};

/// The records back from JSON text, checking the exact field set and the value kinds.
std::vector<MetricRecord> parse_records(const std::string& json) {
  std::vector<MetricRecord> out;
  for (const JsonObject& o : JsonReader(json).read_list()) {
    EXPECT_EQ(o.size(), 6u);
    for (const char* name : {"scene", "cohort", "metric"})
      EXPECT_TRUE(o.at(name).is_string) << name;
    for (const char* name : {"k", "value", "pairs"}) EXPECT_FALSE(o.at(name).is_string) << name;
    // Integers are written as integers.
    for (const char* name : {"k", "pairs"})
      EXPECT_EQ(o.at(name).text.find_first_of(".eE"), std::string::npos) << o.at(name).text;
    MetricRecord r;
    r.scene = o.at("scene").text;
    r.cohort = o.at("cohort").text;
    r.k = std::stoi(o.at("k").text);
    r.metric = o.at("metric").text;
    r.value = std::strtod(o.at("value").text.c_str(), nullptr);
    r.pairs = std::stoll(o.at("pairs").text);
    out.push_back(r);
  }
  return out;
}

void expect_same_records(const std::vector<MetricRecord>& got,
                         const std::vector<MetricRecord>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].scene, want[i].scene) << "record " << i;
    EXPECT_EQ(got[i].cohort, want[i].cohort) << "record " << i;
    EXPECT_EQ(got[i].k, want[i].k) << "record " << i;
    EXPECT_EQ(got[i].metric, want[i].metric) << "record " << i;
    EXPECT_EQ(got[i].value, want[i].value) << "record " << i;  // bit-exact round trip
    EXPECT_EQ(got[i].pairs, want[i].pairs) << "record " << i;
  }
}

// ---- records from sums -------------------------------------------------------------------

RankingMetrics metrics(double p, double r, double f1, double ndcg, double ap, double hit) {
  RankingMetrics m;
  m.precision = p;
  m.recall = r;
  m.f1 = f1;
  m.ndcg = ndcg;
  m.average_precision = ap;
  m.hit_rate = hit;
  return m;
}

const std::vector<std::string> kScenes = {"books", "a\"b\\c"};
const std::vector<int> kKs = {5, 10};

/// Scene 0 (books), warm, K=5: two pairs, 3 of 8 items recommended. Scene 1, warm, K=5: one
/// pair, 2 of 4 items. Scene 1, cold, K=10: one pair, 1 of 4 items. Scene 0, cold-item, K=10:
/// one pair, 2 of 5 items. Every other cell is empty.
MetricSums example_sums() {
  MetricSums sums(2, 2);
  const RankingMetrics a = metrics(0.2, 0.5, 2.0 / 7.0, 0.6, 0.3, 1);
  const RankingMetrics zero;
  const RankingMetrics b = metrics(0.4, 1.0, 4.0 / 7.0, 1.0, 1.0, 1);
  sums.add(0, kWarm, 0, a, {0.4, 5.0});
  sums.add(0, kWarm, 0, zero, {0.2, 3.0});
  sums.add_coverage(0, kWarm, 0, 3, 8);
  sums.add(1, kWarm, 0, b, {0.6, 8.0});
  sums.add_coverage(1, kWarm, 0, 2, 4);
  sums.add(1, kCold, 1, a, {0.5, 2.0});
  sums.add_coverage(1, kCold, 1, 1, 4);
  sums.add(0, kColdItem, 1, b, {1.0, 9.0});
  sums.add_coverage(0, kColdItem, 1, 2, 5);
  // Coverage numbers of cells without pairs (the evaluation writes them for every cell).
  sums.add_coverage(0, kCold, 1, 0, 8);
  sums.add_coverage(0, kWarm, 1, 0, 8);
  return sums;
}

struct Row {
  const char* scene;
  const char* cohort;
  int k;
  std::int64_t pairs;
  double values[kMetricCount];  // precision, recall, f1, ndcg, map, hit, diversity, novelty, cov
};

TEST(MetricRecords, HandComputedMeansForCellsWithPairsOnly) {
  // Means worked out by hand from example_sums().
  const Row rows[] = {
      {"books", "warm", 5, 2, {0.1, 0.25, 1.0 / 7.0, 0.3, 0.15, 0.5, 0.3, 4.0, 3.0 / 8.0}},
      {"a\"b\\c", "warm", 5, 1, {0.4, 1.0, 4.0 / 7.0, 1.0, 1.0, 1.0, 0.6, 8.0, 0.5}},
      // Over the three pairs; coverage (3 + 2) / (8 + 4).
      {"overall",
       "warm",
       5,
       3,
       {0.2, 0.5, 2.0 / 7.0, 1.6 / 3.0, 1.3 / 3.0, 2.0 / 3.0, 0.4, 16.0 / 3.0, 5.0 / 12}},
      {"a\"b\\c", "cold", 10, 1, {0.2, 0.5, 2.0 / 7.0, 0.6, 0.3, 1.0, 0.5, 2.0, 0.25}},
      // books has no cold pair at K=10: its catalogue of 8 stays out of the overall coverage.
      {"overall", "cold", 10, 1, {0.2, 0.5, 2.0 / 7.0, 0.6, 0.3, 1.0, 0.5, 2.0, 0.25}},
      {"books", "cold-item", 10, 1, {0.4, 1.0, 4.0 / 7.0, 1.0, 1.0, 1.0, 1.0, 9.0, 0.4}},
      {"overall", "cold-item", 10, 1, {0.4, 1.0, 4.0 / 7.0, 1.0, 1.0, 1.0, 1.0, 9.0, 0.4}},
  };
  const char* const names[] = {"precision", "recall",    "f1",      "ndcg",    "map",
                               "hit_rate",  "diversity", "novelty", "coverage"};
  const std::vector<MetricRecord> records = metric_records(example_sums(), kScenes, kKs);
  ASSERT_EQ(records.size(), std::size(rows) * kMetricCount);
  std::size_t at = 0;
  for (const Row& row : rows)
    for (int m = 0; m < kMetricCount; ++m, ++at) {
      const MetricRecord& r = records[at];
      EXPECT_EQ(r.scene, row.scene) << "record " << at;
      EXPECT_EQ(r.cohort, row.cohort) << "record " << at;
      EXPECT_EQ(r.k, row.k) << "record " << at;
      EXPECT_EQ(r.metric, names[m]) << "record " << at;
      EXPECT_NEAR(r.value, row.values[m], 1e-15) << row.scene << " " << names[m];
      EXPECT_EQ(r.pairs, row.pairs) << "record " << at;
    }
}

TEST(MetricRecords, ShapeMismatchIsAnInternalError) {
  EXPECT_THROW(metric_records(example_sums(), {"books"}, kKs), InternalError);
  EXPECT_THROW(metric_records(example_sums(), kScenes, {5}), InternalError);
  EXPECT_TRUE(metric_records(MetricSums(2, 2), kScenes, kKs).empty());
}

// ---- JSON --------------------------------------------------------------------------------

TEST(MetricsJson, ExactTextForASmallCaseWithEscapes) {
  const std::vector<MetricRecord> records = {
      {"a\"b\\c", "warm", 5, "precision", 0.25, 3, {}},
      {"tab\there\nnew\001ctl", "cold", 10, "coverage", 1.0 / 3.0, 1, {}},
      {"m\xc3\xbasica", "warm", 20, "ndcg", 1e-20, 12345678901, {}},
      {"zero", "cold", 1, "map", 0.0, 7, {}},
  };
  const std::string expected =
      "[\n"
      "  {\"scene\": \"a\\\"b\\\\c\", \"cohort\": \"warm\", \"k\": 5, \"metric\": \"precision\", "
      "\"value\": 0.25, \"pairs\": 3},\n"
      "  {\"scene\": \"tab\\there\\nnew\\u0001ctl\", \"cohort\": \"cold\", \"k\": 10, "
      "\"metric\": \"coverage\", \"value\": 0.33333333333333331, \"pairs\": 1},\n"
      "  {\"scene\": \"m\xc3\xbasica\", \"cohort\": \"warm\", \"k\": 20, \"metric\": \"ndcg\", "
      "\"value\": 9.9999999999999995e-21, \"pairs\": 12345678901},\n"
      "  {\"scene\": \"zero\", \"cohort\": \"cold\", \"k\": 1, \"metric\": \"map\", "
      "\"value\": 0, \"pairs\": 7}\n"
      "]\n";
  EXPECT_EQ(metrics_json(records), expected);
  expect_same_records(parse_records(metrics_json(records)), records);
  EXPECT_EQ(metrics_json({}), "[]\n");
  EXPECT_TRUE(parse_records(metrics_json({})).empty());
}

TEST(MetricsJson, ArbitraryNamesAndValuesReadBackExactly) {
  std::mt19937_64 random(7);
  std::vector<MetricRecord> records;
  for (int i = 0; i < 300; ++i) {
    MetricRecord r;
    // Every byte 0x01..0x7f can appear, and multi-byte UTF-8 (é, €, 😀).
    const char* const utf8[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    const int length = static_cast<int>(random() % 12);
    for (int c = 0; c < length; ++c) {
      if (random() % 5 == 0)
        r.scene += utf8[random() % 3];
      else
        r.scene += static_cast<char>(1 + random() % 127);
    }
    r.cohort = i % 2 ? "warm" : "cold";
    r.k = static_cast<int>(random() % 1000);
    r.metric = "hit_rate";
    // Values across many magnitudes, with all 53 bits of mantissa in use.
    r.value =
        std::ldexp(static_cast<double>(random() >> 11), -53 - static_cast<int>(random() % 60));
    r.pairs = static_cast<std::int64_t>(random() >> 12);
    records.push_back(r);
  }
  expect_same_records(parse_records(metrics_json(records)), records);
}

TEST(MetricsJson, NonFiniteValuesAreRefused) {
  for (const double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL})
    EXPECT_THROW(metrics_json({{"s", "warm", 5, "recall", bad, 1, {}}}), InternalError);
}

// ---- the file ----------------------------------------------------------------------------

class MetricsFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("sceneals-metric-report-" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir_))
      out.push_back(entry.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string dir_;
};

TEST_F(MetricsFile, WritesTheJsonAndReplacesAnOlderFileLeavingNoTemporary) {
  const std::string path = dir_ + "/metrics.json";
  const std::vector<MetricRecord> first = metric_records(example_sums(), kScenes, kKs);
  write_metrics_json(path, first);
  expect_same_records(parse_records(read(path)), first);
  EXPECT_EQ(names(), std::vector<std::string>{"metrics.json"});

  const std::vector<MetricRecord> second = {{"s", "warm", 5, "recall", 0.5, 2, {}}};
  write_metrics_json(path, second);
  EXPECT_EQ(read(path), metrics_json(second));
  EXPECT_EQ(names(), std::vector<std::string>{"metrics.json"});
}

TEST_F(MetricsFile, UnwritablePathsAreInputErrorsNamingThePath) {
  const std::vector<MetricRecord> records = {{"s", "warm", 5, "recall", 0.5, 2, {}}};
  // A missing directory, and a directory where the file should be (the rename fails).
  std::filesystem::create_directories(dir_ + "/taken");
  for (const std::string& path : {dir_ + "/no-such-dir/metrics.json", dir_ + "/taken"}) {
    try {
      write_metrics_json(path, records);
      ADD_FAILURE() << "no error for " << path;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(path + ": cannot write the metrics file: ", 0), 0u)
          << e.what();
    }
  }
  EXPECT_THROW(write_metrics_json("", records), InputError);
  // No temporary file is left behind.
  EXPECT_EQ(names(), std::vector<std::string>{"taken"});
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/taken"));
}

// ---- the table ---------------------------------------------------------------------------

/// Characters on screen of a UTF-8 line.
std::size_t columns_of(const std::string& line) {
  std::size_t n = 0;
  for (const char c : line) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(MetricsTable, RowsForCellsWithPairsAlignedWithLongAndNonAsciiNames) {
  const std::vector<std::string> scenes = {"a-scene-name-longer-than-twenty-columns",
                                           "m\xc3\xbasica"};
  MetricSums sums(2, 1);
  sums.add(0, kWarm, 0, metrics(0.25, 0.5, 1.0 / 3.0, 0.75, 0.125, 1));
  sums.add_coverage(0, kWarm, 0, 1, 8);
  for (int i = 0; i < 789; ++i) sums.add(1, kCold, 0, RankingMetrics{});
  sums.add_coverage(1, kCold, 0, 0, 3);
  const std::string table = format_metrics_table(sums, scenes, {100000});
  const std::vector<std::string> lines = lines_of(table);
  // Header, the two scene rows and the two overall rows.
  ASSERT_EQ(lines.size(), 5u) << table;
  for (const std::string& line : lines)
    EXPECT_EQ(columns_of(line), columns_of(lines[0])) << "misaligned:\n" << table;
  // Every right-aligned column ends where its header ends: compare where the tokens of each row
  // end (a non-space followed by a space) with the header's, from K to the end of the line.
  const auto boundaries = [](const std::string& line) {
    std::vector<std::size_t> out;
    std::size_t column = 0;
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
      if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
      ++column;
      if (line[i] != ' ' && line[i + 1] == ' ') out.push_back(column);
    }
    out.push_back(columns_of(line));
    return std::vector<std::size_t>(out.end() - 11, out.end());  // K, 9 metrics, the line end
  };
  for (const std::string& line : lines) EXPECT_EQ(boundaries(line), boundaries(lines[0])) << line;
  EXPECT_NE(lines[0].find("cov"), std::string::npos);
  EXPECT_EQ(lines[1].rfind("a-scene-name-longer-than-twenty-columns warm      100000   0.2500   "
                           "0.5000   0.3333   0.7500   0.1250   1.0000   0.0000   0.0000   0.1250",
                           0),
            0u)
      << lines[1];
  EXPECT_EQ(lines[3].rfind("m\xc3\xbasica", 0), 0u) << lines[3];
  EXPECT_NE(lines[3].find(" 789"), std::string::npos) << lines[3];
}

}  // namespace
}  // namespace sceneals::eval
