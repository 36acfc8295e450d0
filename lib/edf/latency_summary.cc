#include "edf/latency_summary.h"

namespace edf {

LatencySummary summarize(const Histogram& h) {
  LatencySummary s;
  s.count = h.count();
  if (s.count == 0) return s;
  s.min_ns = h.min_ns();
  s.mean_ns = h.sum_ns() / s.count;
  s.max_ns = h.max_ns();
  s.p50_ns = h.percentile(0.50);
  s.p90_ns = h.percentile(0.90);
  s.p99_ns = h.percentile(0.99);
  s.p999_ns = h.percentile(0.999);
  return s;
}

void write_latency_json(JsonWriter& w, const LatencySummary& s) {
  w.begin_object();
  for (const LatencyFigure& f : kLatencyFigures) w.member(f.name, s.*f.value);
  w.end_object();
}

}  // namespace edf
