// Tests for pick_earliest: a seeded random walk of a million pushes and pops, driven by a virtual
// clock, must pop exactly the order of a sort-based reference (deadline, then lower class, then
// arrival), i.e. EDF with ties to the lower class index.
#include "edf/edf_merge.h"

#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <random>
#include <set>
#include <tuple>

namespace edf {
namespace {

struct Item {
  uint64_t deadline;
  uint64_t seq;
};

template <size_t N>
struct ClassQueues {
  std::array<std::deque<Item>, N> q;
  uint64_t head_deadline(size_t i) const { return q[i].empty() ? kNoDeadline : q[i].front().deadline; }
};

TEST(EdfMerge, AllEmptyGivesNoQueue) {
  ClassQueues<4> cq;
  EXPECT_EQ(pick_earliest(cq, 4), kNoQueue);
  EXPECT_EQ(pick_earliest(cq, 0), kNoQueue);
}

TEST(EdfMerge, EarliestHeadAndTiesToLowerIndex) {
  ClassQueues<4> cq;
  cq.q[2].push_back({100, 0});
  cq.q[3].push_back({50, 1});
  EXPECT_EQ(pick_earliest(cq, 4), 3u);
  cq.q[1].push_back({50, 2});
  EXPECT_EQ(pick_earliest(cq, 4), 1u);  // tie at 50: lower class
  cq.q[0].push_back({50, 3});
  EXPECT_EQ(pick_earliest(cq, 4), 0u);
  // Only the first n_queues are considered.
  EXPECT_EQ(pick_earliest(cq, 1), 0u);
  cq.q[0].clear();
  EXPECT_EQ(pick_earliest(cq, 1), kNoQueue);
  EXPECT_EQ(pick_earliest(cq, 3), 1u);
  // Deadline 0 is a real deadline.
  cq.q[2].front().deadline = 0;
  EXPECT_EQ(pick_earliest(cq, 4), 2u);
}

TEST(EdfMerge, MillionOperationRandomWalkMatchesSortedReference) {
  constexpr size_t kClasses = 8;
  // Budgets include equal values (classes 0 and 1, 4 and 5) so that equal deadlines in
  // different classes are common, and a zero step of the clock makes them common within a class.
  constexpr std::array<uint64_t, kClasses> kBudget{100, 100, 250, 1000, 5000, 5000, 40, 100000};
  ClassQueues<kClasses> cq;
  std::set<std::tuple<uint64_t, size_t, uint64_t>> reference;  // (deadline, class, seq)
  std::mt19937_64 rng(0xEDF);
  uint64_t now = 1'000'000;
  uint64_t seq = 0;
  uint64_t pops = 0, empty_pops = 0, ties = 0;
  for (int op = 0; op < 1'000'000; ++op) {
    // The clock only moves forward; a zero step is frequent.
    const uint64_t r = rng();
    now += (r & 3) == 0 ? 0 : (r >> 8) % 300;
    // Alternate filling and draining phases so the walk both builds a backlog of hundreds and
    // keeps running into empty queues.
    const bool filling = (op / 4096) % 2 == 0;
    const bool push = (rng() % 100) < (filling ? 60u : 40u);
    if (push) {
      const size_t cls = rng() % kClasses;
      const uint64_t deadline = now + kBudget[cls];
      cq.q[cls].push_back({deadline, seq});
      reference.emplace(deadline, cls, seq);
      ++seq;
      continue;
    }
    const size_t got = pick_earliest(cq, kClasses);
    if (reference.empty()) {
      ++empty_pops;
      if (got != kNoQueue) {
        ADD_FAILURE() << "op " << op << ": picked class " << got << " with everything empty";
        return;
      }
      continue;
    }
    const auto expected = *reference.begin();
    reference.erase(reference.begin());
    if (got == kNoQueue) {
      ADD_FAILURE() << "op " << op << ": nothing picked, expected class " << std::get<1>(expected);
      return;
    }
    const Item item = cq.q[got].front();
    cq.q[got].pop_front();
    if (got != std::get<1>(expected) || item.seq != std::get<2>(expected)) {
      ADD_FAILURE() << "op " << op << ": popped (class " << got << ", seq " << item.seq
                    << ", deadline " << item.deadline << "), expected (class " << std::get<1>(expected)
                    << ", seq " << std::get<2>(expected) << ", deadline " << std::get<0>(expected) << ")";
      return;
    }
    ++pops;
    if (!reference.empty() && std::get<0>(*reference.begin()) == item.deadline) ++ties;
  }
  // The walk visited the interesting states.
  EXPECT_GT(pops, 400'000u);
  EXPECT_GT(empty_pops, 100u);
  EXPECT_GT(ties, 10'000u);
}

}  // namespace
}  // namespace edf

namespace edf {
namespace {

struct Heads {
  std::array<uint64_t, 8> d;
  uint64_t head_deadline(size_t i) const { return d[i]; }
};

TEST(EdfProtecting, FreshUrgentHeadBeatsStaleBulk) {
  // The domino case: low's head (queue 2) is late (deadline 95 at now 100), high's is on time (101).
  Heads h{{101, kNoDeadline, 95, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline}};
  EXPECT_EQ(pick_earliest(h, 4), 2u);  // plain EDF serves stale low
  EXPECT_EQ(pick_edf(h, 4, 100), 0u);  // high goes first
  EXPECT_EQ(pick_edf(h, 4, 95), 2u);   // at 95 low is on time and earliest: plain EDF
}

TEST(EdfProtecting, LateUrgentHeadStillBeatsOnTimeBulk) {
  // A burst of high: its head (queue 0) is late, low's (queue 2) on time. No higher class to protect.
  Heads h{{90, kNoDeadline, 200, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline}};
  EXPECT_EQ(pick_edf(h, 4, 100), 0u);
}

TEST(EdfProtecting, LateUrgentHeadBeatsStalerBulkAfterAStall) {
  // After a stall high's head (queue 0, deadline 90) is late, and low's (queue 2, deadline 50) is
  // staler still: plain EDF would serve low, and every later high packet would be late in turn.
  Heads h{{90, kNoDeadline, 50, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline}};
  EXPECT_EQ(pick_earliest(h, 4), 2u);
  EXPECT_EQ(pick_edf(h, 4, 100), 0u);
}

TEST(EdfProtecting, AllLateGoesToTheEarliestHigherHeadAndEmptyIsNoQueue) {
  // Winner queue 1 (80) is late; the only head before it, queue 0 (90), is late too: it goes first.
  Heads h{{90, 80, 85, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline}};
  EXPECT_EQ(pick_edf(h, 4, 100), 0u);
  // Winner queue 2 (70); before it queue 0 late (95) and queue 1 late (90): the earlier, queue 1.
  Heads g{{95, 90, 70, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline}};
  EXPECT_EQ(pick_edf(g, 4, 100), 1u);
  // An on-time head before the winner still beats a late one before it.
  Heads f{{95, 120, 70, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline}};
  EXPECT_EQ(pick_edf(f, 4, 100), 1u);
  Heads empty{{kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline, kNoDeadline}};
  EXPECT_EQ(pick_edf(empty, 8, 0), kNoQueue);
}

// Against a reference written from the rule's statement, over random heads and clocks.
TEST(EdfProtecting, MatchesReferenceOnRandomHeads) {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 200000; ++round) {
    Heads h{};
    const size_t n = 1 + rng() % 8;
    for (size_t i = 0; i < 8; ++i) h.d[i] = (rng() % 4 == 0) ? kNoDeadline : rng() % 64;
    const uint64_t now = rng() % 64;
    // Plain EDF winner (ties to lower index).
    size_t w = kNoQueue;
    for (size_t i = 0; i < n; ++i)
      if (h.d[i] != kNoDeadline && (w == kNoQueue || h.d[i] < h.d[w])) w = i;
    size_t want = w;
    if (w != kNoQueue && h.d[w] < now) {
      // The earliest on-time head before the winner; else the earliest head before it at all.
      for (size_t i = 0; i < w; ++i)
        if (h.d[i] != kNoDeadline && h.d[i] >= now && (want == w || h.d[i] < h.d[want])) want = i;
      if (want == w)
        for (size_t i = 0; i < w; ++i)
          if (h.d[i] != kNoDeadline && (want == w || h.d[i] < h.d[want])) want = i;
    }
    ASSERT_EQ(pick_edf(h, n, now), want) << "round " << round;
  }
}

// EdfRun is sufficient: whenever it says the picked queue keeps its turn with a new head (at a
// later or the same clock), a full pick over the changed heads picks that queue too. And it is
// useful: it keeps the turn in most rounds where the new head is still the earliest.
TEST(EdfProtecting, RunKeepsOnlyWhatAFullPickWouldPick) {
  std::mt19937_64 rng(777);
  size_t kept = 0, rounds = 0;
  for (int round = 0; round < 200000; ++round) {
    Heads h{};
    const size_t n = 1 + rng() % 8;
    for (size_t i = 0; i < 8; ++i) h.d[i] = (rng() % 4 == 0) ? kNoDeadline : rng() % 64;
    const uint64_t now = rng() % 64;
    EdfRun run;
    const size_t c = pick_edf_run(h, n, now, run);
    ASSERT_EQ(c, pick_edf(h, n, now)) << "round " << round;
    if (c == kNoQueue) {
      ASSERT_FALSE(run.keeps(0, now));
      continue;
    }
    const uint64_t later = now + rng() % 8;
    const uint64_t next = (rng() % 16 == 0) ? kNoDeadline : rng() % 64;
    Heads g = h;
    g.d[c] = next;
    const bool keeps = run.keeps(next, later);
    if (keeps) {
      ASSERT_EQ(pick_edf(g, n, later), c) << "round " << round;
    }
    ++rounds;
    kept += keeps;
  }
  EXPECT_GT(kept, rounds / 5);  // not a condition that never holds
}

}  // namespace
}  // namespace edf
