// libFuzzer target over the embedding-file reader that `evaluate` uses (io/embedding_reader.h):
// the input is a model file. It is written to a temporary file and read the way `evaluate`
// reads it: open and check the root attributes, compare the ids with the catalogue of a tiny
// data set (tests/fuzz/tiny_interactions.csv, the data the seed models were trained on), and,
// when they match, read every scene's factors. Whatever the bytes, the reader must either succeed
// with consistent shapes or throw the agreed exit-1 error naming the file, and leave no HDF5
// object open. A violated check aborts, which libFuzzer reports as a crash like the ASan and
// UBSan findings.
//
// The reader is collective over an MPI communicator (parallel HDF5), so MPI is initialised once
// for the whole run; libFuzzer runs the target as an MPI singleton (no mpirun), and the replay
// test also runs it at 2 ranks, where every rank reads the same file and must agree on errors.
//
// What stays HDF5's responsibility. Given raw byte mutations of model files, HDF5 1.10.8
// (Debian 12's libhdf5-openmpi) fails inside the library within minutes: heap-buffer-overflow
// reads in its attribute-message decoding (H5O__msg_iterate_real under H5Aexists), allocations
// of exabytes from corrupted lengths (H5C_protect) and leaks on its error paths (H5Fopen). Those
// are bugs of HDF5's metadata parsing that no caller can prevent short of re-implementing the
// format. The reader refuses, before HDF5 opens the file, what can be recognised cheaply: an
// empty file, another format, a file shorter than its superblock says (io/hdf5_file_check.h).
// Beyond that, a model file is trusted to be well-formed HDF5, and this target's mutations
// (embedding_file_mutator.cpp) keep it so: they change values, shapes, types and names through
// HDF5's API, or truncate the file, so what is fuzzed is our reading of the file's content.
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "io/embedding_reader.h"
#include "io/interaction_reader.h"
#include "io/line_parser.h"
#include "io/sharded_data.h"
#include "mpi/communicator.h"
#include "mpi/environment.h"
#include "mpi/error.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace sceneals;

using fuzz::require;

// Messages name the file and quote at most short prefixes of what is in it.
constexpr std::size_t kMaxMessageBytes = 400;

/// A fresh directory named by rank 0's pid, created by rank 0, the same on every rank.
std::string scratch_directory(const mpi::Communicator& world) {
  std::int64_t pid = getpid();
  world.broadcast(&pid, 1, 0);
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("sceneals-fuzz-" + std::to_string(pid));
  if (world.is_root()) std::filesystem::create_directories(directory);
  return directory.string();
}

/// The split a model is compared with, read and sharded as `evaluate` does it.
io::ShardingResult tiny_split(const mpi::Communicator& world) {
  io::ReadOptions input;
  input.path = SCENEALS_FUZZ_DATA_DIR "/tiny_interactions.csv";
  return io::shard_interactions(world, io::read_interactions(world, input), 0);
}

/// What lives for the whole run: MPI, the file every input is written to, and the split.
struct FuzzState {
  mpi::Environment environment;
  mpi::Communicator world;
  std::string directory;
  std::string model_path;
  io::ShardingResult split;

  FuzzState(int* argc, char*** argv)
      : environment(argc, argv),
        world(mpi::Communicator::world()),
        directory(scratch_directory(world)),
        model_path(directory + "/model.h5"),
        split(tiny_split(world)) {}
};

FuzzState* state = nullptr;

void finish() {
  state->world.barrier();
  if (state->world.is_root()) std::filesystem::remove_all(state->directory);
  state->environment.finalize();
}

void check_scenes(const std::vector<io::SceneFactors>& scenes, const io::EmbeddingFileReader& model,
                  const io::ShardedData& data) {
  for (const io::SceneFactors& scene : scenes) {
    require(scene.scene >= 0 && scene.scene < static_cast<int>(data.scenes.size()),
            "a scene index outside the split's scenes");
    require(scene.shard_users.rows() == data.users.size(), "user rows != the shard's users");
    require(scene.items.rows() == static_cast<std::int64_t>(scene.item_rows.size()),
            "item factor rows != active items");
    require(scene.items.cols() == scene.shard_users.cols(), "user and item columns differ");
    require(std::is_sorted(scene.item_rows.begin(), scene.item_rows.end()), "unsorted items");
    for (std::int64_t row : scene.item_rows)
      require(row >= 0 && row < model.n_items(), "an item row outside the model");
  }
}

/// Reads the model as `evaluate` does.
void read_model(const FuzzState& s) {
  const io::EmbeddingFileReader model(s.world, s.model_path);
  require(model.n_users() >= 0 && model.n_items() >= 0, "negative id counts");
  require(std::is_sorted(model.scenes().begin(), model.scenes().end()), "unsorted scenes");
  (void)model.integer_attribute("factors");
  const io::ShardedData& data = s.split.data;
  if (const auto mismatch = model.compare_ids(s.split.grid, data.users, data.items)) {
    require(mismatch->side == "user" || mismatch->side == "item", "a mismatch of no side");
    require(mismatch->split_only >= 0 && mismatch->model_only >= 0, "negative mismatch counts");
    require(mismatch->id.size() <= io::kMaxIdBytes, "an over-long id to quote", mismatch->id);
    return;  // `evaluate` stops here with a message
  }
  check_scenes(model.read_scenes(s.split.grid, data.users, data.items, data.scenes), model, data);
}

}  // namespace

// Open MPI and the libraries under it keep small allocations until exit (and OMPIO loses some
// per opened file); LeakSanitizer would report them as the input's leaks. Ours are still found.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libmpi.so\nleak:libopen-pal.so\nleak:libopen-rte.so\nleak:/openmpi/\n"
         "leak:libhwloc.so\nleak:libpmix.so\nleak:libevent\n";
}

// Allocation stacks through Open MPI and HDF5 (built without frame pointers) need the slow
// unwinder, or the suppressions above cannot match them; 8 frames reach into those libraries
// at a third of the cost of whole stacks. libFuzzer checks every input for leaks; the check at
// exit is left out because it runs after MPI_Finalize has unloaded Open MPI's plugins, whose
// allocations then can no longer be named.
extern "C" const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0:malloc_context_size=8:leak_check_at_exit=0";
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Open MPI refuses to run as root without consent; its own handler for SIGSEGV and friends
  // would print a backtrace in place of ASan's report; and a singleton (no mpirun) needs no
  // daemon beside it, which a killed fuzzer would leave behind.
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  setenv("OMPI_MCA_opal_signal", "", 0);
  setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
  state = new FuzzState(argc, argv);
  std::atexit(finish);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const FuzzState& s = *state;
  if (s.world.is_root()) {
    std::ofstream file(s.model_path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    require(static_cast<bool>(file.flush()), "cannot write the model file", s.model_path);
  }
  s.world.barrier();
  try {
    read_model(s);
  } catch (const AgreedError& e) {
    const std::string_view message = e.what();
    require(e.code() == ExitCode::kBadInput, "an error that is not exit code 1", message);
    require(message.find(s.model_path) != std::string_view::npos, "a message without the file",
            message);
    // One readable line, however long or odd the names in the file.
    require(message.find('\n') == std::string_view::npos, "a message of several lines", message);
    require(message.size() <= 2 * s.model_path.size() + kMaxMessageBytes, "an over-long message",
            message);
  }
  require(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 0, "HDF5 objects left open");
  return 0;
}
