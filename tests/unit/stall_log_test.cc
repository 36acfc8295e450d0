// Tests for StallLog: only gaps over the threshold count, totals and the longest, records kept
// oldest first with the oldest overwritten past kRecords, and the overlap of an interval with them.
#include "edf/stall_log.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace edf {
namespace {

std::vector<std::pair<uint64_t, uint64_t>> records(const StallLog& log) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  log.for_each([&](uint64_t from, uint64_t to) { out.emplace_back(from, to); });
  return out;
}

TEST(StallLog, CountsOnlyGapsOverTheThreshold) {
  StallLog log;
  EXPECT_FALSE(log.note(100, 200, 100));  // exactly the threshold: not a stall
  EXPECT_FALSE(log.note(300, 250, 10));   // backwards: not a stall
  EXPECT_TRUE(log.note(1000, 1500, 100));
  EXPECT_TRUE(log.note(2000, 2200, 100));
  EXPECT_EQ(log.count(), 2u);
  EXPECT_EQ(log.total(), 700u);
  EXPECT_EQ(log.longest(), 500u);
  EXPECT_EQ(records(log), (std::vector<std::pair<uint64_t, uint64_t>>{{1000, 1500}, {2000, 2200}}));
}

TEST(StallLog, KeepsTheLatestRecordsOldestFirst) {
  StallLog log;
  const uint64_t n = StallLog::kRecords + 5;
  for (uint64_t k = 0; k < n; ++k) ASSERT_TRUE(log.note(k * 100, k * 100 + 50, 10));
  EXPECT_EQ(log.count(), n);
  const auto r = records(log);
  ASSERT_EQ(r.size(), StallLog::kRecords);
  EXPECT_EQ(r.front().first, 5u * 100);  // the first five were overwritten
  EXPECT_EQ(r.back().first, (n - 1) * 100);
}

TEST(StallLog, OverlapSumsTheStalledPartOfAnInterval) {
  StallLog log;
  log.note(1000, 1300, 100);
  log.note(5000, 5500, 100);
  EXPECT_EQ(log.overlap(900, 2250), 300u);   // covers the first stall
  EXPECT_EQ(log.overlap(1100, 1200), 100u);  // inside it
  EXPECT_EQ(log.overlap(4800, 6500), 500u);
  EXPECT_EQ(log.overlap(0, 10000), 800u);
  EXPECT_EQ(log.overlap(2000, 4000), 0u);    // between them
  EXPECT_EQ(log.overlap(7000, 8000), 0u);    // after both
}

}  // namespace
}  // namespace edf
