// The sceneals commands, one file each. Each returns the process exit code; errors are thrown
// (AgreedError when every rank knows, anything else aborts the job from main).
#pragma once

#include <string>
#include <vector>

#include "mpi/communicator.h"

namespace sceneals::app {

inline constexpr const char* kVersion = "0.1.0";

int run_train(const mpi::Communicator& world, const std::vector<std::string>& args);
int run_generate(const mpi::Communicator& world, const std::vector<std::string>& args);
int run_evaluate(const mpi::Communicator& world, const std::vector<std::string>& args);
int run_recommend(const mpi::Communicator& world, const std::vector<std::string>& args);
int run_export(const mpi::Communicator& world, const std::vector<std::string>& args);

}  // namespace sceneals::app
