// The embedding file of docs/embedding-file.md, written collectively by all
// ranks with parallel HDF5: each rank contributes its own row blocks, no rank gathers a matrix.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "io/computed_rows.h"
#include "io/metric_record.h"
#include "mpi/communicator.h"

namespace sceneals::io {

/// Value of the root attribute `format`, and of `format_version` (bumped on incompatible change).
constexpr const char* kEmbeddingFormat = "sceneals-embeddings";
constexpr std::int64_t kEmbeddingFormatVersion = 2;
/// The oldest format_version the readers still accept.
constexpr std::int64_t kOldestEmbeddingFormatVersion = 1;

using AttributeValue = std::variant<std::int64_t, double, std::string>;

/// This rank's part of one scene group /scenes/<name>. The scene stores a row for each of its
/// active users only (user_index names them); readers compute the others' rows.
struct SceneEmbeddingBlock {
  std::string name;                      ///< every rank lists every scene, in the same order
  std::int64_t user_rows_total = 0;      ///< the scene's active users, the same on every rank
  std::int64_t user_row_begin = 0;       ///< this block's first row among them
  FactorMatrix user_factors;             ///< rows x (k+1), rows user_row_begin..; may have 0 rows
  ComputedRows computed_user_factors;    ///< instead of user_factors, which then stays empty
  std::vector<std::int64_t> user_index;  ///< the /users/id row of each block row, ascending
  std::int64_t item_row_begin = 0;
  FactorMatrix item_factors;              ///< rows x (k+1), rows item_row_begin..; may have 0 rows
  ComputedRows computed_item_factors;     ///< instead of item_factors, which then stays empty
  std::vector<std::uint8_t> item_active;  ///< one flag per item row
  /// One flag per item row, 1 where the row was predicted from the item's features (a new or
  /// held-out item, docs/item-features.md); empty on every rank: no item_from_features dataset.
  std::vector<std::uint8_t> item_from_features;
  /// (k+1) x k, held by exactly one rank (the others: nullopt). When no rank holds one, the
  /// scene gets no bridge dataset.
  std::optional<FactorMatrix> bridge;
  /// 2 x k, the per-scene map of training (row 0 the scale a_s, row 1 the shift c_s), held like
  /// the bridge by at most one rank; none: no scene_map dataset.
  std::optional<FactorMatrix> scene_map;
  /// (d+1) x (k+1), the item feature map in raw feature units (W_s' [f, 1] is an item row),
  /// held like the bridge by at most one rank; none: no feature_map dataset.
  std::optional<FactorMatrix> feature_map;
};

/// The per-scene small matrices a scene group may hold, each written by one rank: its dataset
/// name, member and shape (rows as a function of k and the feature count d; k + extra columns).
struct SceneMatrixDataset {
  const char* name;
  std::optional<FactorMatrix> SceneEmbeddingBlock::*member;
  int k_rows;  ///< rows = k_rows * k + d_rows * d + fixed_rows
  int d_rows;
  int fixed_rows;
  int extra_columns;  ///< columns = k + extra_columns
  std::int64_t rows(std::int64_t k, std::int64_t d) const {
    return k_rows * k + d_rows * d + fixed_rows;
  }
  std::int64_t columns(std::int64_t k) const { return k + extra_columns; }
};
inline constexpr SceneMatrixDataset kSceneMatrixDatasets[] = {
    {"bridge", &SceneEmbeddingBlock::bridge, 1, 0, 1, 0},            // (k + 1) x k
    {"scene_map", &SceneEmbeddingBlock::scene_map, 0, 0, 2, 0},      // 2 x k
    {"feature_map", &SceneEmbeddingBlock::feature_map, 0, 1, 1, 1},  // (d + 1) x (k + 1)
};

/// This rank's part of the whole file. Scalars, scene names and attributes are the same on
/// every rank; the row blocks of all ranks tile each dataset exactly.
struct EmbeddingFileContent {
  std::int64_t n_users = 0;
  std::int64_t n_items = 0;
  int factors = 0;  ///< k
  std::int64_t user_id_begin = 0;
  std::vector<std::string> user_ids;  ///< this rank's block of /users/id
  std::int64_t item_id_begin = 0;
  std::vector<std::string> item_ids;  ///< this rank's block of /items/id
  std::int64_t shared_row_begin = 0;
  FactorMatrix shared_user_factors;      ///< rows x k, block of /shared/user_factors
  ComputedRows computed_shared_factors;  ///< instead of shared_user_factors
  std::vector<SceneEmbeddingBlock> scenes;
  /// The names of the item features (every rank alike), written to /features/name; empty: the
  /// model has no item features.
  std::vector<std::string> feature_names;
  /// What a scene serves a user with no row of its own (root attribute `cold_user_rows`):
  /// "bridge" ([B_s' [z_u, 1], 1], or [z_u, 1] where the scene has no bridge) or "unit" ([0, 1]).
  std::string cold_user_rows = "bridge";
  /// 0: contiguous datasets (memory-mappable); else chunked, each chunk whole rows of about
  /// this many bytes (at least one row).
  std::int64_t chunk_bytes = 0;
  /// Root attributes besides `format`, `format_version` and `cold_user_rows`, which the writer
  /// adds itself.
  std::vector<std::pair<std::string, AttributeValue>> attributes;
  /// The evaluation results, as rank 0 holds them: only rank 0's records are written (other ranks
  /// may hold the same, or nothing). When rank 0 has none, the file gets no /metrics group.
  std::vector<MetricRecord> metrics;
  /// --tune's validation table and choice, as rank 0 holds them (records with a `setting`):
  /// the /tuning group, with the same columns as /metrics plus /tuning/setting; none: no group.
  std::vector<MetricRecord> tuning;
};

/// Collective: every rank calls it, also ranks that hold 0 rows of some dataset. Rank 0's
/// `metrics` (when any) become /metrics/{scene, cohort, metric} (fixed-length UTF-8 strings),
/// /metrics/{k, pairs} (int64) and /metrics/value (float64), one row per record. Checks first,
/// on every rank alike, that the blocks of all ranks tile each dataset's rows exactly and that
/// shapes, scene lists and attributes agree; then writes `final_path` + ".tmp-<rank 0's pid>" in
/// the same directory and rank 0 renames it to `final_path` once every rank has succeeded.
/// On any failure every rank throws the same AgreedError (exit code 2), the temporary file is
/// removed, and nothing appears under `final_path` (an older file there is left untouched).
void write_embedding_file(const mpi::Communicator& comm, const std::string& final_path,
                          const EmbeddingFileContent& local);

/// Collective early check, to run before hours of training: rank 0 creates and removes a file
/// next to `final_path`. On failure every rank throws AgreedError(ExitCode::kBadInput,
/// "cannot write output '<final_path>': <reason>").
void check_output_writable(const mpi::Communicator& comm, const std::string& final_path);

}  // namespace sceneals::io
