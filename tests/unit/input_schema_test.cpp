// Header line -> column schema: delimiter choice, name matching and every error.
#include "io/input_schema.h"

#include <gtest/gtest.h>

#include <string>

#include "mpi/error.h"

namespace sceneals::io {
namespace {

/// The message of the InputError that parse_header throws for `header` (fails if none).
std::string header_error(std::string_view header) {
  try {
    parse_header(header, "in.csv");
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no InputError for header '" << header << "'";
  return {};
}

TEST(InputSchema, CsvWithRequiredColumnsOnly) {
  const InputSchema schema = parse_header("user,item,scene", "in.csv");
  EXPECT_EQ(schema.delimiter, ',');
  EXPECT_EQ(schema.user_column, 0);
  EXPECT_EQ(schema.item_column, 1);
  EXPECT_EQ(schema.scene_column, 2);
  EXPECT_EQ(schema.value_column, -1);
  EXPECT_EQ(schema.timestamp_column, -1);
  EXPECT_EQ(schema.column_count, 3);
  EXPECT_FALSE(schema.has_value());
  EXPECT_FALSE(schema.has_timestamp());
}

TEST(InputSchema, TsvInAnyOrderWithOptionalAndExtraColumns) {
  const InputSchema schema = parse_header("timestamp\tscene\tcomment\tuser\tvalue\titem", "in.tsv");
  EXPECT_EQ(schema.delimiter, '\t');
  EXPECT_EQ(schema.timestamp_column, 0);
  EXPECT_EQ(schema.scene_column, 1);
  EXPECT_EQ(schema.user_column, 3);
  EXPECT_EQ(schema.value_column, 4);
  EXPECT_EQ(schema.item_column, 5);
  EXPECT_EQ(schema.column_count, 6);
  EXPECT_TRUE(schema.has_value());
  EXPECT_TRUE(schema.has_timestamp());
}

TEST(InputSchema, TabWinsOverCommaAsDelimiter) {
  // With a tab present, "a,b" is one column name, not two.
  const InputSchema schema = parse_header("a,b\tuser\titem\tscene", "in.tsv");
  EXPECT_EQ(schema.delimiter, '\t');
  EXPECT_EQ(schema.user_column, 1);
  EXPECT_EQ(schema.column_count, 4);
}

TEST(InputSchema, NamesAreTrimmedAndCaseInsensitive) {
  const InputSchema schema = parse_header(" User , ITEM,Scene ,  VaLuE", "in.csv");
  EXPECT_EQ(schema.user_column, 0);
  EXPECT_EQ(schema.item_column, 1);
  EXPECT_EQ(schema.scene_column, 2);
  EXPECT_EQ(schema.value_column, 3);
  EXPECT_EQ(schema.column_count, 4);
}

TEST(InputSchema, ByteOrderMarkAndCarriageReturnAreDropped) {
  const InputSchema schema = parse_header("\xEF\xBB\xBFuser,item,scene,timestamp\r", "in.csv");
  EXPECT_EQ(schema.user_column, 0);
  EXPECT_EQ(schema.timestamp_column, 3);
  EXPECT_EQ(schema.column_count, 4);
}

TEST(InputSchema, QuotedNamesAreAccepted) {
  const InputSchema schema = parse_header("\"user\",\"item\",\"scene\",\"a,b\"", "in.csv");
  EXPECT_EQ(schema.scene_column, 2);
  EXPECT_EQ(schema.column_count, 4);
}

TEST(InputSchema, UnnamedColumnsAreIgnoredEvenSeveral) {
  // An exported row index (empty name) and a trailing delimiter.
  const InputSchema schema = parse_header(",user,item,scene,", "in.csv");
  EXPECT_EQ(schema.user_column, 1);
  EXPECT_EQ(schema.scene_column, 3);
  EXPECT_EQ(schema.column_count, 5);
}

TEST(InputSchema, EmptyHeaderIsAnError) {
  const std::string expected =
      "in.csv:1: empty header line (expected column names such as user,item,scene)";
  EXPECT_EQ(header_error(""), expected);
  EXPECT_EQ(header_error("\r"), expected);
  EXPECT_EQ(header_error("   "), expected);
  EXPECT_EQ(header_error("\xEF\xBB\xBF"), expected);
}

TEST(InputSchema, MissingRequiredColumnIsNamedWithTheHeaderColumns) {
  EXPECT_EQ(header_error("user,item,value"),
            "in.csv:1: missing required column 'scene' (the header's columns are: user, item, "
            "value)");
  EXPECT_EQ(header_error("User\tscene"),
            "in.csv:1: missing required column 'item' (the header's columns are: User, scene)");
  // A file without a header: its first data line is read as column names.
  EXPECT_EQ(header_error("196\t242\t3\t881250949"),
            "in.csv:1: missing required columns 'user', 'item', 'scene' (the header's columns "
            "are: 196, 242, 3, 881250949)");
  // "users" is not "user".
  EXPECT_EQ(header_error("users,item,scene"),
            "in.csv:1: missing required column 'user' (the header's columns are: users, item, "
            "scene)");
}

TEST(InputSchema, DuplicateColumnIsAnError) {
  EXPECT_EQ(header_error("user,item,scene,USER "),
            "in.csv:1: duplicate column 'USER' (columns 1 and 4)");
  EXPECT_EQ(header_error("user,note,item,scene,Note"),
            "in.csv:1: duplicate column 'Note' (columns 2 and 5)");
}

TEST(InputSchema, MalformedQuoteIsAnError) {
  EXPECT_EQ(header_error("user,\"item,scene"), "in.csv:1: header: unterminated quote in field 2");
}

}  // namespace
}  // namespace sceneals::io
