#include "tune/validation_sample.h"

#include "io/id_hash.h"

namespace sceneals::tune {

namespace {
// Salts the seed: users are ordered and sharded by the high bits of hash_id(id, 0), so an
// unsalted seed 0 would sample the first users in row order, all on one shard.
constexpr std::uint64_t kSampleSalt = 0x7E57A11DA7A5E7ULL;
}  // namespace

std::vector<io::Rating> sample_validation_users(
    const std::vector<io::Rating>& rows, std::int64_t total_rows, std::int64_t target_rows,
    std::uint64_t seed, const std::function<std::string_view(std::int64_t)>& id_of) {
  if (total_rows <= target_rows) return rows;
  const double fraction = static_cast<double>(target_rows) / static_cast<double>(total_rows);
  std::vector<io::Rating> kept;
  for (const io::Rating& r : rows)
    if (io::hash_to_unit(io::hash_id(id_of(r.user_row), io::mix64(seed ^ kSampleSalt))) < fraction)
      kept.push_back(r);
  return kept;
}

}  // namespace sceneals::tune
