#include "io/input_schema.h"

#include <cctype>
#include <vector>

#include "io/line_parser.h"
#include "mpi/error.h"

namespace sceneals::io {
namespace {

constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string to_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

std::string join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) {
    if (!joined.empty()) joined += ", ";
    joined += part;
  }
  return joined;
}

}  // namespace

InputSchema parse_header(std::string_view header_line, const std::string& file) {
  std::string_view line = header_line;
  if (line.substr(0, kUtf8ByteOrderMark.size()) == kUtf8ByteOrderMark) {
    line.remove_prefix(kUtf8ByteOrderMark.size());
  }
  line = strip_carriage_return(line);
  if (trim_spaces(line).empty()) {
    throw InputError(file, 1, "empty header line (expected column names such as user,item,scene)");
  }

  InputSchema schema;
  schema.delimiter = line.find('\t') != std::string_view::npos ? '\t' : ',';
  std::vector<std::string> names;  // as written, trimmed: for messages
  std::vector<std::string> keys;   // lower case: for matching
  FieldReader reader(line, schema.delimiter);
  FieldView field;
  std::string name;
  while (reader.next(field)) {
    assign_field(field, name);
    names.emplace_back(trim_spaces(name));
    keys.push_back(to_lower(names.back()));
  }
  if (reader.failed()) throw InputError(file, 1, "header: " + reader.error());
  schema.column_count = static_cast<int>(names.size());

  for (int column = 0; column < schema.column_count; ++column) {
    const std::string& key = keys[static_cast<std::size_t>(column)];
    // Unnamed columns (a trailing delimiter, an exported index) are ignored, so several may
    // coexist; a repeated real name would leave it ambiguous which column is meant.
    if (key.empty()) continue;
    for (int earlier = 0; earlier < column; ++earlier) {
      if (keys[static_cast<std::size_t>(earlier)] == key) {
        throw InputError(file, 1,
                         "duplicate column " + quote_for_message(names[column]) + " (columns " +
                             std::to_string(earlier + 1) + " and " + std::to_string(column + 1) +
                             ")");
      }
    }
    if (key == "user")
      schema.user_column = column;
    else if (key == "item")
      schema.item_column = column;
    else if (key == "scene")
      schema.scene_column = column;
    else if (key == "value")
      schema.value_column = column;
    else if (key == "timestamp")
      schema.timestamp_column = column;
  }

  std::vector<std::string> missing;
  if (schema.user_column < 0) missing.emplace_back("'user'");
  if (schema.item_column < 0) missing.emplace_back("'item'");
  if (schema.scene_column < 0) missing.emplace_back("'scene'");
  if (!missing.empty()) {
    throw InputError(file, 1,
                     std::string(missing.size() == 1 ? "missing required column "
                                                     : "missing required columns ") +
                         join(missing) + " (the header's columns are: " +
                         shorten_for_message(join(names), 200) + ")");
  }
  return schema;
}

}  // namespace sceneals::io
