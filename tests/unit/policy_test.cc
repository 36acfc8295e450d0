// Tests for the scheduling policies (edf/policy.h and policy_*.h): each policy on hand-made head
// sets under a fake clock, the registry by name, and each policy against a reference written from
// its definition (a sort by the policy's key, ties to the lower index) over 100,000 seeded head
// sets. The random walk of pick_edf/pick_earliest against a sorted reference is edf_merge_test.cc.
#include "edf/policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <string>
#include <vector>

#include "edf/profile.h"

namespace edf {
namespace {

constexpr uint64_t kEmpty = kNoDeadline;

// A fake clock, as the worker's TSC.
struct FakeClock {
  uint64_t t = 0;
  void tick(uint64_t n) { t += n; }
};

struct Head {
  uint64_t deadline = kEmpty;  // kEmpty: the queue is empty
  uint64_t arrival = 0;
  uint64_t work = 0;
};

// Queue heads as a policy sees them. Checks the Queues contract of policy.h: a head's arrival or
// work is read only after head_deadline() offered it, and never for an empty queue.
struct FakeQueues {
  std::array<Head, 8> h{};
  std::array<bool, 8> offered{};
  size_t deadline_reads = 0;
  bool contract_broken = false;

  uint64_t head_deadline(size_t i) {
    ++deadline_reads;
    offered[i] = h[i].deadline != kEmpty;
    return h[i].deadline;
  }
  uint64_t head_arrival(size_t i) {
    if (!offered[i]) contract_broken = true;
    return h[i].arrival;
  }
  uint64_t head_work(size_t i) {
    if (!offered[i]) contract_broken = true;
    return h[i].work;
  }
};

FakeQueues queues(std::initializer_list<Head> heads) {
  FakeQueues q;
  size_t i = 0;
  for (const Head& x : heads) q.h[i++] = x;
  return q;
}

size_t run(Policy p, FakeQueues& q, size_t n, uint64_t now) {
  const size_t got = pick(p, q, n, now);
  EXPECT_FALSE(q.contract_broken) << to_string(p);
  return got;
}

// ---------------------------------------------------------------- registry

TEST(PolicyRegistry, NamesRoundTripAndUnknownNamesAreRefused) {
  for (size_t i = 0; i < kPolicyNames.size(); ++i) {
    const auto p = policy_from_name(kPolicyNames[i]);
    ASSERT_TRUE(p.has_value()) << kPolicyNames[i];
    EXPECT_EQ(static_cast<size_t>(*p), i);
    EXPECT_EQ(to_string(*p), kPolicyNames[i]);
  }
  for (const char* bad : {"", "EDF", "edf ", "edfplain", "edf_plain", "lifo", "prio"})
    EXPECT_FALSE(policy_from_name(bad).has_value()) << bad;
  EXPECT_EQ(policy_name_list(), "edf, edf-plain, fifo, priority, llf");
}

TEST(PolicyRegistry, OnlySwitchesKeepingTheQueueLayoutAreLive) {
  for (size_t a = 0; a < kPolicyNames.size(); ++a)
    for (size_t b = 0; b < kPolicyNames.size(); ++b) {
      const Policy pa = static_cast<Policy>(a), pb = static_cast<Policy>(b);
      const bool fifo_involved = (pa == Policy::kFifo) != (pb == Policy::kFifo);
      EXPECT_EQ(policy_switch_is_live(pa, pb), !fifo_involved) << to_string(pa) << " -> " << to_string(pb);
    }
}

TEST(PolicyRegistry, EveryPolicyGivesNoQueueWhenAllAreEmpty) {
  for (size_t i = 0; i < kPolicyNames.size(); ++i) {
    FakeQueues q;
    EXPECT_EQ(run(static_cast<Policy>(i), q, 8, 100), kNoQueue) << kPolicyNames[i];
    EXPECT_EQ(run(static_cast<Policy>(i), q, 0, 100), kNoQueue) << kPolicyNames[i];
  }
}

TEST(PolicyRegistry, ProfileKeyTakesEveryNameAndListsThemWhenWrong) {
  Profile p = default_profile();
  for (std::string_view name : kPolicyNames) {
    ASSERT_TRUE(apply_setting(p, "pipeline", "scheduling", name).ok()) << name;
    EXPECT_EQ(to_string(p.pipeline.scheduling), name);
    EXPECT_NE(profile_to_ini(p).find("scheduling = " + std::string(name) + "\n"), std::string::npos);
  }
  const Status bad = apply_setting(p, "pipeline", "scheduling", "lifo");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.messages()[0].find("expected one of edf, edf-plain, fifo, priority, llf"), std::string::npos)
      << bad.messages()[0];
  EXPECT_EQ(p.pipeline.scheduling, Policy::kLlf);  // a refused value changes nothing
}

TEST(PolicyRegistry, ClassOrderWarningsFollowThePoliciesThatUseClassOrder) {
  Profile p = default_profile();
  ASSERT_TRUE(apply_setting(p, "class low", "budget_us", "500").ok());  // tighter than classes before it
  for (std::string_view name : kPolicyNames) {
    ASSERT_TRUE(apply_setting(p, "pipeline", "scheduling", name).ok());
    const bool uses_order = name == "edf" || name == "priority";
    EXPECT_EQ(profile_warnings(p).empty(), !uses_order) << name;
  }
}

// ---------------------------------------------------------------- edf

TEST(PolicyEdf, LateWinnerYieldsToOnTimeHigherClass) {
  FakeClock clock{100};
  // The domino case: low's head (queue 2) is late (95 at 100), high's (queue 0) on time (101).
  FakeQueues q = queues({{101, 0, 0}, {}, {95, 0, 0}});
  EXPECT_EQ(run(Policy::kEdf, q, 3, clock.t), 0u);
  // Earlier, low was on time and earliest: plain EDF.
  EXPECT_EQ(run(Policy::kEdf, q, 3, 95), 2u);
  // Once high is late too, high still goes before the staler low (after a stall, plain EDF would
  // serve low and keep every later high packet late).
  clock.tick(10);
  EXPECT_EQ(run(Policy::kEdf, q, 3, clock.t), 0u);
  EXPECT_EQ(run(Policy::kEdfPlain, q, 3, clock.t), 2u);
}

TEST(PolicyEdf, LateHighClassStillBeatsOnTimeLowerClass) {
  FakeQueues q = queues({{90, 0, 0}, {}, {200, 0, 0}});
  EXPECT_EQ(run(Policy::kEdf, q, 3, 100), 0u);
}

// ---------------------------------------------------------------- edf-plain

TEST(PolicyEdfPlain, EarliestHeadEvenWhenLateTiesToLowerIndex) {
  FakeQueues q = queues({{101, 0, 0}, {}, {95, 0, 0}});
  EXPECT_EQ(run(Policy::kEdfPlain, q, 3, 100), 2u);  // the domino effect: stale low goes first
  FakeQueues tie = queues({{}, {50, 9, 0}, {50, 1, 0}, {60, 0, 0}});
  EXPECT_EQ(run(Policy::kEdfPlain, tie, 4, 0), 1u);
  EXPECT_EQ(run(Policy::kEdfPlain, tie, 1, 0), kNoQueue);  // only queue 0 is looked at: empty
}

// ---------------------------------------------------------------- fifo

TEST(PolicyFifo, EarliestArrivalWhateverTheDeadlines) {
  // Queue 0 (tight budget) arrived after queue 2 (loose budget): fifo serves queue 2.
  FakeQueues q = queues({{110, 100, 0}, {}, {1000, 50, 0}});
  EXPECT_EQ(run(Policy::kFifo, q, 3, 120), 2u);
  FakeQueues tie = queues({{}, {500, 7, 0}, {100, 7, 0}});
  EXPECT_EQ(run(Policy::kFifo, tie, 3, 0), 1u);  // same arrival: lower index
}

TEST(PolicyFifo, OneSharedQueueIsServedAsItIs) {
  // edfpipe's fifo layout: one queue, every class in it.
  FakeQueues q = queues({{5000, 3, 0}});
  EXPECT_EQ(run(Policy::kFifo, q, 1, 9999), 0u);
}

// ---------------------------------------------------------------- priority

TEST(PolicyPriority, LowestNonEmptyIndexAndNothingBeyondIsRead) {
  FakeQueues q = queues({{}, {900, 0, 0}, {10, 0, 0}, {5, 0, 0}});
  EXPECT_EQ(run(Policy::kPriority, q, 4, 1000), 1u);  // late or not, earlier deadlines or not
  EXPECT_EQ(q.deadline_reads, 2u);                    // queues 2 and 3 were not refilled
  FakeQueues low_only = queues({{}, {}, {}, {5, 0, 0}});
  EXPECT_EQ(run(Policy::kPriority, low_only, 4, 0), 3u);
}

// ---------------------------------------------------------------- llf

TEST(PolicyLlf, LeastLaxityFirst) {
  FakeClock clock{100};
  // A: deadline 1000, no work left: laxity 900. B: deadline 1500, 600 of work: laxity 800.
  FakeQueues q = queues({{1000, 0, 0}, {1500, 0, 600}});
  EXPECT_EQ(run(Policy::kLlf, q, 2, clock.t), 1u);
  EXPECT_EQ(run(Policy::kEdfPlain, q, 2, clock.t), 0u);  // where it differs from EDF
  // Laxity falls with the clock alike for every head: the order stays.
  clock.tick(5000);
  EXPECT_EQ(run(Policy::kLlf, q, 2, clock.t), 1u);
  // B's work partly done (a preempted packet): laxity 1500 - 200 = 1300 + now vs 1000 + now.
  q.h[1].work = 200;
  EXPECT_EQ(run(Policy::kLlf, q, 2, clock.t), 0u);
}

TEST(PolicyLlf, WithoutWorkItIsPlainEdfAndTiesGoToLowerIndex) {
  FakeQueues q = queues({{101, 0, 0}, {}, {95, 0, 0}});  // fwd: work 0
  EXPECT_EQ(run(Policy::kLlf, q, 3, 100), 2u);
  FakeQueues tie = queues({{700, 0, 200}, {600, 0, 100}});  // both 500 - now
  EXPECT_EQ(run(Policy::kLlf, tie, 2, 0), 0u);
  // Work larger than the deadline itself: negative laxity, no wrap-around.
  FakeQueues neg = queues({{50, 0, 0}, {40, 0, 1000}});
  EXPECT_EQ(run(Policy::kLlf, neg, 2, 60), 1u);
}

// ---------------------------------------------------------------- each policy against a reference

// Laxity computed without overflow whatever the operands (the policy itself works on int64).
__extension__ typedef __int128 Wide;

// The policy's definition as a key to minimise over non-empty heads, ties to the lower index.
size_t reference(Policy p, const FakeQueues& q, size_t n, uint64_t now) {
  struct Cand {
    size_t i;
    Wide key;
  };
  std::vector<Cand> c;
  for (size_t i = 0; i < n; ++i) {
    const Head& h = q.h[i];
    if (h.deadline == kEmpty) continue;
    Wide key = 0;
    switch (p) {
      case Policy::kEdfPlain: key = h.deadline; break;
      case Policy::kFifo: key = h.arrival; break;
      case Policy::kPriority: key = static_cast<Wide>(i); break;
      case Policy::kLlf: key = static_cast<Wide>(h.deadline) - now - h.work; break;
      case Policy::kEdf:  // the earliest head, unless late and a higher class has a head
        key = h.deadline;
        break;
    }
    c.push_back({i, key});
  }
  if (c.empty()) return kNoQueue;
  std::stable_sort(c.begin(), c.end(), [](const Cand& a, const Cand& b) { return a.key < b.key; });
  if (p != Policy::kEdf || q.h[c[0].i].deadline >= now) return c[0].i;
  for (const Cand& x : c)  // in deadline order: the first on-time head of a higher class
    if (x.i < c[0].i && q.h[x.i].deadline >= now) return x.i;
  for (const Cand& x : c)  // none on time: the first head of a higher class, late as it is
    if (x.i < c[0].i) return x.i;
  return c[0].i;
}

void random_against_reference(Policy p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 100000; ++round) {
    FakeQueues q;
    const size_t n = rng() % 9;  // 0..8 queues
    // Small ranges make ties and late heads frequent; sometimes wide ones test the arithmetic.
    const bool wide = rng() % 8 == 0;
    const uint64_t range = wide ? (uint64_t{1} << 62) : 64;
    for (size_t i = 0; i < 8; ++i) {
      if (rng() % 4 == 0) continue;  // empty
      q.h[i] = {rng() % range, rng() % range, rng() % 3 == 0 ? 0 : rng() % range};
    }
    const uint64_t now = rng() % range;
    const FakeQueues before = q;
    ASSERT_EQ(pick(p, q, n, now), reference(p, before, n, now)) << to_string(p) << " round " << round;
    ASSERT_FALSE(q.contract_broken) << to_string(p) << " round " << round;
  }
}

TEST(PolicyRandom, EdfMatchesReference) { random_against_reference(Policy::kEdf, 1); }
TEST(PolicyRandom, EdfPlainMatchesReference) { random_against_reference(Policy::kEdfPlain, 2); }
TEST(PolicyRandom, FifoMatchesReference) { random_against_reference(Policy::kFifo, 3); }
TEST(PolicyRandom, PriorityMatchesReference) { random_against_reference(Policy::kPriority, 4); }
TEST(PolicyRandom, LlfMatchesReference) { random_against_reference(Policy::kLlf, 5); }

}  // namespace
}  // namespace edf
