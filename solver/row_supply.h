// How a step of one scene gets the other side's rows that other ranks of its scene group hold:
// the item step needs the rows of the users who rated this rank's items, the user step those of
// the items this rank's users rated. Each rank keeps only its own slice of both (solver/
// scene_layout.h); the rows it needs come either as the whole table gathered on every rank, or
// exactly as needed, in bounded batches (solver/row_exchange.h). The choice is made once per
// run, by the bytes each way, and does not change a bit of the result: the solves see the same
// rows, and the Gram matrix is always the sum of the ranks' partial Grams.
#pragma once

#include <cstdint>
#include <optional>

#include "mpi/communicator.h"
#include "solver/factor_types.h"
#include "solver/row_exchange.h"

namespace sceneals::solver {

enum class RowSource {
  kLocal,       ///< the group has one rank: every row is here
  kReplicated,  ///< the whole table gathered on every rank of the group
  kExchanged,   ///< only the rows this rank's block needs, in bounded batches
};

class RowSupply {
 public:
  /// A group of one rank: kLocal.
  RowSupply() = default;
  /// Collective over `group`. `needs`: this rank's block, columns positions in the list that
  /// the ranks hold in contiguous slices (`local_rows` here). The table is gathered whole when it
  /// fits in `budget_bytes` and gathering copies at most twice the rows the exchange would
  /// receive on the busiest rank (the exchange packs each row it sends, then receives it: two
  /// copies per row; gathering copies each once, but holds the whole table).
  RowSupply(const mpi::Communicator& group, const SparseRows& needs, std::int64_t local_rows,
            std::int64_t row_bytes, std::int64_t budget_bytes);

  RowSource source() const { return source_; }
  /// The exchange's plan when source() is kExchanged; null otherwise.
  const RowExchange* exchange() const { return exchange_ ? &*exchange_ : nullptr; }

 private:
  RowSource source_ = RowSource::kLocal;
  std::optional<RowExchange> exchange_;
};

/// The choices of all scene groups for one step, as `train` prints them.
struct RowPlan {
  int scenes[3] = {};                    ///< per RowSource
  int most_rounds = 0;                   ///< of an exchanged scene
  std::int64_t largest_batch_bytes = 0;  ///< rows received for one batch, at most
};

}  // namespace sceneals::solver
