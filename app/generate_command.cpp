// `sceneals generate`: the synthetic multi-scene log, generated and written in parallel — each
// rank produces a contiguous range of interaction indices, and the file is their concatenation,
// identical whatever the number of ranks.
#include <cstdio>

#include "app/command_options.h"
#include "app/commands.h"
#include "config/options.h"
#include "generate/item_features.h"
#include "generate/synthetic_data.h"
#include "mpi/error_agreement.h"
#include "mpi/parallel_text_file.h"

namespace sceneals::app {

int run_generate(const mpi::Communicator& world, const std::vector<std::string>& args) {
  const auto parsed =
      parse_command_options(world, args, config::parse_generate_options, [](const auto&) {});
  if (!parsed) return 0;  // --help
  const config::GenerateConfig& c = parsed->config;
  generate::SyntheticSpec spec;
  spec.users = c.users;
  spec.items = c.items;
  spec.interactions = c.interactions;
  spec.scenes = c.scenes;
  spec.seed = c.seed;
  std::string block, features;
  const auto share = [&](std::int64_t n, int rank) { return n * rank / world.size(); };
  mpi::run_agreed(world, [&] {
    const generate::SyntheticGenerator generator(spec);
    if (world.is_root()) block = generate::SyntheticGenerator::header();
    generator.append_lines(share(spec.interactions, world.rank()),
                           share(spec.interactions, world.rank() + 1), block);
    if (c.item_features.empty()) return;
    const generate::ItemFeatureGenerator feature_generator(
        generator, generate::FeatureSpec{c.feature_dimensions, c.feature_noise});
    if (world.is_root()) features = feature_generator.header();
    feature_generator.append_lines(share(spec.items, world.rank()),
                                   share(spec.items, world.rank() + 1), features);
  });
  mpi::write_text_collectively(world, c.output, block);
  if (!c.item_features.empty()) {
    mpi::write_text_collectively(world, c.item_features, features);
    if (world.is_root())
      std::printf("item features (%d per item, noise %g) written to %s\n", c.feature_dimensions,
                  c.feature_noise, c.item_features.c_str());
  }
  if (world.is_root())
    std::printf(
        "generated %lld interactions (%lld users, %lld items, %d scenes, seed %llu) in %s\n",
        static_cast<long long>(spec.interactions), static_cast<long long>(spec.users),
        static_cast<long long>(spec.items), spec.scenes, static_cast<unsigned long long>(spec.seed),
        c.output.c_str());
  return 0;
}

}  // namespace sceneals::app
