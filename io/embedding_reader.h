// Reads an embedding file (docs/embedding-file.md) back for evaluation, in
// parallel: every rank opens it with parallel HDF5 and reads only the rows it needs (its user
// shard's rows of each scene of its group, its item shard's active items, which the scene group
// then shares). Every call is collective over the communicator the file was opened with, and
// every rank makes the same HDF5 calls in the same order (collective metadata); a rank that needs
// no rows of a dataset selects none.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/embedding_writer.h"
#include "io/hdf5_handle.h"
#include "io/sharded_data.h"
#include "mpi/communicator.h"
#include "mpi/process_grid.h"

namespace sceneals::io {

/// One scene of the model, as a rank of the scene's group needs it to score its users.
struct SceneFactors {
  int scene = 0;                        ///< index in the caller's scene list
  FactorMatrix shard_users;             ///< this user shard's rows of user_factors, catalogue order
  std::vector<std::int64_t> item_rows;  ///< the scene's trained items (active, not from features)
  FactorMatrix items;                   ///< their rows of item_factors, item_rows order
  /// The items served from their features (item_from_features = 1), sorted, and their rows.
  std::vector<std::int64_t> feature_item_rows;
  FactorMatrix feature_items;
};

/// How the model's ids differ from the catalogue the caller built (the same on every rank).
struct IdMismatch {
  std::string side;       ///< "user" or "item"
  std::string id;         ///< an example: the first such id in row order
  bool in_split = false;  ///< true: `id` is in the catalogue but not in the model; false: reverse
  std::int64_t row = -1;  ///< `id`'s global row in the catalogue (in_split only)
  std::int64_t split_only = 0;  ///< ids in the catalogue but not in the model
  std::int64_t model_only = 0;  ///< ids in the model but not in the catalogue
  /// Both 0: the same ids, in another row order than the catalogue's (no SceneALS file does that).
};

/// Where a catalogue's ids are in the file (the counts are the same on every rank).
struct IdMatch {
  /// Per id of the caller's catalogue shard (row order): its row in the file, or -1.
  std::vector<std::int64_t> model_rows;
  std::int64_t matched = 0;         ///< ids in both, over all shards
  std::int64_t catalogue_only = 0;  ///< ids the file does not hold (new ones)
  std::int64_t model_only = 0;      ///< ids only the file holds (gone from the catalogue)
};

class EmbeddingFileReader {
 public:
  /// Collective over `comm`: opens `path` read-only with parallel HDF5 and checks the root
  /// attributes. AgreedError (exit code 1) when the file cannot be opened, is not HDF5 ("PATH:
  /// not an HDF5 file"), is empty or truncated (io/hdf5_file_check.h: such files never reach
  /// HDF5), has no `format` = "sceneals-embeddings" ("PATH: not a SceneALS embedding
  /// file") or another format_version ("PATH: format_version 3 is not supported (this program
  /// reads 1 to 2)"), or lacks /users/id, /items/id or /scenes; also when a dataset declares more
  /// data than the file holds, or ids wider than kMaxIdBytes (here and in read_scenes).
  EmbeddingFileReader(const mpi::Communicator& comm, std::string path);
  ~EmbeddingFileReader();  // collective: every rank destroys it at the same point
  EmbeddingFileReader(const EmbeddingFileReader&) = delete;
  EmbeddingFileReader& operator=(const EmbeddingFileReader&) = delete;

  const std::string& path() const { return path_; }
  std::int64_t n_users() const { return n_users_; }
  std::int64_t n_items() const { return n_items_; }
  /// The groups under /scenes, sorted by name.
  const std::vector<std::string>& scenes() const { return scenes_; }

  /// Collective over the grid (made from the communicator given to the constructor). Compares
  /// /users/id and /items/id with the catalogues, row by row; on a difference every group finds
  /// the ids in one file but not the other (routed by hash to their catalogue shard). Returns
  /// nullopt when every row matches, else the same IdMismatch on every rank (users first).
  std::optional<IdMismatch> compare_ids(const mpi::ProcessGrid& grid, const Catalogue& users,
                                        const Catalogue& items) const;

  /// Collective over the grid. Finds every id of this rank's catalogue shard in the file's
  /// /users/id (`side` "user") or /items/id ("item"), whatever the two row orders, by sending the
  /// file's ids to the shard that owns them within each scene group (memory per rank grows with
  /// the ids of its shard, not with the file). AgreedError (exit 1) naming the file when it
  /// holds an id twice.
  IdMatch match_ids(const mpi::ProcessGrid& grid, const char* side,
                    const Catalogue& catalogue) const;

  /// Collective over the grid; run compare_ids first (the catalogues' rows must be the file's).
  /// For every scene of `scenes` (the caller's scene list) in this rank's scene group, in order:
  /// its user_factors rows of this rank's user shard, and the rows of item_factors where
  /// item_active is 1 (each rank reads its item shard's rows, the scene group gathers them).
  /// AgreedError (exit 1) naming the file when a scene of `scenes` is not in the file or a
  /// dataset is missing or has the wrong type or shape.
  std::vector<SceneFactors> read_scenes(const mpi::ProcessGrid& grid, const Catalogue& users,
                                        const Catalogue& items,
                                        const std::vector<std::string>& scenes) const;

  /// The file's format_version (1 or 2).
  std::int64_t format_version() const { return format_version_; }

  /// A scalar integer root attribute, when present.
  std::optional<std::int64_t> integer_attribute(const char* name) const;

  // Reading any part of the file, for serving (`recommend`, `export`). Each call is collective
  // over the communicator given to the constructor: every rank calls it with the same `name`
  // (collective metadata), each with its own rows (none is fine). AgreedError (exit code 1)
  // naming the file when the dataset is missing or has another type or shape.

