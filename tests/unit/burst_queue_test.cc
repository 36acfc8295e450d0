// Tests for BurstQueue: FIFO order, refill only through refill_area()/filled(), drain hands back
// exactly the unconsumed items, and a seeded walk conserves items against a std::deque.
#include "edf/burst_queue.h"

#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <random>
#include <vector>

namespace edf {
namespace {

TEST(BurstQueue, StartsEmpty) {
  BurstQueue<int, 32> q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ((BurstQueue<int, 32>::capacity()), 32u);
  int calls = 0;
  q.drain([&](const int*, size_t) { ++calls; });
  EXPECT_EQ(calls, 0);  // nothing to drain: the callback is not called
}

// pop_while takes the front items while the predicate holds, at most max, in order, and leaves
// the rest exactly as pop() one at a time would.
TEST(BurstQueue, PopWhileStopsAtThePredicateTheMaxOrTheEnd) {
  BurstQueue<uint32_t, 16> q;
  uint32_t* area = q.refill_area();
  for (uint32_t i = 0; i < 10; ++i) area[i] = i;
  q.filled(10);
  std::array<uint32_t, 16> out{};
  EXPECT_EQ(q.pop_while(out.data(), 16, [](uint32_t v) { return v < 3; }), 3u);  // the predicate
  EXPECT_EQ(out[0], 0u);
  EXPECT_EQ(out[2], 2u);
  EXPECT_EQ(q.front(), 3u);  // the refused item is still the head
  EXPECT_EQ(q.pop_while(out.data(), 2, [](uint32_t) { return true; }), 2u);  // the max
  EXPECT_EQ(out[0], 3u);
  EXPECT_EQ(out[1], 4u);
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(q.pop_while(out.data(), 0, [](uint32_t) { return true; }), 0u);
  EXPECT_EQ(q.pop_while(out.data(), 16, [](uint32_t) { return true; }), 5u);  // the end
  EXPECT_EQ(out[4], 9u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.pop_while(out.data(), 16, [](uint32_t) { return true; }), 0u);  // empty: nothing
}

TEST(BurstQueue, RefillPeekPopInOrder) {
  BurstQueue<uint32_t, 8> q;
  uint32_t* area = q.refill_area();
  for (uint32_t i = 0; i < 5; ++i) area[i] = 100 + i;
  q.filled(5);
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(q.size(), 5u);
  for (uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(q.front(), 100 + i);
    EXPECT_EQ(q.front(), 100 + i);  // peeking does not consume
    EXPECT_EQ(q.pop(), 100 + i);
    EXPECT_EQ(q.size(), 4u - i);
  }
  EXPECT_TRUE(q.empty());
  // Refill after running dry starts over at the front of the storage.
  area = q.refill_area();
  area[0] = 7;
  q.filled(1);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.pop(), 7u);
  EXPECT_TRUE(q.empty());
  // filled(0): a refill that got nothing leaves it empty.
  (void)q.refill_area();
  q.filled(0);
  EXPECT_TRUE(q.empty());
}

TEST(BurstQueue, FullCapacityBurst) {
  BurstQueue<uint16_t, 32> q;
  uint16_t* area = q.refill_area();
  for (uint16_t i = 0; i < 32; ++i) area[i] = i;
  q.filled(32);
  EXPECT_EQ(q.size(), 32u);
  for (uint16_t i = 0; i < 32; ++i) EXPECT_EQ(q.pop(), i);
  EXPECT_TRUE(q.empty());
}

TEST(BurstQueue, DrainHandsBackTheRestAndEmpties) {
  BurstQueue<int, 16> q;
  int* area = q.refill_area();
  for (int i = 0; i < 10; ++i) area[i] = i;
  q.filled(10);
  (void)q.pop();
  (void)q.pop();
  (void)q.pop();
  std::vector<int> drained;
  q.drain([&](const int* items, size_t n) { drained.assign(items, items + n); });
  EXPECT_EQ(drained, (std::vector<int>{3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
}

TEST(BurstQueue, RandomWalkConservesItemsInOrder) {
  BurstQueue<uint64_t, 32> q;
  std::deque<uint64_t> source;  // what the ring would still hold
  std::vector<uint64_t> out;
  std::mt19937_64 rng(32);
  uint64_t next = 0;
  for (int op = 0; op < 100000; ++op) {
    if (rng() % 3 == 0) source.push_back(next++);
    if (q.empty()) {
      // The owner refills with at most one burst from the ring.
      uint64_t* area = q.refill_area();
      size_t n = 0;
      while (n < q.capacity() && n < rng() % 40 && !source.empty()) {
        area[n++] = source.front();
        source.pop_front();
      }
      q.filled(n);
    }
    if (!q.empty() && rng() % 2) out.push_back(q.pop());
  }
  q.drain([&](const uint64_t* items, size_t n) { out.insert(out.end(), items, items + n); });
  out.insert(out.end(), source.begin(), source.end());
  ASSERT_EQ(out.size(), next);
  for (uint64_t i = 0; i < next; ++i) ASSERT_EQ(out[i], i);
}

}  // namespace
}  // namespace edf
