// One row of the interaction log, as every input format reads it and the router sends it on.
#pragma once

#include <cstdint>
#include <string>

namespace sceneals::io {

/// A user met an item in a scene. Ids are kept as the original strings (numbers are strings too):
/// the stable id hashes and the output file are defined on them.
struct Interaction {
  std::string user;
  std::string item;
  std::string scene;
  double value = 1.0;          ///< count, dwell or rating; always finite and > 0
  std::int64_t timestamp = 0;  ///< 0 when the input has no timestamp column
};

}  // namespace sceneals::io
