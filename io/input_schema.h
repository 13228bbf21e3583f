// Where the columns of a CSV/TSV interaction log are, read from its header line.
#pragma once

#include <string>
#include <string_view>

namespace sceneals::io {

/// Column positions (0-based) of one delimited input file; -1 where the column is absent.
struct InputSchema {
  char delimiter = ',';
  int user_column = -1;
  int item_column = -1;
  int scene_column = -1;
  int value_column = -1;
  int timestamp_column = -1;
  int column_count = 0;  ///< every data line must have exactly this many fields

  bool has_value() const { return value_column >= 0; }
  bool has_timestamp() const { return timestamp_column >= 0; }
};

/// Reads the header line of `file` (the line without its '\n'). The delimiter is a tab when the
/// line holds one, else a comma. A UTF-8 byte-order mark and a trailing '\r' are dropped; names
/// may be double-quoted, are trimmed of spaces and matched case-insensitively. `user`, `item` and
/// `scene` are required, `value` and `timestamp` optional, other columns are ignored.
/// Throws InputError(file, 1, reason) for an empty header, a missing required column or a
/// column name given twice.
InputSchema parse_header(std::string_view header_line, const std::string& file);

}  // namespace sceneals::io
