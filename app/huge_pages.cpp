#include "app/huge_pages.h"

#include <gnu/libc-version.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace sceneals::app {

namespace {

constexpr const char* kTunable = "glibc.malloc.hugetlb";

/// True when the kernel backs memory with huge pages only where a program asks for them.
bool huge_pages_on_request_only() {
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text;
  std::getline(mode, text);
  return text.find("[madvise]") != std::string::npos;
}

/// glibc.malloc.hugetlb appeared in glibc 2.35; an older glibc would ignore it.
bool glibc_has_the_tunable() {
  int major = 0, minor = 0;
  if (std::sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor) != 2) return false;
  return major > 2 || (major == 2 && minor >= 35);
}

bool sanitized_build() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

/// Why this process does not ask for huge pages, or "" when it does.
std::string why_no_huge_page_request() {
  const char* opt_out = std::getenv("SCENEALS_HUGE_PAGES");
  if (opt_out != nullptr && std::strcmp(opt_out, "0") == 0) return "SCENEALS_HUGE_PAGES=0";
  if (sanitized_build()) return "a sanitizer build: its allocator ignores glibc's tunables";
  if (!huge_pages_on_request_only())
    return "the kernel's transparent huge pages are not in madvise mode";
  if (!glibc_has_the_tunable()) return "glibc is older than 2.35";
  return "";
}

}  // namespace

void restart_with_huge_page_malloc(char** argv) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  // Already set (by us before the re-execution, or by the user either way): nothing to do, and
  // no loop.
  if (tunables != nullptr && std::strstr(tunables, kTunable) != nullptr) return;
  if (!why_no_huge_page_request().empty()) return;
  std::string value = std::string(kTunable) + "=1";
  if (tunables != nullptr && *tunables != '\0') value = std::string(tunables) + ":" + value;
  // The binary's own path, not /proc/self/exe: the process name (ps, pkill, top) comes from it.
  char path[4096];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0 || length >= static_cast<ssize_t>(sizeof(path)) - 1) return;
  path[length] = '\0';
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  execv(path, argv);
  // Only returns on failure: run on as we are.
}

std::string huge_page_request() {
  const std::string why_not = why_no_huge_page_request();
  if (!why_not.empty()) return "not requested: " + why_not;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return "requested: GLIBC_TUNABLES=" + std::string(tunables != nullptr ? tunables : "");
}

std::int64_t huge_page_bytes() {
  std::ifstream rollup("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(rollup, line)) {
    long long kibibytes = 0;
    if (std::sscanf(line.c_str(), "AnonHugePages: %lld kB", &kibibytes) == 1)
      return static_cast<std::int64_t>(kibibytes) * 1024;
  }
  return 0;
}

}  // namespace sceneals::app
