// How a fuzz target reports a broken promise (a record with an over-long id, an error that is
// not exit code 1, ...): print what was broken and the text concerned, then abort, which
// libFuzzer reports as a crash, like an ASan or UBSan finding, and saves the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace sceneals::fuzz {

inline void require(bool condition, const char* what, std::string_view detail = {}) {
  if (condition) return;
  std::fprintf(stderr, "fuzz check failed: %s\n", what);
  std::fwrite(detail.data(), 1, detail.size(), stderr);
  std::fputc('\n', stderr);
  std::abort();
}

}  // namespace sceneals::fuzz
