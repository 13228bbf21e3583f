#include "io/interaction_reader.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "io/id_hash.h"
#include "io/input_schema.h"
#include "io/line_parser.h"
#include "io/movielens.h"
#include "io/text_chunk.h"
#include "mpi/error_agreement.h"

namespace sceneals::io {

namespace {

bool is_repeated_header(std::string_view line, const std::string& header) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return !header.empty() && line == header;
}

/// Lines are parsed into a batch of records, whose ids are then hashed and their index slots
/// prefetched before any is interned: the index of a large catalogue is far bigger than the
/// cache, and a batch's misses overlap instead of following one another.
class RecordBatch {
 public:
  static constexpr std::size_t kSize = 16;

  explicit RecordBatch(ReadResult& result) : result_(result) {}
  /// The record the next line is parsed into.
  Interaction& next() { return records_[filled_]; }
  /// Keeps the record next() returned; interns the batch once it is full.
  void keep() {
    if (++filled_ == kSize) flush();
  }
  void flush() {
    std::array<std::uint64_t, kSize> user_hash{}, item_hash{};
    for (std::size_t j = 0; j < filled_; ++j) {
      user_hash[j] = hash_id(records_[j].user);
      item_hash[j] = hash_id(records_[j].item);
      result_.users.prefetch(user_hash[j]);
      result_.items.prefetch(item_hash[j]);
    }
    for (std::size_t j = 0; j < filled_; ++j) {
      const Interaction& r = records_[j];
      result_.records.push_back(ReadRecord{result_.users.intern(r.user, user_hash[j]),
                                           result_.items.intern(r.item, item_hash[j]),
                                           result_.scenes.intern(r.scene, hash_id(r.scene)),
                                           static_cast<float>(r.value), r.timestamp});
    }
    filled_ = 0;
  }

 private:
  ReadResult& result_;
  std::array<Interaction, kSize> records_;
  std::size_t filled_ = 0;
};

/// Calls `parse(line, record)` for every line of the chunk; keeps records, counts or reports the
/// bad ones.
template <class ParseFn>
void parse_chunk(const TextChunk& chunk, const ReadOptions& options, ParseFn&& parse,
                 ReadResult& result, std::int64_t& skipped, std::string& first_skipped) {
  std::string_view text = chunk.text;
  std::int64_t line_number = chunk.first_line;
  // One record per line at most: reserving that up front keeps the vector from growing by
  // doubling, which at its last step held up to twice the records (the reader's memory peak).
  result.records.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  RecordBatch batch(result);
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const LineParseResult parsed = parse(line, batch.next());
    if (parsed.status == LineStatus::kRecord) {
      batch.keep();
    } else if (parsed.status == LineStatus::kError) {
      const std::string reason = is_repeated_header(line, chunk.header)
                                     ? "the header line again (were files concatenated?)"
                                     : parsed.reason;
      if (!options.skip_bad_lines) throw InputError(options.path, line_number, reason);
      if (skipped++ == 0)
        first_skipped = options.path + ":" + std::to_string(line_number) + ": " + reason;
    }
    ++line_number;
  }
  batch.flush();
}

}  // namespace

ReadResult read_interactions(const mpi::Communicator& comm, const ReadOptions& options) {
  const bool has_header = options.format == InputFormat::kCsv;
  const TextChunk chunk = read_text_chunk(comm, options.path, has_header);
  ReadResult result;
  result.file_bytes = chunk.file_bytes;
  std::int64_t skipped = 0;
  std::string first_skipped;
  mpi::run_agreed(comm, [&] {
    if (options.format == InputFormat::kCsv) {
      const InputSchema schema = parse_header(chunk.header, options.path);
      result.has_timestamps = schema.has_timestamp();
      parse_chunk(
          chunk, options,
          [&](std::string_view line, Interaction& out) { return parse_line(line, schema, out); },
          result, skipped, first_skipped);
    } else {
      const ItemScenes scenes =
          load_movielens_item_scenes(options.movielens_items, options.movielens_scene_map);
      const MovieLensLayout layout = options.format == InputFormat::kMovieLensUData
                                         ? MovieLensLayout::kUData
                                         : MovieLensLayout::kRatingsDat;
      result.has_timestamps = true;
      parse_chunk(
          chunk, options,
          [&](std::string_view line, Interaction& out) {
            return parse_movielens_line(line, layout, scenes, out);
          },
          result, skipped, first_skipped);
    }
  });
  result.total_records = comm.sum(static_cast<std::int64_t>(result.records.size()));
  result.skipped_lines = comm.sum(skipped);
  // The earliest skipped line is on the lowest rank that skipped any.
  const int first_rank = comm.min(skipped > 0 ? comm.rank() : comm.size());
  if (first_rank < comm.size())
    result.first_skipped = comm.broadcast_string(first_skipped, first_rank);
  if (result.total_records == 0) {
    throw AgreedError(ExitCode::kBadInput,
                      options.path + ": no interactions found" +
                          (result.skipped_lines > 0
                               ? " (all " + std::to_string(result.skipped_lines) +
                                     " data lines were bad; first: " + result.first_skipped + ")"
                               : " after the header"));
  }
  return result;
}

}  // namespace sceneals::io
