// Reporting the evaluation: the MetricSums of rank 0 turned into records (one figure each), the
// aligned table printed after training, and the JSON file of --metrics-json. The same records go
// into the embedding file's /metrics group (io/embedding_writer.h).
#pragma once

#include <string>
#include <vector>

#include "eval/metric_sums.h"
#include "io/metric_record.h"

namespace sceneals::eval {

using io::MetricRecord;

/// The name of a cohort in reports: "warm", "cold" or "cold-item".
const char* cohort_name(int cohort);

/// One record per (cell, metric) for the cells with pairs > 0: for each cohort (warm, cold,
/// cold-item), each K, each scene in `scenes` order and then "overall", the nine metrics in Metric
/// order (means over pairs, and coverage). `scenes` and `ks` name the sums' scene and K indices;
/// InternalError when their sizes differ from the sums' shape.
std::vector<MetricRecord> metric_records(const MetricSums& sums,
                                         const std::vector<std::string>& scenes,
                                         const std::vector<int>& ks);

/// Appends `text` as a JSON string literal (RFC 8259, section 7): quote, backslash and control
/// characters escaped; other bytes, UTF-8 included, pass through.
void append_json_string(std::string& out, const std::string& text);

/// A JSON list with one object per record, fields in the order scene, cohort, k, metric, value,
/// pairs, one object per line. Strings are escaped per RFC 8259 (quote, backslash and control
/// characters; other bytes, UTF-8 included, pass through), values are printed with %.17g so that
/// they read back to the same double. InternalError when a value is NaN or infinite (JSON has no
/// spelling for them, and the metrics are never either).
std::string metrics_json(const std::vector<MetricRecord>& records);

/// Writes metrics_json(records) to `path` atomically: a temporary file next to it, flushed, then
/// renamed over `path`, so a reader sees the old file or the complete new one. Call it on one
/// rank. InputError naming `path` when it cannot be written (the temporary file is removed).
void write_metrics_json(const std::string& path, const std::vector<MetricRecord>& records);

/// The rank-0 table: a header and one row per (cohort, K, scene or overall) with pairs > 0, with
/// the nine metrics and the pair count. Column widths follow the longest scene name, K and pair
/// count, so the columns stay aligned.
std::string format_metrics_table(const MetricSums& sums, const std::vector<std::string>& scenes,
                                 const std::vector<int>& ks);

}  // namespace sceneals::eval
