#include "solver/bridge.h"

#include "io/bridged_row.h"
#include "mpi/error.h"

namespace sceneals::solver {

void apply_bridge(const Matrix& bridge, const float* z, float* out_row) {
  io::bridged_row(bridge, z, out_row);
}

}  // namespace sceneals::solver
