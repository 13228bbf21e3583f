#include "generate/item_features.h"

#include <charconv>
#include <cmath>
#include <vector>

#include "io/id_hash.h"
#include "io/item_features.h"
#include "mpi/error.h"

namespace sceneals::generate {

namespace {

/// A standard normal value from two independent hashes (Box-Muller).
double gaussian(std::uint64_t a, std::uint64_t b) {
  const double u1 = 1.0 - io::hash_to_unit(a);  // (0, 1]: the logarithm stays finite
  const double u2 = io::hash_to_unit(b);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

double gaussian_at(std::uint64_t key, std::uint64_t index, std::uint64_t coordinate) {
  const std::uint64_t base = io::hash_combine(io::hash_combine(key, index), coordinate);
  return gaussian(io::mix64(base ^ 1), io::mix64(base ^ 2));
}

}  // namespace

ItemFeatureGenerator::ItemFeatureGenerator(const SyntheticGenerator& items, const FeatureSpec& spec)
    : items_(items),
      spec_(spec),
      direction_key_(io::hash_id("feature-direction", items.spec().seed)),
      noise_key_(io::hash_id("feature-noise", items.spec().seed)) {
  if (spec.dimensions < 1 || spec.dimensions > io::kMaxFeatureDimensions)
    throw InputError("--feature-dimensions must be in [1, " +
                     std::to_string(io::kMaxFeatureDimensions) + "], got " +
                     std::to_string(spec.dimensions));
  if (!(spec.noise >= 0) || !std::isfinite(spec.noise))
    throw InputError("--feature-noise must be a finite number >= 0");
}

std::string ItemFeatureGenerator::header() const {
  std::string out = "item";
  for (int c = 0; c < spec_.dimensions; ++c) out += ",f" + std::to_string(c);
  return out + "\n";
}

void ItemFeatureGenerator::features(std::int64_t item, double* out) const {
  const auto d = static_cast<std::uint64_t>(spec_.dimensions);
  const auto topic = static_cast<std::uint64_t>(items_.item_topic(item));
  double norm = 0;
  for (std::uint64_t c = 0; c < d; ++c) {
    out[c] = gaussian_at(direction_key_, topic, c);
    norm += out[c] * out[c];
  }
  const double scale = spec_.noise / std::sqrt(static_cast<double>(d));
  for (std::uint64_t c = 0; c < d; ++c)
    out[c] = out[c] / std::sqrt(norm) +
             scale * gaussian_at(noise_key_, static_cast<std::uint64_t>(item), c);
}

void ItemFeatureGenerator::append_lines(std::int64_t begin, std::int64_t end,
                                        std::string& out) const {
  check_invariant(0 <= begin && begin <= end && end <= items_.spec().items,
                  "ItemFeatureGenerator: item range out of bounds");
  std::vector<double> values(static_cast<std::size_t>(spec_.dimensions));
  char number[32];
  for (std::int64_t i = begin; i < end; ++i) {
    features(i, values.data());
    out += "i" + std::to_string(i);
    for (const double v : values) {
      // Shortest text that reads back as the same float32 (what the reader keeps).
      const auto written = std::to_chars(number, number + sizeof(number), static_cast<float>(v));
      out += ',';
      out.append(number, written.ptr);
    }
    out += '\n';
  }
}

}  // namespace sceneals::generate
