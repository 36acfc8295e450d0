// Tests for Drr: byte shares proportional to quanta under backlog (within one maximum packet plus
// one quantum), no banked credit for idle queues, resumption after an admit() refusal or a burst
// limit that is indistinguishable from never having stopped, and the burst bound.
#include "edf/drr.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <deque>
#include <optional>
#include <random>
#include <vector>

namespace edf {
namespace {

constexpr size_t kQueues = 8;
constexpr uint32_t kMaxPacket = 1518;

// Per-queue FIFOs of packet sizes. With `backlog`, a queue is topped up from a seeded generator
// whenever it runs low, so it is never empty when the scheduler looks. Records every pop.
struct FakeQueues {
  std::array<std::deque<uint32_t>, kQueues> q;
  std::array<uint64_t, kQueues> served_bytes{};
  std::array<uint64_t, kQueues> served_packets{};
  std::vector<size_t> pops;     // queue index of each pop, in order
  size_t last_head_query = 0;   // index of the latest head_bytes() call
  uint64_t head_wraps = 0;      // times the visited index went back down: completed rounds
  bool backlog = false;
  std::array<std::mt19937, kQueues> gen;
  std::array<uint32_t, kQueues> min_size{}, max_size{};

  explicit FakeQueues(uint32_t seed = 1) {
    for (size_t i = 0; i < kQueues; ++i) {
      gen[i].seed(seed + static_cast<uint32_t>(i));
      min_size[i] = 64;
      max_size[i] = kMaxPacket;
    }
  }

  uint32_t next_size(size_t i) {
    std::uniform_int_distribution<uint32_t> d(min_size[i], max_size[i]);
    return d(gen[i]);
  }
  void top_up(size_t i) {
    while (q[i].size() < 4) q[i].push_back(next_size(i));
  }

