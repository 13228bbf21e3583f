#include "app/benchmark_report.h"

#include <algorithm>
#include <cstdio>

namespace sceneals::app {

namespace {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::string line(const char* phase, double seconds, double flops, double attainable_total,
                 double megabytes_sent) {
  char text[160];
  if (flops > 0 && seconds > 0) {
    const double rate = flops / seconds;
    std::snprintf(text, sizeof(text), "%-16s %9.3f %10.2f %10.2f %8.1f%% %12.2f\n", phase, seconds,
                  flops / 1e9, rate / 1e9, 100 * rate / attainable_total, megabytes_sent);
  } else {
    std::snprintf(text, sizeof(text), "%-16s %9.3f %10s %10s %9s %12.2f\n", phase, seconds, "-",
                  "-", "-", megabytes_sent);
  }
  return text;
}

}  // namespace

std::int64_t held_data_bytes(const solver::Trainer& trainer) {
  std::int64_t bytes = 4 * static_cast<std::int64_t>(trainer.shared_factors().size());
  for (std::size_t l = 0; l < trainer.layouts().size(); ++l) {
    const solver::SceneLayout& layout = trainer.layouts()[l];
    bytes +=
        8 * static_cast<std::int64_t>(layout.by_user.index.size() + layout.by_item.index.size());
    bytes += 4 * static_cast<std::int64_t>(trainer.user_factors(l).size() +
                                           trainer.item_factors(l).size() +
                                           trainer.replicated_item_floats(l));
  }
  return bytes;
}

std::string format_benchmark(const BenchmarkFigures& f) {
  const double attainable_total = f.attainable_min * f.ranks;
  std::vector<double> phase[3], whole, transfer;
  std::int64_t phase_bytes[3] = {};
  for (const solver::IterationStats& stats : f.iterations) {
    for (int p = 0; p < 3; ++p) {
      phase[p].push_back(stats.phase_seconds[p]);
      phase_bytes[p] = std::max(phase_bytes[p], stats.phase_max_bytes_sent[p]);
    }
    whole.push_back(stats.seconds);
    if (stats.phase_seconds[1] > 0) transfer.push_back(stats.averaging_transfer_seconds);
  }
  char head[400];
  std::snprintf(head, sizeof(head),
                "benchmark: %d rank%s x %d thread%s; attainable %.2f GFLOP/s per rank (Eigen "
                "1024^3 float product, %s kernels; slowest rank, mean %.2f), %.2f GFLOP/s in all\n"
                "%-16s %9s %10s %10s %9s %12s\n",
                f.ranks, f.ranks == 1 ? "" : "s", f.threads, f.threads == 1 ? "" : "s",
                f.attainable_min / 1e9, f.kernel_level.c_str(), f.attainable_mean / 1e9,
                attainable_total / 1e9, "phase", "time_s", "GFLOP", "GFLOP/s", "attained",
                "MB_sent/rank");
  std::string out = head;
  char read_line[160];
  std::snprintf(read_line, sizeof(read_line), "%-16s %9.3f %10s %10s %9s %12s  (%.0f MB/s)\n",
                "read", f.read_seconds, "-", "-", "-", "0.00",
                static_cast<double>(f.file_bytes) / 1e6 / std::max(f.read_seconds, 1e-9));
  out += read_line;
  out += line("route", f.route_seconds, 0, attainable_total,
              static_cast<double>(f.route_max_bytes) / 1e6);
  const char* names[3] = {"user step", "averaging", "item step"};
  double flops_total = 0;
  for (int p = 0; p < 3; ++p) {
    out += line(names[p], median(phase[p]), f.iteration_flops[static_cast<std::size_t>(p)],
                attainable_total, static_cast<double>(phase_bytes[p]) / 1e6);
    flops_total += f.iteration_flops[static_cast<std::size_t>(p)];
    // Averaging's time includes waiting for the slowest rank's user step (imbalance); this line
    // is the communication itself, over the iterations that averaged.
    if (p == 1) out += line(" of it transfer", median(transfer), 0, attainable_total, 0);
  }
  out += line("iteration", median(whole), flops_total, attainable_total,
              static_cast<double>(phase_bytes[0] + phase_bytes[1] + phase_bytes[2]) / 1e6);
  if (f.evaluation_seconds >= 0)
    out += line("evaluation", f.evaluation_seconds, f.evaluation_flops, attainable_total, 0);
  char tail[200];
  std::snprintf(tail, sizeof(tail),
                "(phase times: medians over %zu iterations, maximum over ranks; FLOP formulas in "
                "solver/flop_count.h)\npeak memory %.1f MB per rank at most\n",
                f.iterations.size(), static_cast<double>(f.peak_resident_bytes) / 1e6);
  out += tail;
  const auto mb = [](std::int64_t bytes) { return static_cast<double>(bytes) / 1e6; };
  char memory[800];
  std::snprintf(
      memory, sizeof(memory),
      "peak memory so far (MB per rank, largest): after read %.1f, route %.1f, "
      "training %.1f, writing %.1f\n"
      "data held (ratings both ways + factors): %.1f MB per rank, 1.5x = %.1f MB; "
      "served user rows written (computed a slab at a time, not held): %.1f MB per rank\n"
      "bytes of the averaging by the model, 2 (G - 1) / G x 4 (k + 1) x users in two or more "
      "groups: %.2f "
      "MB per rank\n",
      mb(f.peak_after[0]), mb(f.peak_after[1]), mb(f.peak_after[2]), mb(f.peak_after[3]),
      mb(f.data_share_bytes), 1.5 * mb(f.data_share_bytes), mb(f.served_bytes),
      f.averaging_model_bytes / 1e6);
  out += memory;
  out += "peak memory of each stage (MB per rank, largest; with what earlier stages left):";
  for (const auto& [stage, bytes] : f.stage_peaks) {
    std::snprintf(memory, sizeof(memory), " %s %.1f", stage.c_str(), mb(bytes));
    out += memory;
  }
  out += "\n";
  std::snprintf(memory, sizeof(memory),
                "memory in transparent huge pages after training: %.1f MB per rank at least "
                "(%s)\n",
                mb(f.huge_page_bytes), f.huge_page_request.c_str());
  out += memory;
  return out;
}

}  // namespace sceneals::app
