// What every command does first: parse its options on every rank (a bad option is an agreed
// error, printed once), check a requested --grid against the job's size, and answer --help.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "mpi/communicator.h"
#include "mpi/error.h"
#include "mpi/error_agreement.h"

namespace sceneals::app {

/// InputError unless a requested grid (groups > 0) has exactly `ranks` ranks.
inline void check_grid_fits(int groups, int shards, int ranks) {
  if (groups > 0 && groups * shards != ranks)
    throw InputError("--grid " + std::to_string(groups) + "x" + std::to_string(shards) + " needs " +
                     std::to_string(groups * shards) + " ranks, the job has " +
                     std::to_string(ranks));
}

/// `parse(args)` returns a Parsed with `help`, `help_text` and `config`; `check(config)` may
/// throw InputError for what depends on the job (its size). Returns nullopt after printing the
/// help text (the command then exits 0).
template <class Parse, class Check>
auto parse_command_options(const mpi::Communicator& world, const std::vector<std::string>& args,
                           Parse&& parse, Check&& check) -> std::optional<decltype(parse(args))> {
  decltype(parse(args)) parsed;
  mpi::run_agreed(world, [&] {
    parsed = parse(args);
    if (!parsed.help) check(parsed.config);
  });
  if (parsed.help) {
    if (world.is_root()) std::fputs(parsed.help_text.c_str(), stdout);
    return std::nullopt;
  }
  return parsed;
}

/// For commands whose config has grid_groups and grid_shards.
template <class Parse>
auto parse_command_options_with_grid(const mpi::Communicator& world,
                                     const std::vector<std::string>& args, Parse&& parse) {
  return parse_command_options(world, args, std::forward<Parse>(parse), [&](const auto& config) {
    check_grid_fits(config.grid_groups, config.grid_shards, world.size());
  });
}

}  // namespace sceneals::app
