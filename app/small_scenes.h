// Scenes too small to train. A scene whose training part is empty after the split (its only
// users were all made cold there) cannot be trained or evaluated: the job goes on without it,
// says so once, and reports it as skipped in the metrics instead of scoring its test pairs
// against an empty catalogue. A scene with fewer items than --factors is trained, with a notice:
// its item factors span at most that many dimensions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/metric_record.h"
#include "io/split.h"
#include "mpi/communicator.h"
#include "solver/scene_layout.h"

namespace sceneals::app {

struct SkippedScenes {
  std::vector<bool> skipped;             ///< per scene
  std::vector<std::int64_t> warm_pairs;  ///< per scene: (user, scene) test pairs not evaluated
  std::vector<std::int64_t> cold_pairs;
  std::vector<std::int64_t> items;  ///< per scene: items with training data
  bool any() const;
};

/// Collective over world. Finds the skipped scenes from `layouts` (this rank's scene group's
/// layouts of the training part) and counts their test pairs in `test`; rank 0 prints one
/// notice per skipped or small scene.
SkippedScenes find_skipped_scenes(const mpi::Communicator& world,
                                  const std::vector<std::string>& scenes,
                                  const std::vector<solver::SceneLayout>& layouts,
                                  const io::SplitRatings& test, int factors);

/// The test ratings of the scenes that are not skipped.
std::vector<io::Rating> evaluable_test(const std::vector<io::Rating>& test,
                                       const SkippedScenes& skipped);

/// One record per skipped scene and cohort with test pairs: metric "skipped", k 0, value 1, and
/// the pairs not evaluated.
std::vector<io::MetricRecord> skipped_records(const std::vector<std::string>& scenes,
                                              const SkippedScenes& skipped);

}  // namespace sceneals::app