  std::optional<uint32_t> head_bytes(size_t i) {
    if (i < last_head_query) ++head_wraps;
    last_head_query = i;
    if (backlog && min_size[i] != 0) top_up(i);  // min_size 0: a queue filled by hand
    if (q[i].empty()) return std::nullopt;
    return q[i].front();
  }
  void pop(size_t i) {
    EXPECT_FALSE(q[i].empty()) << "pop of empty queue " << i;
    served_bytes[i] += q[i].front();
    ++served_packets[i];
    q[i].pop_front();
    pops.push_back(i);
  }
};

TEST(Drr, EmptyServesNothing) {
  Drr<8> none;
  FakeQueues fq;
  EXPECT_EQ(none.serve(fq, 32), 0u);  // no queues configured

  const std::array<uint32_t, 4> quanta{1500, 1500, 1500, 1500};
  Drr<8> drr(quanta);
  EXPECT_EQ(drr.size(), 4u);
  EXPECT_EQ(drr.serve(fq, 32), 0u);
  EXPECT_EQ(drr.serve(fq, 0), 0u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(drr.deficit(i), 0u);
  EXPECT_TRUE(fq.pops.empty());
}

TEST(Drr, ZeroQuantumIsRaisedToOneAndExtraQueuesIgnored) {
  const std::array<uint32_t, 10> quanta{0, 100, 200, 300, 400, 500, 600, 700, 800, 900};
  Drr<8> drr(quanta);
  EXPECT_EQ(drr.size(), 8u);
  EXPECT_EQ(drr.quantum(0), 1u);
  EXPECT_EQ(drr.quantum(7), 700u);
  // Even a quantum of 1 byte gets its packet out eventually.
  FakeQueues fq;
  fq.q[0] = {100};
  EXPECT_EQ(drr.serve(fq, 1), 1u);
  EXPECT_EQ(fq.pops, std::vector<size_t>{0});
}

TEST(Drr, MaxPacketsBoundIsRespected) {
  const std::array<uint32_t, 3> quanta{100000, 100000, 100000};
  Drr<8> drr(quanta);
  FakeQueues fq;
  fq.backlog = true;
  std::mt19937 rng(3);
  size_t total = 0;
  for (int i = 0; i < 1000; ++i) {
    const size_t max_packets = rng() % 40;
    const size_t before = fq.pops.size();
    const size_t sent = drr.serve(fq, max_packets);
    EXPECT_EQ(sent, max_packets);  // always backlogged, so the bound is what stops it
    EXPECT_EQ(fq.pops.size() - before, sent);
    total += sent;
  }
  EXPECT_EQ(total, fq.pops.size());
}

// Checks the share bound for queues [0, n) backlogged since the start.
void expect_shares(const Drr<8>& drr, const FakeQueues& fq, size_t n) {
  // Each turn adds one quantum and the deficit is never reset while backlogged, so
  // served + deficit is an exact multiple of the quantum: the number of turns the queue had.
  std::vector<uint64_t> turns(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t credit = fq.served_bytes[i] + drr.deficit(i);
    ASSERT_EQ(credit % drr.quantum(i), 0u) << "queue " << i;
    turns[i] = credit / drr.quantum(i);
  }
  const uint64_t k = *std::min_element(turns.begin(), turns.end());
  for (size_t i = 0; i < n; ++i) {
    // All queues have had K turns, some K + 1; and the turns agree with the rounds the fake
    // queues saw the scheduler complete.
    EXPECT_LE(turns[i], k + 1) << "queue " << i;
    EXPECT_TRUE(turns[i] == fq.head_wraps || turns[i] == fq.head_wraps + 1)
        << "queue " << i << " turns " << turns[i] << " rounds " << fq.head_wraps;
    // The share bound: after K rounds, within one maximum packet plus one quantum of K * quantum.
    const double expected = static_cast<double>(k) * drr.quantum(i);
    const double tolerance = kMaxPacket + drr.quantum(i);
    EXPECT_NEAR(static_cast<double>(fq.served_bytes[i]), expected, tolerance)
        << "queue " << i << " after " << k << " rounds";
  }
}

TEST(Drr, SharesAreProportionalToQuantaUnderBacklog) {
  // Mixed sizes: fixed minimum frames, fixed maximum frames, uniform, and mostly large; quanta
  // both above and below the largest packet.
  const std::array<uint32_t, 6> quanta{1500, 3000, 4500, 600, 9000, 64};
  Drr<8> drr(quanta);
  FakeQueues fq(42);
  fq.backlog = true;
  fq.min_size[0] = fq.max_size[0] = 64;
  fq.min_size[1] = fq.max_size[1] = kMaxPacket;
  fq.min_size[3] = 1000;
  std::mt19937 rng(5);
  for (int call = 0; call < 20000; ++call) {
    (void)drr.serve(fq, 1 + rng() % 64);
    if (call % 1000 == 999) expect_shares(drr, fq, quanta.size());
  }
  expect_shares(drr, fq, quanta.size());
  ASSERT_GT(fq.head_wraps, 100u);
  // Long-run ratios: queue 4 (9000) gets 6x queue 0 (1500) in bytes, to within the bound.
  const double ratio = static_cast<double>(fq.served_bytes[4]) / static_cast<double>(fq.served_bytes[0]);
  EXPECT_NEAR(ratio, 6.0, 6.0 * 0.02);
}

TEST(Drr, ExactFitIsSentInTheSameTurn) {
  // A head packet exactly as large as the deficit goes now (Shreedhar and Varghese: "while
  // size <= deficit"), so quantum == packet size sends one packet per turn, strictly alternating.
  const std::array<uint32_t, 3> quanta{1500, 3000, 1500};
  Drr<8> drr(quanta);
  FakeQueues fq;
  for (size_t i = 0; i < 3; ++i) fq.q[i].assign(100, 1500);
  EXPECT_EQ(drr.serve(fq, 12), 12u);
  EXPECT_EQ(fq.pops, (std::vector<size_t>{0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2}));
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(drr.deficit(i), 0u) << i;
}

TEST(Drr, IdleQueueDoesNotBankCredit) {
  const std::array<uint32_t, 3> quanta{1500, 1500, 3000};
  Drr<8> drr(quanta);
  FakeQueues fq(9);
  fq.backlog = true;
  fq.min_size[2] = 0;  // queue 2 is not topped up: filled by hand below
  // Queue 2 sends one small packet, then is found empty and must lose its leftover deficit.
  fq.q[2] = {100};
  for (int i = 0; i < 50; ++i) (void)drr.serve(fq, 16);
  ASSERT_EQ(fq.served_packets[2], 1u);
  EXPECT_EQ(drr.deficit(2), 0u);
  // Idle for many more rounds while the others are busy.
  for (int i = 0; i < 500; ++i) (void)drr.serve(fq, 16);
  EXPECT_EQ(drr.deficit(2), 0u);
  // Now it becomes backlogged with minimum frames; its first turn is worth one quantum, not the
  // credit of the rounds it sat out.
  for (int i = 0; i < 1000; ++i) fq.q[2].push_back(64);
  const uint64_t served_before = fq.served_bytes[2];
  fq.pops.clear();
  for (int i = 0; i < 200 && fq.pops.size() < 200; ++i) (void)drr.serve(fq, 1);
  // The first run of consecutive queue-2 pops is one turn.
  size_t first = 0;
  while (first < fq.pops.size() && fq.pops[first] != 2) ++first;
  ASSERT_LT(first, fq.pops.size());
  size_t run = 0;
  while (first + run < fq.pops.size() && fq.pops[first + run] == 2) ++run;
  EXPECT_EQ(run, 3000u / 64u);  // floor(quantum / 64) frames, exactly
  EXPECT_GT(fq.served_bytes[2], served_before);
}

// A zero-byte head is a packet, not an empty queue: it is popped (RX then counts it as a runt),
// and the packets behind it are served. Were 0 read as "empty", the queue would stop for good.
TEST(Drr, ZeroByteHeadIsServedNotMistakenForEmpty) {
  const std::array<uint32_t, 2> quanta{1500, 1500};
  Drr<8> drr(quanta);
  FakeQueues fq;
  fq.q[0] = {64, 0, 64};
  fq.q[1] = {0};
  EXPECT_EQ(drr.serve(fq, 32), 4u);
  EXPECT_EQ(fq.pops, (std::vector<size_t>{0, 0, 0, 1}));
  EXPECT_TRUE(fq.q[0].empty());
  EXPECT_TRUE(fq.q[1].empty());
  // Also when the zero-byte packet is the only thing a queue ever holds, in any position.
  for (size_t at = 0; at < 3; ++at) {
    FakeQueues g;
    g.q[at % 2] = {0, 0, 0};
    Drr<8> d(quanta);
    EXPECT_EQ(d.serve(g, 32), 3u) << at;
  }
}

TEST(Drr, AdmitRefusalResumesAtTheSameQueueWithTheSameDeficit) {
  const std::array<uint32_t, 3> quanta{4000, 2000, 3000};
  Drr<8> drr(quanta);
  FakeQueues fq(11);
  fq.backlog = true;
  (void)drr.serve(fq, 5);
  // Refuse the very next packet.
  const size_t before = fq.pops.size();
  uint32_t refused_bytes = 0;
  EXPECT_EQ(drr.serve(fq, 32, [&](uint32_t b) { refused_bytes = b; return false; }), 0u);
  EXPECT_EQ(fq.pops.size(), before);
  const size_t refused_queue = fq.last_head_query;
  ASSERT_EQ(fq.q[refused_queue].front(), refused_bytes);
  const uint64_t deficit = drr.deficit(refused_queue);
  ASSERT_GE(deficit, refused_bytes);  // it was refused by admit, not by DRR
  // The next call starts with that very packet and charges it to the deficit it had.
  EXPECT_EQ(drr.serve(fq, 1), 1u);
  EXPECT_EQ(fq.pops.back(), refused_queue);
  EXPECT_EQ(drr.deficit(refused_queue), deficit - refused_bytes);
}

TEST(Drr, InterruptedServingMatchesUninterrupted) {
  // Stopping early (burst bound or admit refusal) must not change the order: a scheduler stopped
  // at random points pops exactly the sequence of one that never stops. Seeded random walk.
  const std::array<uint32_t, 5> quanta{1500, 700, 3000, 64, 10000};
  Drr<8> smooth(quanta), choppy(quanta);
  FakeQueues a(77), b(77);
  a.backlog = b.backlog = true;
  // Queue 3 is finite, so both schedulers see it run dry at the same point in the order.
  a.min_size[3] = b.min_size[3] = 0;
  for (uint32_t i = 0; i < 300; ++i) {
    a.q[3].push_back(64 + i);
    b.q[3].push_back(64 + i);
  }
  std::mt19937 rng(123);
  uint64_t refusals = 0;
  while (b.pops.size() < 200000) {
    const size_t max_packets = rng() % 48;
    const uint32_t allow = rng() % 8;  // admit this many, then refuse
    uint32_t admitted = 0;
    (void)choppy.serve(b, max_packets, [&](uint32_t) {
      if (admitted == allow) {
        ++refusals;
        return false;
      }
      ++admitted;
      return true;
    });
  }
  (void)smooth.serve(a, b.pops.size());
  ASSERT_EQ(a.pops.size(), b.pops.size());
  for (size_t i = 0; i < a.pops.size(); ++i) ASSERT_EQ(a.pops[i], b.pops[i]) << "pop " << i;
  EXPECT_EQ(a.served_bytes, b.served_bytes);
  EXPECT_GT(refusals, 1000u);
  EXPECT_EQ(b.served_packets[3], 300u);
}

// FakeQueues that can also serve a turn in one call (drr.h's optional take_while). It takes at
// most what it holds without a top-up, and at most `cap` heads a call (random), so it often stops
// early and DRR's own loop has to finish the turn, as with edfpipe's staged TX queues.
struct RunQueues : FakeQueues {
  using FakeQueues::FakeQueues;
  std::mt19937 cap_gen{5};
  uint64_t runs = 0;  // heads popped by take_while
  template <typename Admit>
  size_t take_while(size_t i, uint64_t& deficit, size_t max, Admit& admit) {
    const size_t cap = cap_gen() % 6;
    size_t k = 0;
    while (k < max && k < cap && !q[i].empty() && q[i].front() <= deficit && admit(q[i].front())) {
      deficit -= q[i].front();
      pop(i);
      ++k;
    }
    runs += k;
    return k;
  }
};

// Serving runs in one call changes nothing: with random bursts, admit() refusals and a queue that
// runs dry, the pops and every deficit are those of the packet-by-packet loop.
TEST(Drr, RunsTakenInOneCallMatchPacketByPacket) {
  const std::array<uint32_t, 5> quanta{1500, 700, 3000, 64, 10000};
  Drr<8> plain(quanta), bulk(quanta);
  FakeQueues a(31);
  RunQueues b(31);
  a.backlog = b.backlog = true;
  a.min_size[3] = b.min_size[3] = 0;  // queue 3 is finite
  for (uint32_t i = 0; i < 300; ++i) {
    a.q[3].push_back(64 + i);
    b.q[3].push_back(64 + i);
  }
  std::mt19937 rng(8);
  for (int call = 0; call < 20000; ++call) {
    const size_t max_packets = rng() % 48;
    const auto allow = static_cast<uint32_t>(rng() % 40);  // admit this many, then refuse
    uint32_t admitted_a = 0, admitted_b = 0;
    const size_t sa = plain.serve(a, max_packets, [&](uint32_t) { return admitted_a < allow && ++admitted_a; });
    const size_t sb = bulk.serve(b, max_packets, [&](uint32_t) { return admitted_b < allow && ++admitted_b; });
    ASSERT_EQ(sa, sb) << "call " << call;
    ASSERT_EQ(plain.current(), bulk.current()) << "call " << call;
    for (size_t i = 0; i < quanta.size(); ++i) ASSERT_EQ(plain.deficit(i), bulk.deficit(i)) << "call " << call;
  }
  ASSERT_EQ(a.pops, b.pops);
  EXPECT_EQ(a.served_bytes, b.served_bytes);
  EXPECT_GT(b.runs, b.pops.size() / 4);  // the one-call path did a good share of the work
}

TEST(Drr, PacketsAreConservedAndFifoWithinAQueue) {
  // Finite random queues, served to empty: every packet comes out once, in order per queue.
  const std::array<uint32_t, 4> quanta{500, 1500, 2500, 128};
  Drr<8> drr(quanta);
  FakeQueues fq(5);
  std::mt19937 rng(99);
  std::array<std::vector<uint32_t>, kQueues> expected;
  for (size_t i = 0; i < 4; ++i)
    for (size_t k = 0, n = rng() % 500; k < n; ++k) {
      const auto size = static_cast<uint32_t>(64 + rng() % 1455);
      fq.q[i].push_back(size);
      expected[i].push_back(size);
    }
  // Replay pops to rebuild each queue's output order.
  std::array<std::vector<uint32_t>, kQueues> got;
  std::array<std::deque<uint32_t>, kQueues> copy = fq.q;
  size_t total = 0;
  while (true) {
    const size_t sent = drr.serve(fq, 1 + rng() % 32);
    if (sent == 0) break;
    total += sent;
  }
  for (size_t idx : fq.pops) {
    got[idx].push_back(copy[idx].front());
    copy[idx].pop_front();
  }
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(got[i], expected[i]) << "queue " << i;
    EXPECT_TRUE(fq.q[i].empty());
    EXPECT_EQ(drr.deficit(i), 0u);  // found empty at the end
  }
  EXPECT_EQ(total, expected[0].size() + expected[1].size() + expected[2].size() + expected[3].size());
}

TEST(Drr, RestartBeginsANewRoundAtQueueZeroWithNoCredit) {
  const std::array<uint32_t, 3> quanta{3000, 3000, 3000};
  Drr<8> drr(quanta);
  FakeQueues fq;
  for (size_t i = 0; i < 3; ++i) fq.q[i] = std::deque<uint32_t>(10, 1000);
  // Serve into the middle of queue 1's turn: queue 0 sent 3, queue 1 sent 1 and keeps 2000 bytes.
  ASSERT_EQ(drr.serve(fq, 4), 4u);
  ASSERT_EQ(drr.current(), 1u);
  ASSERT_EQ(drr.deficit(1), 2000u);
  drr.restart();
  EXPECT_EQ(drr.current(), 0u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(drr.deficit(i), 0u) << "queue " << i;
  // Without the restart the next pop would be queue 1's; now queue 0 gets a full quantum first.
  fq.pops.clear();
  ASSERT_EQ(drr.serve(fq, 4), 4u);
  EXPECT_EQ(fq.pops, (std::vector<size_t>{0, 0, 0, 1}));
}

TEST(ServeInOrder, DrainsQueuesInIndexOrder) {
  FakeQueues fq;
  fq.q[0] = {100, 200};
  fq.q[1] = {};
  fq.q[2] = {300, 400, 500};
  fq.q[3] = {600};
  auto always = [](uint32_t) { return true; };
  EXPECT_EQ(serve_in_order(fq, 4, 4, always), 4u);  // the bound stops it inside queue 2
  EXPECT_EQ(fq.pops, (std::vector<size_t>{0, 0, 2, 2}));
  fq.q[0] = {700};  // a new head in queue 0 goes before the rest of queue 2
  EXPECT_EQ(serve_in_order(fq, 4, 32, always), 3u);
  EXPECT_EQ(fq.pops, (std::vector<size_t>{0, 0, 2, 2, 0, 2, 3}));
  EXPECT_EQ(serve_in_order(fq, 4, 32, always), 0u);
  // Queues past n_queues are not looked at.
  fq.q[5] = {100};
  EXPECT_EQ(serve_in_order(fq, 4, 32, always), 0u);
  EXPECT_EQ(fq.q[5].size(), 1u);
}

TEST(ServeInOrder, StopsAtTheFirstRefusal) {
  FakeQueues fq;
  fq.q[0] = {100, 1000, 100};
  fq.q[1] = {50};
  uint32_t tokens = 600;
  auto admit = [&](uint32_t bytes) {
    if (bytes > tokens) return false;
    tokens -= bytes;
    return true;
  };
  // The 1000-byte head of queue 0 is refused: nothing from queue 1 may overtake it.
  EXPECT_EQ(serve_in_order(fq, 2, 32, admit), 1u);
  EXPECT_EQ(fq.pops, std::vector<size_t>{0});
  tokens = 10000;
  EXPECT_EQ(serve_in_order(fq, 2, 32, admit), 3u);
  EXPECT_EQ(fq.pops, (std::vector<size_t>{0, 0, 0, 1}));
}

TEST(ServeInOrder, ZeroByteHeadIsServed) {
  FakeQueues fq;
  fq.q[0] = {0, 100};
  fq.q[1] = {0};
  EXPECT_EQ(serve_in_order(fq, 2, 32, [](uint32_t) { return true; }), 3u);
  EXPECT_EQ(fq.pops, (std::vector<size_t>{0, 0, 1}));
}

}  // namespace
}  // namespace edf
