#include "io/item_features.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>

#include "io/item_features_hdf5.h"
#include "io/line_parser.h"
#include "io/text_chunk.h"
#include "mpi/error.h"
#include "mpi/error_agreement.h"

namespace sceneals::io {

namespace {

bool is_hdf5_file(const std::string& path) {
  static constexpr char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  return in.read(head, sizeof(head)) && std::equal(head, head + 8, kSignature);
}

char delimiter_of(const std::string& header) {
  return header.find(',') == std::string::npos && header.find('\t') != std::string::npos ? '\t'
                                                                                         : ',';
}

/// The feature names of the header `item,<name>,...`.
std::vector<std::string> parse_feature_header(const std::string& header, const std::string& path) {
  FieldReader reader(strip_carriage_return(header), delimiter_of(header));
  std::vector<std::string> fields;
  FieldView field;
  std::string text;
  while (reader.next(field)) {
    assign_field(field, text);
    fields.push_back(text);
  }
  if (reader.failed()) throw InputError(path, 1, "header: " + reader.error());
  if (fields.empty() || fields.front() != "item")
    throw InputError(path, 1,
                     "the header must start with the column 'item', then one column per feature "
                     "(got " +
                         quote_for_message(header) + ")");
  fields.erase(fields.begin());
  if (fields.empty()) throw InputError(path, 1, "the header names no feature column after 'item'");
  if (fields.size() > static_cast<std::size_t>(kMaxFeatureDimensions))
    throw InputError(path, 1,
                     std::to_string(fields.size()) + " feature columns; at most " +
                         std::to_string(kMaxFeatureDimensions) + " are accepted");
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].empty())
      throw InputError(path, 1, "feature column " + std::to_string(i + 2) + " has no name");
  return fields;
}

/// A feature value: the whole field a finite decimal number that float32 holds.
bool parse_feature_value(std::string_view text, float& value, std::string& reason) {
  double parsed = 0;
  const char* last = text.data() + text.size();
  const auto [end, code] = std::from_chars(text.data(), last, parsed);
  if (text.empty() || code != std::errc() || end != last) {
    reason = "feature value " + quote_for_message(text) + " is not a number";
    return false;
  }
  if (!std::isfinite(parsed) || std::abs(parsed) > std::numeric_limits<float>::max()) {
    reason = "feature value " + quote_for_message(text) + " is not a finite float32";
    return false;
  }
  value = static_cast<float>(parsed);
  return true;
}

/// One data line into `out`; an empty reason means it was kept (or blank).
std::string parse_feature_line(std::string_view line, char delimiter, std::size_t dimensions,
                               ItemFeatureRead& out) {
  line = strip_carriage_return(line);
  if (line.empty()) return {};
  FieldReader reader(line, delimiter);
  FieldView field;
  std::string id;
  if (!reader.next(field)) return reader.failed() ? reader.error() : "no item id";
  assign_field(field, id);
  if (id.empty()) return "empty item id";
  if (id.size() > kMaxIdBytes)
    return "item id of " + std::to_string(id.size()) + " bytes; at most " +
           std::to_string(kMaxIdBytes) + " are accepted";
  const std::size_t first = out.values.size();
  std::string storage, reason;
  while (reader.next(field)) {
    float value = 0;
    if (!parse_feature_value(field_text(field, storage), value, reason)) {
      out.values.resize(first);
      return reason;
    }
    out.values.push_back(value);
  }
  const std::size_t got = out.values.size() - first;
  if (reader.failed() || got != dimensions) {
    out.values.resize(first);
    return reader.failed() ? reader.error()
                           : std::to_string(got + 1) + " columns, the header has " +
                                 std::to_string(dimensions + 1);
  }
  out.ids.push_back(std::move(id));
  return {};
}

ItemFeatureRead read_csv_features(const mpi::Communicator& comm, const std::string& path) {
  const TextChunk chunk = read_text_chunk(comm, path, true);
  ItemFeatureRead out;
  std::optional<mpi::LocalError> error = mpi::run_local([&] {
    out.names = parse_feature_header(chunk.header, path);
    const char delimiter = delimiter_of(chunk.header);
    std::int64_t line_number = chunk.first_line;
    std::string_view text = chunk.text;
    while (!text.empty()) {
      const std::size_t end = text.find('\n');
      const std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      const std::size_t kept = out.ids.size();
      const std::string reason = parse_feature_line(line, delimiter, out.names.size(), out);
      if (!reason.empty()) throw InputError(path, line_number, reason);
      if (out.ids.size() > kept) out.lines.push_back(line_number);
      ++line_number;
    }
  });
  // Every rank parsed its range (or stopped at its first bad line): the lowest failing rank's
  // error is the earliest line of the file.
  mpi::agree_on_error(comm, error);
  return out;
}

}  // namespace

ItemFeatureRead read_item_features(const mpi::Communicator& comm, const std::string& path) {
  bool hdf5 = false;
  mpi::run_agreed(comm, [&] {
    std::ifstream probe(path);
    if (!probe) throw InputError(path, "cannot open the item features file");
    hdf5 = is_hdf5_file(path);
  });
  ItemFeatureRead out = hdf5 ? read_hdf5_features(comm, path) : read_csv_features(comm, path);
  out.total = comm.sum(static_cast<std::int64_t>(out.ids.size()));
  if (out.total == 0) throw AgreedError(ExitCode::kBadInput, path + ": no items after the header");
  return out;
}

}  // namespace sceneals::io
