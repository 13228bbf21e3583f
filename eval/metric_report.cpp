#include "eval/metric_report.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "mpi/error.h"

namespace sceneals::eval {

namespace {

constexpr Metric kAllMetrics[kMetricCount] = {
    Metric::kPrecision, Metric::kRecall,    Metric::kF1,      Metric::kNdcg,    Metric::kMap,
    Metric::kHitRate,   Metric::kDiversity, Metric::kNovelty, Metric::kCoverage};

}  // namespace

void append_json_string(std::string& out, const std::string& text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;  // printable ASCII, and every byte of a multi-byte UTF-8 sequence
        }
    }
  }
  out += '"';
}

namespace {

/// Characters on screen of a UTF-8 string: its code points (bytes that are not 10xxxxxx), so
/// that a non-ASCII scene name does not push its row's columns right.
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void append_padded(std::string& out, const std::string& text, std::size_t width, bool left) {
  const std::string padding(width - std::min(width, display_width(text)), ' ');
  out += left ? text + padding : padding + text;
}

std::string errno_text() { return std::strerror(errno); }

/// Writes all of `text` to `fd`, retrying short writes; false (errno set) on failure.
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

const char* cohort_name(int cohort) {
  switch (cohort) {
    case kWarm:
      return "warm";
    case kCold:
      return "cold";
    case kColdItem:
      return "cold-item";
  }
  throw InternalError("cohort_name: unknown cohort");
}

std::vector<MetricRecord> metric_records(const MetricSums& sums,
                                         const std::vector<std::string>& scenes,
                                         const std::vector<int>& ks) {
  check_invariant(
      static_cast<int>(scenes.size()) == sums.scenes() && static_cast<int>(ks.size()) == sums.ks(),
      "metric_records: scene names or Ks do not match the sums");
  std::vector<MetricRecord> records;
  const auto add_cell = [&](const std::string& scene, int cohort, std::size_t ki, double pairs,
                            auto&& value_of) {
    if (pairs <= 0) return;
    for (const Metric metric : kAllMetrics)
      records.push_back({scene,
                         cohort_name(cohort),
                         ks[ki],
                         metric_name(metric),
                         value_of(metric),
                         static_cast<std::int64_t>(pairs),
                         {}});
  };
  for (const int cohort : {kWarm, kCold, kColdItem})
    for (std::size_t ki = 0; ki < ks.size(); ++ki) {
      const int k_index = static_cast<int>(ki);
      for (std::size_t s = 0; s < scenes.size(); ++s) {
        const int scene = static_cast<int>(s);
        add_cell(scenes[s], cohort, ki, sums.count(scene, cohort, k_index),
                 [&](Metric m) { return sums.mean(scene, cohort, k_index, m); });
      }
      add_cell("overall", cohort, ki, sums.overall_count(cohort, k_index),
               [&](Metric m) { return sums.overall_mean(cohort, k_index, m); });
    }
  return records;
}

std::string metrics_json(const std::vector<MetricRecord>& records) {
  if (records.empty()) return "[]\n";
  std::string out = "[\n";
  char number[64];
  for (std::size_t r = 0; r < records.size(); ++r) {
    const MetricRecord& record = records[r];
    check_invariant(std::isfinite(record.value), "metrics_json: a metric value is not finite");
    out += "  {\"scene\": ";
    append_json_string(out, record.scene);
    out += ", \"cohort\": ";
    append_json_string(out, record.cohort);
    out += ", \"k\": " + std::to_string(record.k) + ", \"metric\": ";
    append_json_string(out, record.metric);
    std::snprintf(number, sizeof(number), "%.17g", record.value);
    out += ", \"value\": ";
    out += number;
    out += ", \"pairs\": " + std::to_string(record.pairs);
    if (!record.setting.empty()) {  // --tune's records name their candidate or choice
      out += ", \"setting\": ";
      append_json_string(out, record.setting);
    }
    out += "}";
    out += r + 1 < records.size() ? ",\n" : "\n";
  }
  out += "]\n";
  return out;
}

void write_metrics_json(const std::string& path, const std::vector<MetricRecord>& records) {
  if (path.empty()) throw InputError("''", "cannot write the metrics file: no file name given");
  const std::string text = metrics_json(records);
  const std::string temp_path = path + ".tmp-" + std::to_string(::getpid());
  const auto fail = [&](const std::string& reason) {
    ::unlink(temp_path.c_str());
    throw InputError(path, "cannot write the metrics file: " + reason);
  };
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail(errno_text());
  // Flushed before the rename, so that a crash cannot leave an empty file under the final name.
  if (!write_all(fd, text) || ::fsync(fd) != 0) {
    const std::string reason = errno_text();
    ::close(fd);
    fail(reason);
  }
  if (::close(fd) != 0) fail(errno_text());
  if (std::rename(temp_path.c_str(), path.c_str()) != 0) fail(errno_text());
}

std::string format_metrics_table(const MetricSums& sums, const std::vector<std::string>& scenes,
                                 const std::vector<int>& ks) {
  const std::vector<MetricRecord> records = metric_records(sums, scenes, ks);
  // Column widths: at least the header's, else the widest entry.
  std::size_t scene_width = display_width("overall");
  std::size_t k_width = 4;
  std::size_t pairs_width = 8;
  for (const MetricRecord& r : records) {
    scene_width = std::max(scene_width, display_width(r.scene));
    k_width = std::max(k_width, std::to_string(r.k).size());
    pairs_width = std::max(pairs_width, std::to_string(r.pairs).size());
  }
  constexpr std::size_t kValueWidth = 8;
  constexpr std::size_t kCohortWidth = 9;  // "cold-item"
  const char* const headers[kMetricCount] = {"prec", "recall", "f1",    "ndcg", "map",
                                             "hit",  "divers", "novel", "cov"};

  std::string out;
  append_padded(out, "scene", scene_width, true);
  out += ' ';
  append_padded(out, "cohort", kCohortWidth, true);
  out += ' ';
  append_padded(out, "K", k_width, false);
  for (const char* header : headers) {
    out += ' ';
    append_padded(out, header, kValueWidth, false);
  }
  out += ' ';
  append_padded(out, "pairs", pairs_width, false);
  out += '\n';

  // metric_records gives each row's nine metrics consecutively, in Metric order.
  char value[32];
  for (std::size_t row = 0; row + kMetricCount <= records.size(); row += kMetricCount) {
    const MetricRecord& first = records[row];
    append_padded(out, first.scene, scene_width, true);
    out += ' ';
    append_padded(out, first.cohort, kCohortWidth, true);
    out += ' ';
    append_padded(out, std::to_string(first.k), k_width, false);
    for (int m = 0; m < kMetricCount; ++m) {
      std::snprintf(value, sizeof(value), " %*.4f", static_cast<int>(kValueWidth),
                    records[row + static_cast<std::size_t>(m)].value);
      out += value;
    }
    out += ' ';
    append_padded(out, std::to_string(first.pairs), pairs_width, false);
    out += '\n';
  }
  return out;
}

}  // namespace sceneals::eval
