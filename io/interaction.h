// One row of the interaction log, as every input format reads it and the router sends it on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

/// An Interaction whose ids are views, so that reading a line copies no id: into the line
/// itself, into `owned` where the parser had to change an id's bytes (a quoted id with doubled
/// quotes), or into data the parser was given (MovieLens scenes, from the item file's map). The
/// views are valid while those and this object are; it cannot be copied or moved, since a copy's
/// views would still point into this object's `owned`.
struct InteractionView {
  InteractionView() = default;
  InteractionView(const InteractionView&) = delete;
  InteractionView& operator=(const InteractionView&) = delete;

  std::string_view user;
  std::string_view item;
  std::string_view scene;
  double value = 1.0;
  std::int64_t timestamp = 0;
  std::string owned[3];  ///< storage for user, item and scene when they differ from the line

  /// Copies the record into `out`, reusing the capacity of its strings.
  void copy_to(Interaction& out) const {
    out.user.assign(user);
    out.item.assign(item);
    out.scene.assign(scene);
    out.value = value;
    out.timestamp = timestamp;
  }
};

}  // namespace sceneals::io
