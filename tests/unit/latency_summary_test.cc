// Tests for the latency summary both JSON reports carry: zeros when empty, the histogram's own
// figures otherwise, and the exact JSON object.
#include "edf/latency_summary.h"

#include <gtest/gtest.h>

namespace edf {
namespace {

TEST(LatencySummary, EmptyIsAllZero) {
  const Histogram h;
  const LatencySummary s = summarize(h);
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.min_ns + s.mean_ns + s.max_ns + s.p50_ns + s.p90_ns + s.p99_ns + s.p999_ns, 0u);
  JsonWriter w;
  write_latency_json(w, s);
  EXPECT_EQ(w.text(), "{\"count\": 0, \"min\": 0, \"mean\": 0, \"p50\": 0, \"p90\": 0, \"p99\": 0, \"p999\": 0, \"max\": 0}\n");
}

TEST(LatencySummary, FiguresAreTheHistogramsOwn) {
  Histogram h;
  for (uint64_t v = 1; v <= 1000; ++v) h.record(v * 10);  // 10 ns .. 10 us
  const LatencySummary s = summarize(h);
  EXPECT_EQ(s.count, 1000u);
  EXPECT_EQ(s.min_ns, 10u);
  EXPECT_EQ(s.max_ns, 10000u);
  EXPECT_EQ(s.mean_ns, 5005u);  // (10 + 10000) / 2, rounded down
  EXPECT_EQ(s.p50_ns, h.percentile(0.50));
  EXPECT_EQ(s.p90_ns, h.percentile(0.90));
  EXPECT_EQ(s.p99_ns, h.percentile(0.99));
  EXPECT_EQ(s.p999_ns, h.percentile(0.999));
  EXPECT_GE(s.p50_ns, 5000u);
  EXPECT_LE(s.p999_ns, s.max_ns);
  JsonWriter w;
  w.begin_object().key("latency_ns");
  write_latency_json(w, s);
  w.end_object();
  EXPECT_EQ(w.text(), "{\"latency_ns\": {\"count\": 1000, \"min\": 10, \"mean\": 5005, \"p50\": " + std::to_string(s.p50_ns) +
                          ", \"p90\": " + std::to_string(s.p90_ns) + ", \"p99\": " + std::to_string(s.p99_ns) +
                          ", \"p999\": " + std::to_string(s.p999_ns) + ", \"max\": 10000}}\n");
}

}  // namespace
}  // namespace edf
