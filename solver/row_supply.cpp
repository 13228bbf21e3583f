#include "solver/row_supply.h"

namespace sceneals::solver {

RowSupply::RowSupply(const mpi::Communicator& group, const SparseRows& needs,
                     std::int64_t local_rows, std::int64_t row_bytes, std::int64_t budget_bytes) {
  if (group.size() == 1) return;
  RowExchange exchange(group, needs, local_rows, row_bytes, budget_bytes);
  const std::int64_t table_rows = group.sum(local_rows);
  const std::int64_t gathered = group.max(table_rows - local_rows);
  const std::int64_t exchanged = group.max(exchange.received_rows());
  if (table_rows * row_bytes <= budget_bytes && gathered <= 2 * exchanged) {
    source_ = RowSource::kReplicated;
  } else {
    source_ = RowSource::kExchanged;
    exchange_.emplace(std::move(exchange));
  }
}

}  // namespace sceneals::solver
