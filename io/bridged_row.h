// The row a scene serves a user with no training data in it (docs/embedding-file.md, "Cold
// users"), computed the same way by the trainer that writes a model and by every reader of it, so
// that a bridged row read back from a file is the row training served, bit for bit.
#pragma once

#include "io/computed_rows.h"

namespace sceneals::io {

/// [B' [z, 1], 1]: `bridge` is B, (k + 1) x k; `z` has k values; `out_row` gets k + 1.
void bridged_row(const FactorMatrix& bridge, const float* z, float* out_row);

}  // namespace sceneals::io
