// libFuzzer target over the text side of the input: the input is an interaction log. As the
// reader does (io/text_chunk.cpp, io/interaction_reader.cpp), its first 4096 bytes are sniffed
// for a binary format, the first line becomes the schema, and every further line is parsed with
// it; the same lines are also parsed as both MovieLens layouts. Whatever the bytes, each step must
// end in a result or a clear reason: a record with valid fields, a blank, or a bounded message
// (InputError "FILE:1: ..." for the header). A violated check aborts, which libFuzzer reports as a
// crash like the ASan and UBSan findings.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "io/binary_signature.h"
#include "io/input_schema.h"
#include "io/line_parser.h"
#include "io/movielens.h"
#include "mpi/error.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace sceneals;

constexpr char kFile[] = "fuzz.csv";
// Messages quote at most a short prefix of the input; a longer one means a quote was not cut.
constexpr std::size_t kMaxMessageBytes = 400;

using fuzz::require;

/// The checks every parser's result must pass, whichever line format it read.
void check_result(const io::LineParseResult& result, const io::Interaction& record) {
  switch (result.status) {
    case io::LineStatus::kRecord:
      require(result.reason.empty(), "a record with a reason", result.reason);
      for (const std::string* id : {&record.user, &record.item, &record.scene}) {
        require(!id->empty(), "a record with an empty id");
        require(id->size() <= io::kMaxIdBytes, "a record with an over-long id", *id);
      }
      require(std::isfinite(record.value) && record.value > 0, "a record with a bad value");
      break;
    case io::LineStatus::kBlank:
      require(result.reason.empty(), "a blank line with a reason", result.reason);
      break;
    case io::LineStatus::kError:
      require(!result.reason.empty(), "an error without a reason");
      require(result.reason.size() <= kMaxMessageBytes, "an over-long reason", result.reason);
      break;
  }
}

/// Every line of `text` (split at '\n', the last one possibly unterminated) through `parse`.
template <class ParseFn>
void parse_lines(std::string_view text, ParseFn&& parse) {
  io::Interaction record;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    check_result(parse(text.substr(0, end), record), record);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
}

/// The schema of `header`, or nothing after checking that the refusal is a clear InputError.
bool parse_schema(std::string_view header, io::InputSchema& schema) {
  try {
    schema = io::parse_header(header, kFile);
  } catch (const InputError& e) {
    const std::string_view message = e.what();
    require(message.rfind(std::string(kFile) + ":1: ", 0) == 0, "header error without FILE:1",
            message);
    require(message.size() <= kMaxMessageBytes, "an over-long header message", message);
    return false;
  }
  const int columns[] = {schema.user_column, schema.item_column, schema.scene_column,
                         schema.value_column, schema.timestamp_column};
  for (int column : columns)
    require(column < schema.column_count, "a column beyond the header's column count");
  require(schema.user_column >= 0 && schema.item_column >= 0 && schema.scene_column >= 0,
          "a schema without a required column");
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto format = io::binary_format_name(input.substr(0, 4096))) {
    require(!io::binary_format_message(kFile, *format).empty(), "an empty binary-file message");
    return 0;  // the reader stops here with that message
  }

  const std::size_t header_end = input.find('\n');
  const std::string_view body =
      header_end == std::string_view::npos ? std::string_view() : input.substr(header_end + 1);
  io::InputSchema schema;
  if (parse_schema(input.substr(0, header_end), schema))
    parse_lines(body, [&](std::string_view line, io::Interaction& out) {
      return io::parse_line(line, schema, out);
    });

  // The MovieLens layouts have no header; items 1 to 3 have a scene, as an item file would say.
  static const io::ItemScenes kItemScenes = {{"1", "drama"}, {"2", "family"}, {"3", "drama"}};
  for (const io::MovieLensLayout layout :
       {io::MovieLensLayout::kUData, io::MovieLensLayout::kRatingsDat})
    parse_lines(input, [&](std::string_view line, io::Interaction& out) {
      return io::parse_movielens_line(line, layout, kItemScenes, out);
    });
  return 0;
}
