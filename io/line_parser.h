// Pure parsing of one line of a CSV/TSV interaction log into an Interaction. No I/O and no MPI,
// so every rule is testable from strings; the reader attaches file and line number to reasons.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "io/input_schema.h"
#include "io/interaction.h"

namespace sceneals::io {

enum class LineStatus {
  kRecord,  ///< `out` holds the line's interaction
  kBlank,   ///< an empty line: skip it silently
  kError,   ///< `reason` says what is wrong; `out` may be partly overwritten
};

struct LineParseResult {
  LineStatus status = LineStatus::kRecord;
  std::string reason;  ///< empty unless status is kError
};

/// The longest id (user, item or scene) accepted, in bytes. The embedding file stores ids as
/// fixed-length strings as wide as the longest one, so one runaway id (a whole line pasted into
/// a field) would multiply the size of every id dataset.
inline constexpr std::size_t kMaxIdBytes = 1024;

/// Parses one line (without its '\n'; a trailing '\r' is dropped) laid out as `schema` says.
/// Fields may be double-quoted RFC 4180 style within the line ("" is a literal quote). The ids
/// of `out` view the line (or its `owned` strings, for an id whose quotes were doubled), so the
/// reader copies no id. value defaults to 1 and timestamp to 0 when the schema has no such
/// column. On an error `out` may be partly overwritten.
LineParseResult parse_line(std::string_view line, const InputSchema& schema, InteractionView& out);

/// parse_line with the ids copied into `out`'s strings (reusing their capacity).
LineParseResult parse_line(std::string_view line, const InputSchema& schema, Interaction& out);

/// A view parser's result with the ids copied into `out`: `parse(view)` parses into a view.
template <class ParseFn>
LineParseResult parse_into_copy(Interaction& out, ParseFn&& parse) {
  InteractionView view;
  LineParseResult result = parse(view);
  if (result.status == LineStatus::kRecord) view.copy_to(out);
  return result;
}

// ---- Building blocks, shared with the other line formats (MovieLens) and the header parser ----

/// One field of a delimited line with its enclosing quotes removed. When `has_escaped_quotes`,
/// `text` still holds every literal quote doubled; assign_field() undoes that.
struct FieldView {
  std::string_view text;
  bool has_escaped_quotes = false;
};

/// Reads the fields of one line left to right without copying them. A field that starts with
/// '"' is quoted: it ends at the next lone '"', which must be followed by the delimiter or the
/// end of the line. A '"' inside an unquoted field is an ordinary character.
class FieldReader {
 public:
  FieldReader(std::string_view line, char delimiter) : line_(line), delimiter_(delimiter) {}

  /// Reads the next field. Returns false after the last field, or when the line is malformed
  /// (then failed() is true and error() says why).
  bool next(FieldView& field);
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  /// Fields read so far.
  int count() const { return count_; }

 private:
  std::string_view line_;
  std::size_t pos_ = 0;
  char delimiter_;
  bool done_ = false;
  int count_ = 0;
  std::string error_;
};

/// Copies a field into `out`, reusing its capacity, with each "" turned back into ".
void assign_field(const FieldView& field, std::string& out);

/// The field's text as it reads: a view of the line itself, or of `storage` holding the text
/// with each "" turned back into " when the field has doubled quotes.
std::string_view field_text(const FieldView& field, std::string& storage);

/// `line` without one trailing '\r' (files written on Windows end lines with "\r\n").
std::string_view strip_carriage_return(std::string_view line);

/// `text` in single quotes for an error message, cut to about 40 characters.
std::string quote_for_message(std::string_view text);

/// `text` cut to `limit` bytes (never inside a UTF-8 sequence) and marked with "...", so that a
/// message quoting input stays one readable line whatever the input holds.
std::string shorten_for_message(std::string_view text, std::size_t limit = 40);

/// shorten_for_message with every control character (a newline, an escape) shown as '?', for
/// text from a binary file (names and ids in a model), which may hold any byte.
std::string printable_for_message(std::string_view text, std::size_t limit = 40);

/// Why `record` cannot be kept: the first of its ids (user, item, scene) that is longer than
/// kMaxIdBytes; empty when every id fits. Every line format checks its records with it.
std::string over_long_id_reason(const InteractionView& record);

/// Strict number of an interaction value: the whole of `text` must be a decimal number
/// (std::from_chars), finite, > 0 and neither above nor (as float32) below what float32 holds.
bool parse_interaction_value(std::string_view text, double& value, std::string& reason);

/// Strict signed 64-bit integer timestamp: the whole of `text` must be one (std::from_chars).
/// On failure returns false and sets `reason`.
bool parse_timestamp(std::string_view text, std::int64_t& timestamp, std::string& reason);

}  // namespace sceneals::io
