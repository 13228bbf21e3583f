// Parses this rank's chunk of an interaction log into records: the CSV/TSV layout with a header
// naming the columns, or the MovieLens layouts with a genre-to-scene mapping. Bad lines stop the
// job with file:line:reason (agreed across ranks) or, with skip_bad_lines, are counted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/interned_ids.h"
#include "mpi/communicator.h"

namespace sceneals::io {

enum class InputFormat { kCsv, kMovieLensUData, kMovieLensRatingsDat };

struct ReadOptions {
  std::string path;
  InputFormat format = InputFormat::kCsv;
  std::string movielens_items;      ///< u.item or movies.dat (MovieLens formats only)
  std::string movielens_scene_map;  ///< genre -> scene rules (MovieLens formats only)
  bool skip_bad_lines = false;
  std::int64_t block_bytes = std::int64_t{4} << 20;  ///< read at a time (tests use tiny blocks)
};

/// One parsed line, its ids as codes into the ReadResult's interned ids.
struct ReadRecord {
  std::uint32_t user = 0;
  std::uint32_t item = 0;
  std::uint32_t scene = 0;
  float value = 1;  ///< the line parser checks that it fits float32
  std::int64_t timestamp = 0;
};

struct ReadResult {
  InternedIds users, items, scenes;  ///< the distinct ids of this rank's records, by code
  std::vector<ReadRecord> records;   ///< this rank's parsed records (not yet routed)
  bool has_timestamps = false;       ///< the input carries timestamps (same on every rank)
  std::int64_t total_records = 0;    ///< over all ranks
  std::int64_t skipped_lines = 0;    ///< over all ranks (only with skip_bad_lines)
  std::string first_skipped;         ///< "FILE:LINE: reason" of the earliest skipped line
  std::int64_t file_bytes = 0;       ///< size of the input file
};

/// Collective. Throws AgreedError (exit code 1) on the earliest bad line of the file, on a bad
/// header, or when the file holds no interactions.
ReadResult read_interactions(const mpi::Communicator& comm, const ReadOptions& options);

}  // namespace sceneals::io
