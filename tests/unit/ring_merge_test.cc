// Tests for ring_merge.h: R rings, each sorted by deadline, read through merged_head() come out
// in deadline order across rings (exact EDF within a class whatever the number of producers),
// ties to the lower ring, and a ring whose head is in progress keeps its turn.
#include "edf/ring_merge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <vector>

namespace edf {
namespace {

struct Rings {
  std::vector<std::deque<uint64_t>> r;
  std::vector<bool> started;
  uint64_t head(size_t i) const { return r[i].empty() ? kNoDeadline : r[i].front(); }
  uint64_t pick(size_t& chosen) {
    return merged_head([&](size_t i) { return head(i); }, [&](size_t i) { return bool(started[i]); }, r.size(), chosen);
  }
};

TEST(RingMerge, EmptyRingsGiveNoDeadline) {
  Rings x{{{}, {}, {}}, {false, false, false}};
  size_t c = 99;
  EXPECT_EQ(x.pick(c), kNoDeadline);
}

TEST(RingMerge, EarliestHeadTiesToLowerRingAndStartedKeepsItsTurn) {
  Rings x{{{30, 40}, {10, 50}, {10}}, {false, false, false}};
  size_t c = 0;
  EXPECT_EQ(x.pick(c), 10u);
  EXPECT_EQ(c, 1u);  // tie between rings 1 and 2: the lower
  x.started[0] = true;  // ring 0's head is in progress: it is finished first
  EXPECT_EQ(x.pick(c), 30u);
  EXPECT_EQ(c, 0u);
}

TEST(RingMerge, RandomProducersMergeToGlobalDeadlineOrder) {
  // R producers each stamp an increasing sequence of deadlines (one RX lcore, one class: arrival
  // order is deadline order); consumers pop through merged_head while producers keep adding.
  std::mt19937_64 rng(12);
  for (size_t R : {1u, 2u, 3u, 8u}) {
    Rings x;
    x.r.resize(R);
    x.started.assign(R, false);
    std::vector<uint64_t> clock(R, 0), out;
    size_t produced = 0;
    while (produced < 20000 || out.size() < produced) {
      // A burst from one producer, stamped at a common clock that advances.
      if (produced < 20000 && rng() % 2) {
        const size_t p = rng() % R;
        const uint64_t now = *std::max_element(clock.begin(), clock.end()) + rng() % 5;
        for (size_t k = rng() % 8; k > 0; --k) {
          x.r[p].push_back(now + 1000);
          ++produced;
        }
        clock[p] = now;
        continue;
      }
      size_t c = 0;
      const uint64_t d = x.pick(c);
      if (d == kNoDeadline) continue;
      out.push_back(d);
      x.r[c].pop_front();
    }
    ASSERT_EQ(out.size(), produced);
    // Every pop took the earliest deadline present at that moment; since later arrivals have
    // later deadlines, the whole output is sorted.
    EXPECT_TRUE(std::is_sorted(out.begin(), out.end())) << "R=" << R;
  }
}

}  // namespace
}  // namespace edf
