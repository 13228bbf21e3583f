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
/// cache, and a batch's misses overlap instead of following one another. The records view the
/// text they were parsed from, so the batch is flushed before that text is replaced.
class RecordBatch {
 public:
  static constexpr std::size_t kSize = 16;

  explicit RecordBatch(ReadResult& result) : result_(result) {}
  /// The record the next line is parsed into.
  InteractionView& next() { return records_[filled_]; }
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
      const InteractionView& r = records_[j];
      result_.records.push_back(ReadRecord{result_.users.intern(r.user, user_hash[j]),
                                           result_.items.intern(r.item, item_hash[j]),
                                           result_.scenes.intern(r.scene, hash_id(r.scene)),
                                           static_cast<float>(r.value), r.timestamp});
    }
    filled_ = 0;
  }

 private:
  ReadResult& result_;
  std::array<InteractionView, kSize> records_;
  std::size_t filled_ = 0;
};

/// What one rank's parse of its range found. Line numbers count from the range's first line:
/// the range's place in the file is known only once every rank has counted its lines.
struct RangeParse {
  std::int64_t lines = 0;  ///< lines parsed: the whole range, or up to a bad line that stopped it
  std::int64_t bad_lines = 0;
  std::int64_t first_bad_line = -1;  ///< 0-based within the range; -1: none
  std::string first_bad_reason;
};

/// Records to reserve for the rest of a range, `bytes_left` of it, from a density of lines per
/// byte: enough that the vector (almost) never grows by doubling, which at its last step held up
/// to twice the records (the reader's memory peak). Reserving does not touch the memory, so a
/// generous estimate costs none; it is capped by the shortest line that holds a record
/// ("u,i,s\n").
std::size_t records_to_reserve(double lines_per_byte, std::int64_t bytes_left) {
  constexpr double kShortestRecordLine = 6;
  const double bytes = static_cast<double>(bytes_left);
  return static_cast<std::size_t>(std::min(1.25 * lines_per_byte, 1 / kShortestRecordLine) *
                                  bytes) +
         16;
}

/// Calls `parse(line, record)` for every line of the rank's range, block by block; keeps records
/// and counts the bad lines, stopping at the first unless they are to be skipped.
template <class ParseFn>
RangeParse parse_range(TextChunkStream& stream, const ReadOptions& options, ParseFn&& parse,
                       ReadResult& result) {
  RangeParse out;
  RecordBatch batch(result);
  std::int64_t bytes_before = 0;  // of the range, in earlier blocks
  for (std::string_view text = stream.next_lines(); !text.empty(); text = stream.next_lines()) {
    // The density of lines so far (the first block's counted) sizes the records of the rest;
    // the vector reallocates only when the lines get much shorter than they were.
    const double lines_per_byte =
        out.lines > 0 ? static_cast<double>(out.lines) / static_cast<double>(bytes_before)
                      : static_cast<double>(std::count(text.begin(), text.end(), '\n') + 1) /
                            static_cast<double>(text.size());
    const std::size_t wanted =
        result.records.size() +
        records_to_reserve(lines_per_byte, stream.range_bytes() - bytes_before);
    if (result.records.capacity() < wanted) result.records.reserve(wanted);
    bytes_before += static_cast<std::int64_t>(text.size());
    while (!text.empty()) {
      const std::size_t end = text.find('\n');
      const std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      const LineParseResult parsed = parse(line, batch.next());
      if (parsed.status == LineStatus::kRecord) {
        batch.keep();
      } else if (parsed.status == LineStatus::kError) {
        if (out.bad_lines++ == 0) {
          out.first_bad_line = out.lines;
          out.first_bad_reason = is_repeated_header(line, stream.header())
                                     ? "the header line again (were files concatenated?)"
                                     : parsed.reason;
        }
        if (!options.skip_bad_lines) {
          ++out.lines;
          batch.flush();
          return out;
        }
      }
      ++out.lines;
    }
    batch.flush();  // the batch views this block, which the next one replaces
  }
  batch.flush();
  return out;
}

}  // namespace

ReadResult read_interactions(const mpi::Communicator& comm, const ReadOptions& options) {
  const bool has_header = options.format == InputFormat::kCsv;
  TextChunkStream stream(comm, options.path, has_header, options.block_bytes);
  ReadResult result;
  result.file_bytes = stream.file_bytes();
  RangeParse parsed;
  // Not agreed yet: a rank's failure is compared with the other ranks' bad lines, whose place in
  // the file is known only after every rank has counted its lines.
  std::optional<mpi::LocalError> failure = mpi::run_local([&] {
    if (options.format == InputFormat::kCsv) {
      const InputSchema schema = parse_header(stream.header(), options.path);
      result.has_timestamps = schema.has_timestamp();
      parsed = parse_range(
          stream, options,
          [&](std::string_view line, InteractionView& out) {
            return parse_line(line, schema, out);
          },
          result);
    } else {
      const ItemScenes scenes =
          load_movielens_item_scenes(options.movielens_items, options.movielens_scene_map);
      const MovieLensLayout layout = options.format == InputFormat::kMovieLensUData
                                         ? MovieLensLayout::kUData
                                         : MovieLensLayout::kRatingsDat;
      result.has_timestamps = true;
      parsed = parse_range(
          stream, options,
          [&](std::string_view line, InteractionView& out) {
            return parse_movielens_line(line, layout, scenes, out);
          },
          result);
    }
  });
  // The ranges are in file order, so the lines before this rank's are the lower ranks'. A rank
  // that stopped at a bad line counted only part of its range, but then the error reported is
  // the lowest failing rank's, whose number depends only on ranks that read their whole range.
  const std::int64_t first_line =
      1 + stream.header_lines() + comm.exclusive_prefix_sum(parsed.lines);
  std::string first_skipped;
  if (parsed.first_bad_line >= 0)
    first_skipped = options.path + ":" + std::to_string(first_line + parsed.first_bad_line) + ": " +
                    parsed.first_bad_reason;
  // A rank stops at its first bad line, so a rank with another failure (a read error) has no
  // bad line before it; the lowest failing rank's message is the one every rank reports.
  if (!failure && !options.skip_bad_lines && parsed.first_bad_line >= 0)
    failure = mpi::LocalError{
        ExitCode::kBadInput,
        InputError(options.path, first_line + parsed.first_bad_line, parsed.first_bad_reason)
            .what()};
  mpi::agree_on_error(comm, failure);
  const std::int64_t skipped = parsed.bad_lines;
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