  /// A scalar root attribute as text or as a number (integer or floating point); nullopt when
  /// absent or of another class.
  std::optional<std::string> text_attribute(const char* name) const;
  std::optional<double> number_attribute(const char* name) const;
  /// Whether the absolute path `name` (e.g. "/scenes/book/bridge") exists; the same on every rank.
  bool has_dataset(const std::string& name) const;
  /// The extents of the dataset `name`.
  std::vector<std::int64_t> dataset_shape(const std::string& name) const;
  /// Rows [begin, begin + count) of a 1-D dataset of fixed-length strings (/users/id, /items/id).
  std::vector<std::string> read_id_rows(const std::string& name, std::int64_t begin,
                                        std::int64_t count) const;
  /// Rows of a 2-D floating-point dataset of shape [rows, columns], as float32: a contiguous
  /// range, or `ascending_rows` (distinct, ascending; read in one selection of their runs).
  FactorMatrix read_matrix_rows(const std::string& name, std::int64_t rows, std::int64_t columns,
                                std::int64_t begin, std::int64_t count) const;
  FactorMatrix read_matrix_rows(const std::string& name, std::int64_t rows, std::int64_t columns,
                                const std::vector<std::int64_t>& ascending_rows) const;
  /// The rows scene `scene` (a name of scenes()) serves the users at `ascending_rows`
  /// (distinct, ascending) or in [begin, begin + count): [x_us, 1] of a user active in the scene,
  /// else the row the model serves a user without training data there (docs/embedding-file.md,
  /// "Cold users"). A version 1 file stores both; a version 2 file stores the active users' rows
  /// only, and the others are computed here from /shared/user_factors and the scene's bridge.
  /// With `active`, also read_user_active's flags of the same rows, from the same lookup.
  FactorMatrix read_user_rows(const std::string& scene,
                              const std::vector<std::int64_t>& ascending_rows,
                              std::vector<std::uint8_t>* active = nullptr) const;
  FactorMatrix read_user_rows(const std::string& scene, std::int64_t begin,
                              std::int64_t count) const;
  /// Version 2 only: the scene's user_index, the /users/id rows whose rows it stores (its
  /// active users, ascending), read whole once and kept (read_user_rows and read_user_active hold
  /// one block of it per rank instead). The first call for a scene is collective, later ones are
  /// not: every rank must make its first call for a scene at the same point.
  const std::vector<std::int64_t>& stored_users(const std::string& scene) const;
  /// 1 where the user has training data in the scene, for the same rows.
  std::vector<std::uint8_t> read_user_active(const std::string& scene,
                                             const std::vector<std::int64_t>& ascending_rows) const;
  std::vector<std::uint8_t> read_user_active(const std::string& scene, std::int64_t begin,
                                             std::int64_t count) const;
  /// Rows of a 1-D integer dataset of length `rows` (user_active, item_active), as 0/1 flags.
  std::vector<std::uint8_t> read_flag_rows(const std::string& name, std::int64_t rows,
                                           std::int64_t begin, std::int64_t count) const;
  std::vector<std::uint8_t> read_flag_rows(const std::string& name, std::int64_t rows,
                                           const std::vector<std::int64_t>& ascending_rows) const;

 private:
  /// Rows as runs of consecutive rows: (first row, length), ascending.
  using RowRuns = std::vector<std::pair<std::int64_t, std::int64_t>>;
  /// The rows every rank's read covers, [begin, end), swept window by window alike on every rank.
  struct ReadPlan {
    std::int64_t begin = 0, end = 0;
  };
  ReadPlan plan_of(const RowRuns& runs) const;  ///< collective
  FactorMatrix read_matrix_runs(const std::string& name, std::int64_t rows, std::int64_t columns,
                                const RowRuns& runs) const;
  std::vector<std::uint8_t> read_flag_runs(const std::string& name, std::int64_t rows,
                                           const RowRuns& runs) const;
  FactorMatrix read_user_runs(const std::string& scene, const RowRuns& runs,
                              std::vector<std::uint8_t>* active = nullptr) const;
  std::vector<std::uint8_t> read_user_active_runs(const std::string& scene,
                                                  const RowRuns& runs) const;
  /// Version 2: this rank's block of a scene's user_index (rank r holds positions
  /// [length r / P, length (r + 1) / P)), and where every rank's block starts.
  struct IndexBlock {
    std::int64_t length = 0;           ///< of the whole index
    std::int64_t begin = 0;            ///< position of values[0]
    std::vector<std::int64_t> values;  ///< this rank's block
    std::vector<std::int64_t> firsts;  ///< per rank, its block's first value (-1: empty block)
  };
  /// Collective the first time for a scene (then kept): reads and checks this rank's block; the
  /// blocks' ends are checked against each other, so the index is known ascending within the
  /// users.
  const IndexBlock& index_block(const std::string& scene) const;
  /// Version 2, collective: for each row of `runs`, its position in the scene's user_index, or -1
  /// when the scene stores no row of that user, asked of the rank whose block would hold it.
  std::vector<std::int64_t> stored_positions(const std::string& scene, const RowRuns& runs) const;
  /// k, from /shared/user_factors (collective).
  std::int64_t factors() const;

  const mpi::Communicator& comm_;
  std::string path_;
  FileHandle file_;
  std::int64_t n_users_ = 0;
  std::int64_t n_items_ = 0;
  std::vector<std::string> scenes_;
  std::int64_t format_version_ = 0;
  std::string cold_user_rows_;  // version 2: "bridge" or "unit"
  mutable std::map<std::string, std::vector<std::int64_t>> stored_users_;  // per scene
  mutable std::map<std::string, IndexBlock> index_blocks_;                 // per scene, once read
  mutable std::optional<std::int64_t> factors_;                            // k, once read
};

}  // namespace sceneals::io
