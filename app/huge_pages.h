// Transparent huge pages for malloc's large blocks. The job's large buffers (parsed records, id
// tables, ratings, factors) are touched page by page the first time, and on a virtual machine
// each 4 KiB page fault is a trap to the hypervisor: reading and routing a quarter of S8 spent
// more time in page faults than in parsing. glibc (2.35 and later) backs the blocks it maps
// with transparent huge pages when the tunable glibc.malloc.hugetlb=1 is set; tunables are read
// when a process starts, so the job sets it and re-executes itself once.
#pragma once

#include <cstdint>
#include <string>

namespace sceneals::app {

/// Before MPI starts: unless there is a reason not to (SCENEALS_HUGE_PAGES=0, a sanitizer
/// build, the kernel's mode, an old glibc) or GLIBC_TUNABLES already names the tunable, re-executes
/// this program with glibc.malloc.hugetlb=1 added (same arguments, same process). Returns when
/// nothing is to be done, or when the re-execution failed (the job then runs without them).
void restart_with_huge_page_malloc(char** argv);

/// For reports: "requested: GLIBC_TUNABLES=..." or "not requested: <reason>".
std::string huge_page_request();

/// This process's anonymous memory in transparent huge pages now (AnonHugePages of
/// /proc/self/smaps_rollup), in bytes; 0 where the kernel does not say.
std::int64_t huge_page_bytes();

}  // namespace sceneals::app
