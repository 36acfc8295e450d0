// latency_summary.h: the figures every edfpipe and edfgen report gives of a latency histogram.
//
// count, exact min and max, the mean (sum / count, rounded down) and the p50/p90/p99/p99.9
// percentiles as Histogram::percentile() reports them (the upper edge of the bucket holding the
// rank, never above max); all 0 for an empty histogram. write_latency_json() writes them as the
// object both JSON reports carry under "latency_ns": {"count", "min", "mean", "p50", "p90", "p99",
// "p999", "max"}. Control path only.
#pragma once

#include <cstdint>

#include "edf/histogram.h"
#include "edf/json_writer.h"

namespace edf {

struct LatencySummary {
  uint64_t count = 0;
  uint64_t min_ns = 0, mean_ns = 0, max_ns = 0;
  uint64_t p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0;
};

[[nodiscard]] LatencySummary summarize(const Histogram& h);

// The figures in report order, by the names the JSON reports give them; `in_ns` marks those in
// nanoseconds (telemetry's /edfpipe/latency names them with an "_ns" suffix).
struct LatencyFigure {
  const char* name;
  uint64_t LatencySummary::*value;
  bool in_ns;
};
inline constexpr LatencyFigure kLatencyFigures[] = {
    {"count", &LatencySummary::count, false}, {"min", &LatencySummary::min_ns, true},
    {"mean", &LatencySummary::mean_ns, true}, {"p50", &LatencySummary::p50_ns, true},
    {"p90", &LatencySummary::p90_ns, true},   {"p99", &LatencySummary::p99_ns, true},
    {"p999", &LatencySummary::p999_ns, true}, {"max", &LatencySummary::max_ns, true},
};

// Appends the summary of `h` as one inline object (the caller writes its key).
void write_latency_json(JsonWriter& w, const LatencySummary& s);

}  // namespace edf
