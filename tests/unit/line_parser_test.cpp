// One line + schema -> Interaction: fields, quotes, line ends, and every reason for rejecting.
#include "io/line_parser.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sceneals::io {
namespace {

/// Schema written out by hand (not through parse_header), so these tests stand alone.
InputSchema make_schema(char delimiter, int user, int item, int scene, int value, int timestamp,
                        int count) {
  InputSchema schema;
  schema.delimiter = delimiter;
  schema.user_column = user;
  schema.item_column = item;
  schema.scene_column = scene;
  schema.value_column = value;
  schema.timestamp_column = timestamp;
  schema.column_count = count;
  return schema;
}

const InputSchema kCsv3 = make_schema(',', 0, 1, 2, -1, -1, 3);  // user,item,scene
const InputSchema kCsv4 = make_schema(',', 0, 1, 2, 3, -1, 4);   // user,item,scene,value
const InputSchema kTsv5 = make_schema('\t', 0, 1, 2, 3, 4, 5);   // ...,value,timestamp
const InputSchema kCsvTs = make_schema(',', 0, 1, 2, -1, 3, 4);  // user,item,scene,timestamp

/// The reason parse_line gives for `line` (fails the test when the line is accepted).
std::string reason_of(std::string_view line, const InputSchema& schema) {
  Interaction out;
  const LineParseResult result = parse_line(line, schema, out);
  EXPECT_EQ(result.status, LineStatus::kError) << "line: " << line;
  return result.reason;
}

Interaction parse_ok(std::string_view line, const InputSchema& schema) {
  Interaction out;
  const LineParseResult result = parse_line(line, schema, out);
  EXPECT_EQ(result.status, LineStatus::kRecord) << "line: " << line << " reason: " << result.reason;
  EXPECT_EQ(result.reason, "");
  return out;
}

TEST(LineParser, CsvWithDefaults) {
  const Interaction got = parse_ok("u1,i1,shop", kCsv3);
  EXPECT_EQ(got.user, "u1");
  EXPECT_EQ(got.item, "i1");
  EXPECT_EQ(got.scene, "shop");
  EXPECT_EQ(got.value, 1.0);
  EXPECT_EQ(got.timestamp, 0);
}

TEST(LineParser, TsvWithValueAndTimestamp) {
  const Interaction got = parse_ok("196\t242\tvideo\t3.5\t881250949", kTsv5);
  EXPECT_EQ(got.user, "196");
  EXPECT_EQ(got.item, "242");
  EXPECT_EQ(got.scene, "video");
  EXPECT_EQ(got.value, 3.5);
  EXPECT_EQ(got.timestamp, 881250949);
}

TEST(LineParser, ColumnsInAnyOrderAndExtraColumnsIgnored) {
  // scene, extra, value, item, user
  const InputSchema schema = make_schema(',', 4, 3, 0, 2, -1, 5);
  const Interaction got = parse_ok("books,whatever,2e1,b7,alice", schema);
  EXPECT_EQ(got.user, "alice");
  EXPECT_EQ(got.item, "b7");
  EXPECT_EQ(got.scene, "books");
  EXPECT_EQ(got.value, 20.0);
}

TEST(LineParser, IdsAreKeptVerbatim) {
  const Interaction got = parse_ok(" 42 ,caf\xC3\xA9,a b", kCsv3);
  EXPECT_EQ(got.user, " 42 ");
  EXPECT_EQ(got.item, "caf\xC3\xA9");
  EXPECT_EQ(got.scene, "a b");
}

TEST(LineParser, CarriageReturnIsDropped) {
  EXPECT_EQ(parse_ok("u,i,s,2.5\r", kCsv4).value, 2.5);
  EXPECT_EQ(parse_ok("u,i,s\r", kCsv3).scene, "s");
  EXPECT_EQ(parse_ok("u\ti\ts\t4\t17\r", kTsv5).timestamp, 17);
}

TEST(LineParser, EmptyLinesAreBlank) {
  Interaction out;
  for (std::string_view line : {"", "\r"}) {
    const LineParseResult result = parse_line(line, kCsv3, out);
    EXPECT_EQ(result.status, LineStatus::kBlank);
    EXPECT_EQ(result.reason, "");
  }
}

TEST(LineParser, QuotedFieldsMayHoldDelimitersAndQuotes) {
  const Interaction got = parse_ok("\"a,b\",\"say \"\"hi\"\"\",\"s\"", kCsv3);
  EXPECT_EQ(got.user, "a,b");
  EXPECT_EQ(got.item, "say \"hi\"");
  EXPECT_EQ(got.scene, "s");
  const Interaction tsv = parse_ok("\"a\tb\"\t\"\"\"\"\ts\t\"2\"\t\"5\"", kTsv5);
  EXPECT_EQ(tsv.user, "a\tb");
  EXPECT_EQ(tsv.item, "\"");
  EXPECT_EQ(tsv.value, 2.0);
  EXPECT_EQ(tsv.timestamp, 5);
}

TEST(LineParser, QuoteInsideUnquotedFieldIsLiteral) {
  const Interaction got = parse_ok("12\"x,i\"\",s", kCsv3);
  EXPECT_EQ(got.user, "12\"x");
  EXPECT_EQ(got.item, "i\"\"");
}

TEST(LineParser, MalformedQuotesAreErrors) {
  EXPECT_EQ(reason_of("\"abc,i,s", kCsv3), "unterminated quote in field 1");
  EXPECT_EQ(reason_of("u,i,\"s\"\"", kCsv3), "unterminated quote in field 3");
  EXPECT_EQ(reason_of("\"a\"b,i,s", kCsv3), "unexpected text after the closing quote of field 1");
}

TEST(LineParser, FieldCountMustMatchTheHeader) {
  EXPECT_EQ(reason_of("u,i", kCsv3), "expected 3 fields, found 2");
  EXPECT_EQ(reason_of("u,i,s,x", kCsv3), "expected 3 fields, found 4");
  EXPECT_EQ(reason_of("u,i,s,", kCsv3), "expected 3 fields, found 4");
  EXPECT_EQ(reason_of("u\ti\ts\t1", kCsv4), "expected 4 fields, found 1");
  EXPECT_EQ(reason_of(" ", kCsv3), "expected 3 fields, found 1");
  // The count is checked before the fields: a short line is not blamed on its value.
  EXPECT_EQ(reason_of("u\ti\ts\tabc", kTsv5), "expected 5 fields, found 4");
}

TEST(LineParser, EmptyIdsAreErrors) {
  EXPECT_EQ(reason_of(",i,s", kCsv3), "empty user id");
  EXPECT_EQ(reason_of("u,,s", kCsv3), "empty item id");
  EXPECT_EQ(reason_of("u,i,", kCsv3), "empty scene id");
  EXPECT_EQ(reason_of("\"\",i,s", kCsv3), "empty user id");
}

TEST(LineParser, ValuesAreParsedStrictly) {
  EXPECT_EQ(parse_ok("u,i,s,1e-3", kCsv4).value, 0.001);
  EXPECT_EQ(parse_ok("u,i,s,2.5E2", kCsv4).value, 250.0);
  EXPECT_EQ(parse_ok("u,i,s,.5", kCsv4).value, 0.5);
  EXPECT_EQ(parse_ok("u,i,s,7", kCsv4).value, 7.0);

  EXPECT_EQ(reason_of("u,i,s,abc", kCsv4), "value 'abc' is not a number");
  EXPECT_EQ(reason_of("u,i,s,1.5x", kCsv4), "value '1.5x' is not a number");
  EXPECT_EQ(reason_of("u,i,s, 2", kCsv4), "value ' 2' is not a number");
  EXPECT_EQ(reason_of("u,i,s,+2", kCsv4), "value '+2' is not a number");
  EXPECT_EQ(reason_of("u,i,s,0x10", kCsv4), "value '0x10' is not a number");
  EXPECT_EQ(reason_of("u,i,s,", kCsv4), "empty value");
  EXPECT_EQ(reason_of("u,i,s,\"1\"\"\"", kCsv4), "value '1\"\"' is not a number");
}

TEST(LineParser, ValuesMustBeFiniteAndPositive) {
  EXPECT_EQ(reason_of("u,i,s,nan", kCsv4), "value nan is not finite");
  EXPECT_EQ(reason_of("u,i,s,NaN", kCsv4), "value NaN is not finite");
  EXPECT_EQ(reason_of("u,i,s,inf", kCsv4), "value inf is not finite");
  EXPECT_EQ(reason_of("u,i,s,-Infinity", kCsv4), "value -Infinity is not finite");
  EXPECT_EQ(reason_of("u,i,s,1e999", kCsv4), "value '1e999' is out of range");
  EXPECT_EQ(reason_of("u,i,s,-1", kCsv4), "value -1 must be > 0");
  EXPECT_EQ(reason_of("u,i,s,0", kCsv4), "value 0 must be > 0");
  EXPECT_EQ(reason_of("u,i,s,-0.0", kCsv4), "value -0.0 must be > 0");
  // Values are trained as float32: one that would round to 0 there is refused, not zeroed.
  EXPECT_EQ(reason_of("u,i,s,1e-50", kCsv4), "value 1e-50 is too small (the smallest is 1.4e-45)");
  EXPECT_FLOAT_EQ(static_cast<float>(parse_ok("u,i,s,1e-44", kCsv4).value), 1e-44f);
}

TEST(LineParser, TimestampsAreStrictInt64) {
  EXPECT_EQ(parse_ok("u,i,s,-5", kCsvTs).timestamp, -5);
  EXPECT_EQ(parse_ok("u,i,s,9223372036854775807", kCsvTs).timestamp,
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(reason_of("u,i,s,x", kCsvTs), "timestamp 'x' is not an integer");
  EXPECT_EQ(reason_of("u,i,s,1.5", kCsvTs), "timestamp '1.5' is not an integer");
  EXPECT_EQ(reason_of("u,i,s,12 ", kCsvTs), "timestamp '12 ' is not an integer");
  EXPECT_EQ(reason_of("u,i,s,", kCsvTs), "empty timestamp");
  EXPECT_EQ(reason_of("u,i,s,9223372036854775808", kCsvTs),
            "timestamp '9223372036854775808' is out of range");
}

TEST(LineParser, LongTextIsCutInReasons) {
  const std::string long_text(100, 'x');
  EXPECT_EQ(reason_of("u,i,s," + long_text, kCsv4),
            "value '" + std::string(40, 'x') + "...' is not a number");
  // The cut never splits a UTF-8 sequence: bytes 39-40 are one character (U+00E9).
  const std::string accented = std::string(39, 'a') + "\xC3\xA9" + std::string(20, 'b');
  EXPECT_EQ(quote_for_message(accented), "'" + std::string(39, 'a') + "...'");
  EXPECT_EQ(quote_for_message(std::string(40, 'y')), "'" + std::string(40, 'y') + "'");
}

TEST(LineParser, ReusedOutputIsFullyOverwrittenWithoutReallocating) {
  Interaction out;
  out.value = 9.0;
  out.timestamp = 99;
  // Ids longer than any small-string buffer, so that they live on the heap.
  const std::string long_line =
      std::string(40, 'u') + "," + std::string(40, 'i') + "," + std::string(40, 's');
  ASSERT_EQ(parse_line(long_line, kCsv3, out).status, LineStatus::kRecord);
  EXPECT_EQ(out.value, 1.0);  // no value column: reset to the default, not left at 9
  EXPECT_EQ(out.timestamp, 0);
  const char* user_buffer = out.user.data();
  const char* item_buffer = out.item.data();
  ASSERT_EQ(parse_line("u,\"q\"\"\",s", kCsv3, out).status, LineStatus::kRecord);
  EXPECT_EQ(out.user, "u");
  EXPECT_EQ(out.item, "q\"");
  EXPECT_EQ(out.scene, "s");
  EXPECT_EQ(out.user.data(), user_buffer);  // same heap buffer: assigned, not reallocated
  EXPECT_EQ(out.item.data(), item_buffer);
}

TEST(LineParser, ViewsPointIntoTheLineUnlessQuotesWereDoubled) {
  const std::string line = "\"u,1\",\"q\"\"\",s\t2";
  const InputSchema schema = make_schema(',', 0, 1, 2, -1, -1, 3);
  InteractionView view;
  view.value = 9.0;
  view.timestamp = 99;
  ASSERT_EQ(parse_line(line, schema, view).status, LineStatus::kRecord);
  EXPECT_EQ(view.user, "u,1");
  EXPECT_EQ(view.item, "q\"");
  EXPECT_EQ(view.scene, "s\t2");
  EXPECT_EQ(view.value, 1.0);  // reset to the defaults, not left from before
  EXPECT_EQ(view.timestamp, 0);
  const auto inside_line = [&](std::string_view id) {
    return id.data() >= line.data() && id.data() + id.size() <= line.data() + line.size();
  };
  EXPECT_TRUE(inside_line(view.user));  // quoted without doubled quotes: still the line's bytes
  EXPECT_FALSE(inside_line(view.item));
  EXPECT_EQ(view.item.data(), view.owned[1].data());
  EXPECT_TRUE(inside_line(view.scene));
}

TEST(LineParser, IntegerValuesReadLikeFromChars) {
  // Plain digit strings take a shortcut past std::from_chars: the double, and whether the value
  // is accepted, must be the same as from_chars and the checks give (the independent reference).
  for (const std::string text :
       {"1", "5", "007", "0", "00", "10", "999999999", "123456789012345", "1234567890123456",
        "9007199254740993", "99999999999999999999", "340282366920938463463374607431768211456"}) {
    double reference = 0;
    const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), reference);
    ASSERT_EQ(code, std::errc()) << text;
    ASSERT_EQ(end, text.data() + text.size()) << text;
    const bool acceptable =
        reference > 0 && reference <= static_cast<double>(std::numeric_limits<float>::max());
    double value = -1;
    std::string reason;
    EXPECT_EQ(parse_interaction_value(text, value, reason), acceptable) << text << ": " << reason;
    if (acceptable) {
      EXPECT_EQ(value, reference) << text;
    }
  }
}

