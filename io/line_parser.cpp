#include "io/line_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>

namespace sceneals::io {
std::string shorten_for_message(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string result(text.substr(0, cut));
  result += "...";
  return result;
}

std::string printable_for_message(std::string_view text, std::size_t limit) {
  std::string result = shorten_for_message(text, limit);
  for (char& c : result)
    if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') c = '?';
  return result;
}

namespace {

std::string shorten(std::string_view text) { return shorten_for_message(text); }

LineParseResult error(std::string reason) { return {LineStatus::kError, std::move(reason)}; }

/// A plain decimal integer of at most 15 digits (the common value, a count or a rating) read
/// without std::from_chars: exactly the double from_chars gives, since it is below 2^53.
bool parse_small_integer(std::string_view text, double& value) {
  if (text.empty() || text.size() > 15) return false;
  std::int64_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    n = 10 * n + (c - '0');
  }
  value = static_cast<double>(n);
  return true;
}

}  // namespace

bool FieldReader::next(FieldView& field) {
  if (done_ || failed()) return false;
  ++count_;
  field.has_escaped_quotes = false;
  if (pos_ < line_.size() && line_[pos_] == '"') {
    // Quoted: find the closing quote, stepping over doubled ones.
    std::size_t search = pos_ + 1;
    std::size_t close = 0;
    for (;;) {
      close = line_.find('"', search);
      if (close == std::string_view::npos) {
        error_ = "unterminated quote in field " + std::to_string(count_);
        return false;
      }
      if (close + 1 < line_.size() && line_[close + 1] == '"') {
        field.has_escaped_quotes = true;
        search = close + 2;
        continue;
      }
      break;
    }
    field.text = line_.substr(pos_ + 1, close - pos_ - 1);
    if (close + 1 == line_.size()) {
      done_ = true;
    } else if (line_[close + 1] == delimiter_) {
      pos_ = close + 2;
    } else {
      error_ = "unexpected text after the closing quote of field " + std::to_string(count_);
      return false;
    }
    return true;
  }
  const std::size_t end = line_.find(delimiter_, pos_);
  if (end == std::string_view::npos) {
    field.text = line_.substr(pos_);
    done_ = true;
  } else {
    field.text = line_.substr(pos_, end - pos_);
    pos_ = end + 1;
  }
  return true;
}

std::string_view field_text(const FieldView& field, std::string& storage) {
  if (!field.has_escaped_quotes) return field.text;
  assign_field(field, storage);
  return storage;
}

void assign_field(const FieldView& field, std::string& out) {
  if (!field.has_escaped_quotes) {
    out.assign(field.text.data(), field.text.size());
    return;
  }
  out.clear();
  for (std::size_t i = 0; i < field.text.size(); ++i) {
    out.push_back(field.text[i]);
    if (field.text[i] == '"') ++i;  // the reader guarantees its twin follows
  }
}

std::string_view strip_carriage_return(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string quote_for_message(std::string_view text) { return "'" + shorten(text) + "'"; }

bool parse_interaction_value(std::string_view text, double& value, std::string& reason) {
  if (text.empty()) {
    reason = "empty value";
    return false;
  }
  if (parse_small_integer(text, value)) {
    if (value > 0.0) return true;
    reason = "value " + shorten(text) + " must be > 0";
    return false;
  }
  const char* last = text.data() + text.size();
  const auto [end, code] = std::from_chars(text.data(), last, value);
  if (code == std::errc::result_out_of_range && end == last) {
    reason = "value " + quote_for_message(text) + " is out of range";
    return false;
  }
  if (code != std::errc() || end != last) {
    reason = "value " + quote_for_message(text) + " is not a number";
    return false;
  }
  if (!std::isfinite(value)) {
    reason = "value " + shorten(text) + " is not finite";
    return false;
  }
  if (!(value > 0.0)) {
    reason = "value " + shorten(text) + " must be > 0";
    return false;
  }
  // Values are stored and trained as float32.
  if (value > static_cast<double>(std::numeric_limits<float>::max())) {
    reason = "value " + shorten(text) + " is too large (the largest is 3.4e38)";
    return false;
  }
  if (static_cast<float>(value) == 0.0f) {
    reason = "value " + shorten(text) + " is too small (the smallest is 1.4e-45)";
    return false;
  }
  return true;
}

bool parse_timestamp(std::string_view text, std::int64_t& timestamp, std::string& reason) {
  if (text.empty()) {
    reason = "empty timestamp";
    return false;
  }
  const char* last = text.data() + text.size();
  const auto [end, code] = std::from_chars(text.data(), last, timestamp);
  if (code == std::errc::result_out_of_range && end == last) {
    reason = "timestamp " + quote_for_message(text) + " is out of range";
    return false;
  }
  if (code != std::errc() || end != last) {
    reason = "timestamp " + quote_for_message(text) + " is not an integer";
    return false;
  }
  return true;
}

std::string over_long_id_reason(const InteractionView& record) {
  if (std::max({record.user.size(), record.item.size(), record.scene.size()}) <= kMaxIdBytes)
    return {};
  for (const auto& [kind, id] : {std::pair<const char*, std::string_view>{"user", record.user},
                                 {"item", record.item},
                                 {"scene", record.scene}}) {
    if (id.size() > kMaxIdBytes)
      return std::string(kind) + " id of " + std::to_string(id.size()) +
             " bytes is longer than the " + std::to_string(kMaxIdBytes) + " allowed";
  }
  return {};
}

LineParseResult parse_line(std::string_view line, const InputSchema& schema, InteractionView& out) {
  line = strip_carriage_return(line);
  if (line.empty()) return {LineStatus::kBlank, {}};

  // One pass keeps views of the fields we need; they are checked only once the field count is
  // known to be right, because a wrong count explains any other oddity of the line.
  FieldReader reader(line, schema.delimiter);
  FieldView field, user, item, scene, value, timestamp;
  int index = 0;
  for (; reader.next(field); ++index) {
    if (index == schema.user_column)
      user = field;
    else if (index == schema.item_column)
      item = field;
    else if (index == schema.scene_column)
      scene = field;
    else if (index == schema.value_column)
      value = field;
    else if (index == schema.timestamp_column)
      timestamp = field;
  }
  if (reader.failed()) return error(reader.error());
  if (index != schema.column_count) {
    return error("expected " + std::to_string(schema.column_count) + " fields, found " +
                 std::to_string(index));
  }

  if (user.text.empty()) return error("empty user id");
  if (item.text.empty()) return error("empty item id");
  if (scene.text.empty()) return error("empty scene id");
  out.user = field_text(user, out.owned[0]);
  out.item = field_text(item, out.owned[1]);
  out.scene = field_text(scene, out.owned[2]);
  std::string reason = over_long_id_reason(out);
  if (!reason.empty()) return error(std::move(reason));
  out.value = 1.0;
  if (schema.has_value() && !parse_interaction_value(value.text, out.value, reason)) {
    return error(std::move(reason));
  }
  out.timestamp = 0;
  if (schema.has_timestamp() && !parse_timestamp(timestamp.text, out.timestamp, reason)) {
    return error(std::move(reason));
  }
  return {LineStatus::kRecord, {}};
}

LineParseResult parse_line(std::string_view line, const InputSchema& schema, Interaction& out) {
  return parse_into_copy(out,
                         [&](InteractionView& view) { return parse_line(line, schema, view); });
}

}  // namespace sceneals::io
