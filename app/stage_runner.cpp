#include "app/stage_runner.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>

namespace sceneals::app {

std::int64_t peak_resident_bytes() {
  // VmHWM is this process's own peak. getrusage's ru_maxrss is not: Linux keeps it across
  // execve, so a job started from a large parent (a Python driver) would report the parent's.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // in kB
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

bool reset_peak_resident() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";  // "reset the peak resident set size to the current size" (proc(5))
  clear_refs.flush();
  return static_cast<bool>(clear_refs);
}

StageRunner::Mark StageRunner::begin() {
  peak_so_far_ = std::max(peak_so_far_, peak_resident_bytes());
  reset_peak_resident();  // where it fails, the stage's peak reads as the peak so far
  return {std::chrono::steady_clock::now(), world_.bytes_sent()};
}

void StageRunner::end(const std::string& name, const Mark& mark) {
  StageRecord record;
  record.name = name;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - mark.start).count();
  // Measured before the reductions below send anything of their own.
  const std::int64_t sent = world_.bytes_sent() - mark.bytes_sent;
  record.seconds = world_.max(seconds);
  record.max_bytes_sent = world_.max(sent);
  const std::int64_t stage_peak = peak_resident_bytes();
  peak_so_far_ = std::max(peak_so_far_, stage_peak);
  record.peak_resident_bytes = world_.max(peak_so_far_);
  record.stage_peak_resident_bytes = world_.max(stage_peak);
  records_.push_back(std::move(record));
}

double StageRunner::elapsed_seconds() const {
  return world_.max(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

const StageRecord& StageRunner::record(const std::string& name) const {
  for (const StageRecord& record : records_)
    if (record.name == name) return record;
  throw std::logic_error("no stage named '" + name + "' ran");
}

}  // namespace sceneals::app