TEST(FieldReader, SplitsEmptyAndQuotedFields) {
  const auto fields_of = [](std::string_view line, char delimiter) {
    std::vector<std::string> fields;
    FieldReader reader(line, delimiter);
    FieldView field;
    std::string text;
    while (reader.next(field)) {
      assign_field(field, text);
      fields.push_back(text);
    }
    EXPECT_FALSE(reader.failed()) << reader.error();
    EXPECT_EQ(reader.count(), static_cast<int>(fields.size()));
    return fields;
  };
  using Fields = std::vector<std::string>;
  EXPECT_EQ(fields_of("", ','), Fields({""}));
  EXPECT_EQ(fields_of(",", ','), Fields({"", ""}));
  EXPECT_EQ(fields_of("a,,b", ','), Fields({"a", "", "b"}));
  EXPECT_EQ(fields_of("\"\",\"x,\"\"y\"", ','), Fields({"", "x,\"y"}));
  EXPECT_EQ(fields_of("a,b\tc", '\t'), Fields({"a,b", "c"}));
  EXPECT_EQ(fields_of("\"a\",", ','), Fields({"a", ""}));
}

TEST(LineParser, IdsLongerThanTheLimitAreRejected) {
  const std::string longest(kMaxIdBytes, 'u');
  EXPECT_EQ(parse_ok(longest + ",i,s", kCsv3).user, longest);
  EXPECT_EQ(reason_of(longest + "u,i,s", kCsv3),
            "user id of 1025 bytes is longer than the 1024 allowed");
  EXPECT_EQ(reason_of("u,i," + std::string(5000, 's'), kCsv3),
            "scene id of 5000 bytes is longer than the 1024 allowed");
}

TEST(LineParser, MessagesQuoteAtMostAShortPrefix) {
  EXPECT_EQ(reason_of("u,i,s," + std::string(100, '9') + "x", kCsv4),
            "value '" + std::string(40, '9') + "...' is not a number");
  // A cut never splits a UTF-8 sequence: 39 ASCII bytes, then a 2-byte e-acute.
  EXPECT_EQ(shorten_for_message(std::string(39, 'a') + "\xC3\xA9tail"),
            std::string(39, 'a') + "...");
  EXPECT_EQ(shorten_for_message("short"), "short");
}

TEST(LineParser, PrintableMessagesShowControlCharactersAsQuestionMarks) {
  EXPECT_EQ(printable_for_message("gam\nma\x1b[31m\x7f"), "gam?ma?[31m?");
  EXPECT_EQ(printable_for_message("caf\xC3\xA9"), "caf\xC3\xA9");  // UTF-8 is kept
  EXPECT_EQ(printable_for_message(std::string(50, '\n'), 10), std::string(10, '?') + "...");
}

}  // namespace
}  // namespace sceneals::io
