#include "app/stage_runner.h"

#include <sys/resource.h>

#include <stdexcept>

namespace sceneals::app {

std::int64_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

StageRunner::Mark StageRunner::begin() const {
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
  record.peak_resident_bytes = world_.max(peak_resident_bytes());
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
