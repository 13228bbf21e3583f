#include "solver/factor_init.h"

#include <cmath>

#include "io/id_hash.h"
#include "mpi/error.h"

namespace sceneals::solver {

void init_factor_row(std::string_view id, std::string_view scene, std::string_view role,
                     std::uint64_t seed, int k, float* out) {
  check_invariant(role == "user" || role == "item", "init_factor_row: role must be user or item");
  check_invariant(k >= 0 && (k == 0 || out != nullptr), "init_factor_row: bad output row");
  // Hash the parts separately and combine, so ("ab", "c") and ("a", "bc") stay different.
  const std::uint64_t key = io::hash_combine(
      io::hash_combine(io::hash_id(id, seed), io::hash_id(scene, seed)), io::hash_id(role, seed));
  const double scale = 0.1 / std::sqrt(static_cast<double>(k));
  for (int c = 0; c < k; ++c) {
    const double unit = io::hash_to_unit(io::hash_combine(key, static_cast<std::uint64_t>(c)));
    out[c] = static_cast<float>((2.0 * unit - 1.0) * scale);
  }
}

}  // namespace sceneals::solver
