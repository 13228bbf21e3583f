// sceneals: multi-scene co-learning ALS on MPI. main() owns MPI's lifetime and the exit codes of
// docs/design.md: 0 success, 1 bad input or configuration, 2 internal or MPI failure. Errors every
// rank agreed on are printed once by rank 0 and end all ranks normally; anything else may leave
// other ranks inside a collective, so it aborts the whole job (never a hang).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/huge_pages.h"
#include "mpi/communicator.h"
#include "mpi/environment.h"
#include "mpi/error.h"
#include "mpi/error_agreement.h"
#include "solver/kernel_dispatch.h"

namespace {

const char* const kUsage =
    "usage: sceneals COMMAND [options]   (sceneals COMMAND --help for the options)\n"
    "commands:\n"
    "  train      read an interaction log, train multi-scene ALS, write the embedding file\n"
    "  evaluate   evaluate an embedding file on a split (train.csv + test.csv of train "
    "--write-split)\n"
    "  recommend  top-K items of a scene for users of an embedding file, or a user folded in\n"
    "  export     an embedding file as .npy files, or one scene as an ann-benchmarks file\n"
    "  generate   write a synthetic multi-scene interaction log (CSV)\n";

int dispatch(const sceneals::mpi::Communicator& world, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (world.is_root()) std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 1 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  // The commands that compute check SCENEALS_KERNELS first; --help needs no kernels.
  const bool help = std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
                    std::find(rest.begin(), rest.end(), "-h") != rest.end();
  if (args[0] != "generate" && args[0] != "--version" && !help)
    sceneals::mpi::run_agreed(world, [] { sceneals::solver::active_kernel_choice(); });
  if (args[0] == "train") return sceneals::app::run_train(world, rest);
  if (args[0] == "evaluate") return sceneals::app::run_evaluate(world, rest);
  if (args[0] == "generate") return sceneals::app::run_generate(world, rest);
  if (args[0] == "recommend") return sceneals::app::run_recommend(world, rest);
  if (args[0] == "export") return sceneals::app::run_export(world, rest);
  if (args[0] == "--version") {
    if (world.is_root()) std::printf("sceneals %s\n", sceneals::app::kVersion);
    return 0;
  }
  throw sceneals::AgreedError(sceneals::ExitCode::kBadInput,
                              "unknown command '" + args[0] + "'\n" + kUsage);
}

}  // namespace

int main(int argc, char** argv) {
  sceneals::app::restart_with_huge_page_malloc(argv);  // before MPI: it may re-execute the job
  sceneals::mpi::Environment environment(&argc, &argv);
  int rank = 0;
  try {
    const sceneals::mpi::Communicator world = sceneals::mpi::Communicator::world();
    rank = world.rank();
    const int code = dispatch(world, std::vector<std::string>(argv + 1, argv + argc));
    std::fflush(stdout);
    environment.finalize();
    return code;
  } catch (const sceneals::AgreedError& e) {
    if (rank == 0) std::fprintf(stderr, "sceneals: error: %s\n", e.what());
    std::fflush(stdout);
    environment.finalize();
    return static_cast<int>(e.code());
  } catch (const sceneals::InputError& e) {
    std::fprintf(stderr, "sceneals: error on rank %d: %s\n", rank, e.what());
    sceneals::mpi::Environment::abort(static_cast<int>(sceneals::ExitCode::kBadInput));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sceneals: internal error on rank %d: %s\n", rank, e.what());
    sceneals::mpi::Environment::abort(static_cast<int>(sceneals::ExitCode::kInternal));
  }
}
