// Tests for Egress on a fake clock and a fake NIC: refused packets are retried and hold back new
// ones for retry_tsc, then given up; a port that takes nothing for stall_tsc is stalled once and
// probed by the highest-priority backlogged queue alone; the first packet taken starts catch-up in
// strict queue order, after which DRR restarts at queue 0; a congested port never stalls; the
// token bucket paces on the fake clock; nothing is lost or duplicated.
#include "edf/egress.h"

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <vector>

namespace edf {
namespace {

constexpr size_t kQueues = 4;
constexpr size_t kBurst = 8;

// A packet: its queue and a sequence number, and its size in bytes.
struct Pkt {
  uint32_t queue = 0;
  uint32_t seq = 0;
  uint32_t bytes = 100;
};

struct FakeQueues {
  std::array<std::deque<Pkt>, kQueues> q;
  uint32_t next_seq = 0;
  void push(uint32_t queue, size_t n, uint32_t bytes = 100) {
    for (size_t i = 0; i < n; ++i) q[queue].push_back({queue, next_seq++, bytes});
  }
  std::optional<uint32_t> head_bytes(size_t i) {
    if (q[i].empty()) return std::nullopt;
    return q[i].front().bytes;
  }
  Pkt pop(size_t i) {
    Pkt p = q[i].front();
    q[i].pop_front();
    return p;
  }
  size_t size() const {
    size_t n = 0;
    for (const auto& d : q) n += d.size();
    return n;
  }
};

// Takes at most `accept` packets per send (unlimited when negative); records everything.
struct FakePort {
  long accept = -1;
  std::vector<Pkt> sent;
  std::vector<Pkt> given_up;
  size_t stalls = 0;
  size_t sends = 0;
  size_t send(Pkt* pkts, size_t n, uint64_t) {
    ++sends;
    const size_t take = accept < 0 ? n : std::min<size_t>(n, static_cast<size_t>(accept));
    sent.insert(sent.end(), pkts, pkts + take);
    return take;
  }
  void give_up(Pkt* pkts, size_t n) { given_up.insert(given_up.end(), pkts, pkts + n); }
  void stalled() { ++stalls; }
};

constexpr uint64_t kRetry = 100;
constexpr uint64_t kStall = 1000;
constexpr uint32_t kCatchUp = 20;

Egress<Pkt, kQueues, 256> make_egress(std::array<uint32_t, kQueues> quanta = {1000, 1000, 1000, 1000}) {
  Egress<Pkt, kQueues, 256> e;
  e.configure({kBurst, kRetry, kStall, kCatchUp});
  e.drr().set_quanta(quanta);
  return e;
}

TEST(Egress, NormalServiceIsDrrOfAtMostOneBurst) {
  auto e = make_egress();
  FakeQueues q;
  FakePort port;
  q.push(0, 20);
  q.push(1, 20);
  EXPECT_EQ(e.poll(q, port, 10), kBurst);
  EXPECT_EQ(port.sent.size(), kBurst);
  // Quantum 1000 = ten 100-byte packets: the first turn of queue 0 fills the burst.
  for (const Pkt& p : port.sent) EXPECT_EQ(p.queue, 0u);
  EXPECT_EQ(e.mode(), decltype(e)::Mode::kNormal);
  EXPECT_EQ(e.last_progress_tsc(), 10u);
}

TEST(Egress, RefusedPacketsHoldBackNewOnesThenAreGivenUp) {
  auto e = make_egress();
  FakeQueues q;
  FakePort port;
  q.push(0, 30);
  port.accept = 3;
  ASSERT_EQ(e.poll(q, port, 1000), kBurst);  // 3 taken, 5 pending
  EXPECT_EQ(e.pending(), 5u);
  const size_t queued = q.size();
  port.accept = 0;
  // Within retry_tsc: only the pending packets are offered, nothing new leaves the queues.
  for (uint64_t t = 1001; t < 1000 + kRetry; t += 10) {
    EXPECT_EQ(e.poll(q, port, t), 0u);
    EXPECT_EQ(q.size(), queued);
    EXPECT_EQ(e.pending(), 5u);
  }
  // At retry_tsc they are given up, in order; the port took something 100 cycles ago: no stall.
  EXPECT_EQ(e.poll(q, port, 1000 + kRetry), 0u);
  ASSERT_EQ(port.given_up.size(), 5u);
  for (size_t k = 0; k < 5; ++k) EXPECT_EQ(port.given_up[k].seq, 3 + k);
  EXPECT_EQ(e.pending(), 0u);
  EXPECT_EQ(port.stalls, 0u);
  EXPECT_EQ(e.mode(), decltype(e)::Mode::kNormal);
}

TEST(Egress, PendingThatGoesThroughLetsNewPacketsFollowInTheSamePoll) {
  auto e = make_egress();
  FakeQueues q;
  FakePort port;
  q.push(0, 30);
  port.accept = 3;
  ASSERT_EQ(e.poll(q, port, 1), kBurst);
  port.accept = -1;
  // The 5 pending go, then a new burst of 8 in the same poll.
  EXPECT_EQ(e.poll(q, port, 2), 5u + kBurst);
  ASSERT_EQ(port.sent.size(), 3u + 5u + kBurst);
  for (size_t k = 0; k < port.sent.size(); ++k) EXPECT_EQ(port.sent[k].seq, k) << "order kept across the retry";
}

// Drives a port that refuses everything from t0 until it is stalled; returns the time.
template <typename E>
uint64_t stall_port(E& e, FakeQueues& q, FakePort& port, uint64_t t0) {
  port.accept = 0;
  uint64_t t = t0;
  while (e.mode() != E::Mode::kStalled && t < t0 + 100 * kStall) {
    (void)e.poll(q, port, t);
    t += kRetry / 4;
  }
  return t;
}

TEST(Egress, APortThatTakesNothingForStallTscIsStalledOnce) {
  auto e = make_egress();
  FakeQueues q;
  FakePort port;
  q.push(0, 5);
  q.push(3, 200);
  ASSERT_EQ(e.poll(q, port, 1), 8u);  // progress at t = 1
  const uint64_t t = stall_port(e, q, port, 2);
  ASSERT_EQ(e.mode(), decltype(e)::Mode::kStalled);
  EXPECT_EQ(port.stalls, 1u);
  // Not before stall_tsc without progress: the last refused burst was given up at or after it.
  EXPECT_GE(t, 1 + kStall);
  // More refused bursts do not count again.
  for (uint64_t u = t; u < t + 5 * kStall; u += kRetry / 4) (void)e.poll(q, port, u);
  EXPECT_EQ(port.stalls, 1u);
}

TEST(Egress, WhileStalledOnlyTheHighestPriorityBackloggedQueueProbes) {
  auto e = make_egress();
  FakeQueues q;
  FakePort port;
  q.push(3, 100);
  uint64_t t = stall_port(e, q, port, 1);
  ASSERT_EQ(e.mode(), decltype(e)::Mode::kStalled);
  q.push(1, 500);
  q.push(2, 50);
  port.given_up.clear();
  for (int i = 0; i < 20; ++i, t += kRetry) (void)e.poll(q, port, t);
  ASSERT_FALSE(port.given_up.empty());
  for (const Pkt& p : port.given_up) EXPECT_EQ(p.queue, 1u) << "only queue 1, the first backlogged, probes";
  EXPECT_EQ(q.q[2].size(), 50u);  // queue 2 keeps its packets
}

TEST(Egress, BackFromAStallQueueZeroFirstThenDrrRestarts) {
  auto e = make_egress({1000, 1000, 1000, 1000});
  FakeQueues q;
  FakePort port;
  q.push(3, 100);
  uint64_t t = stall_port(e, q, port, 1);
  ASSERT_EQ(e.mode(), decltype(e)::Mode::kStalled);
  q.push(0, 12);
  q.push(1, 12);
  q.push(3, 12);
  port.sent.clear();
  port.accept = -1;  // the link is back
  (void)e.poll(q, port, t);
  EXPECT_EQ(e.mode(), decltype(e)::Mode::kCatchUp);
  for (int i = 0; i < 10; ++i) (void)e.poll(q, port, ++t);
  EXPECT_EQ(e.mode(), decltype(e)::Mode::kNormal);
  // The first packets after the stall are queue 0's backlog, in full, before any other queue.
  size_t k = 0;
  while (k < port.sent.size() && port.sent[k].queue == 0) ++k;
  EXPECT_GE(k, 12u);
  ASSERT_LT(k, port.sent.size());
  // Then a fresh DRR round begins at queue 0's successor with whole quanta: queue 1 next.
  EXPECT_EQ(port.sent[k].queue, 1u);
}

TEST(Egress, CatchUpIsBoundedByItsLimit) {
  auto e = make_egress();
  FakeQueues q;
  FakePort port;
  q.push(3, 100);
  uint64_t t = stall_port(e, q, port, 1);
  q.push(0, 200);  // far more than the catch-up limit
  q.push(2, 10);
  port.accept = -1;
  port.sent.clear();
  auto first_of_queue_2 = [&] {
    for (size_t k = 0; k < port.sent.size(); ++k)
      if (port.sent[k].queue == 2) return k;
    return port.sent.size();
  };
  for (int i = 0; i < 40 && first_of_queue_2() == port.sent.size(); ++i) (void)e.poll(q, port, ++t);
  // Queue 0 went first: the stalled probe's burst, kCatchUp in strict order, then one DRR turn
  // of queue 0 (quantum 1000 = 10 packets of 100 bytes); then queue 2 had its turn although queue 0
  // still had a backlog: the limit, not an empty queue 0, ended the strict order.
  EXPECT_EQ(first_of_queue_2(), kBurst + kCatchUp + 10);
  EXPECT_GT(q.q[0].size(), 100u);
  EXPECT_EQ(e.mode(), decltype(e)::Mode::kNormal);
}

TEST(Egress, ACongestedPortNeverStalls) {
  auto e = make_egress();
  FakeQueues q;
  FakePort port;
  port.accept = 1;  // takes one packet a poll: slow, not stuck
  q.push(0, 2000);
  for (uint64_t t = 1; t < 50 * kStall; t += kRetry / 2) (void)e.poll(q, port, t);
  EXPECT_EQ(port.stalls, 0u);
  EXPECT_EQ(e.mode(), decltype(e)::Mode::kNormal);
  EXPECT_GT(port.sent.size(), 100u);
}

TEST(Egress, TokenBucketPacesOnTheFakeClock) {
  auto e = make_egress();
  // 8000 bit/s = 1000 B/s with a 2048-byte bucket, on a 1 MHz clock.
  e.bucket().configure(8000, 2048, 1000000, 0);
  FakeQueues q;
  FakePort port;
  q.push(0, 100, 500);
  (void)e.poll(q, port, 0);
  EXPECT_EQ(port.sent.size(), 4u);  // 2048 bytes of bucket: four 500-byte packets
  for (uint64_t t = 1; t <= 10000000; t += 10000) (void)e.poll(q, port, t);  // 10 s later
  // 2048 + 10 s * 1000 B/s = 12048 bytes: 24 packets of 500 bytes.
  EXPECT_EQ(port.sent.size(), 24u);
}

TEST(Egress, EveryPacketIsSentGivenUpPendingOrQueuedExactlyOnce) {
  auto e = make_egress({300, 700, 1500, 100});
  FakeQueues q;
  FakePort port;
  uint32_t pushed = 0;
  uint64_t t = 1;
  uint32_t rnd = 12345;
  auto next = [&] { return rnd = rnd * 1103515245u + 12345u, (rnd >> 16) & 0x7fff; };
  for (int i = 0; i < 20000; ++i, t += 1 + next() % 60) {
    if (next() % 3 == 0) {
      const uint32_t n = next() % 10;
      q.push(next() % kQueues, n, 64 + next() % 1400);
      pushed += n;
    }
    // Outages of a few thousand cycles now and then, otherwise a port that takes a random share.
    const bool outage = (t / 5000) % 7 == 3;
    port.accept = outage ? 0 : static_cast<long>(next() % 10);
    (void)e.poll(q, port, t);
  }
  std::vector<Pkt> left;
  e.drain_pending([&](Pkt* p, size_t n) { left.insert(left.end(), p, p + n); });
  const size_t total = port.sent.size() + port.given_up.size() + left.size() + q.size();
  EXPECT_EQ(total, pushed);
  std::vector<bool> seen(pushed, false);
  for (const auto* v : {&port.sent, &port.given_up, &left})
    for (const Pkt& p : *v) {
      ASSERT_LT(p.seq, pushed);
      EXPECT_FALSE(seen[p.seq]) << "packet " << p.seq << " twice";
      seen[p.seq] = true;
    }
  EXPECT_GT(port.stalls, 0u);
  EXPECT_GT(port.given_up.size(), 0u);
}

// FakeQueues that also serve a DRR turn in one call (drr.h's take_while, as edfpipe's TX
// queues do), taking at most a random few heads a call so that DRR often finishes the turn.
struct RunQueues : FakeQueues {
  uint32_t rnd = 99;
  size_t taken = 0;
  template <typename Admit>
  size_t take_while(size_t i, uint64_t& deficit, size_t max, Admit& admit, Pkt* out) {
    rnd = rnd * 1103515245u + 12345u;
    const size_t cap = (rnd >> 16) % 6;
    size_t k = 0;
    while (k < max && k < cap && !q[i].empty() && q[i].front().bytes <= deficit && admit(q[i].front().bytes)) {
      deficit -= q[i].front().bytes;
      out[k++] = pop(i);
    }
    taken += k;
    return k;
  }
};

// The same traffic through an egress whose queues serve runs in one call: the NIC sees the same
// packets in the same order, with refusals, outages, stalls, catch-up and the token bucket.
TEST(Egress, QueuesThatTakeRunsSendWhatPacketByPacketSends) {
  auto plain = make_egress({300, 700, 1500, 100});
  auto runs = make_egress({300, 700, 1500, 100});
  plain.bucket().configure(800000000, 16384, 1000000, 0);  // 100 B per cycle of a 1 MHz clock: it paces at times
  runs.bucket().configure(800000000, 16384, 1000000, 0);
  FakeQueues qa;
  RunQueues qb;
  FakePort pa, pb;
  uint64_t t = 1;
  uint32_t rnd = 4242;
  auto next = [&] { return rnd = rnd * 1103515245u + 12345u, (rnd >> 16) & 0x7fff; };
  for (int i = 0; i < 20000; ++i, t += 1 + next() % 60) {
    if (next() % 2 == 0) {
      const uint32_t n = next() % 12, queue = next() % kQueues, bytes = 64 + next() % 1400;
      qa.push(queue, n, bytes);
      qb.push(queue, n, bytes);
    }
    const bool outage = (t / 5000) % 7 == 3;
    pa.accept = pb.accept = outage ? 0 : static_cast<long>(next() % 10);
    ASSERT_EQ(plain.poll(qa, pa, t), runs.poll(qb, pb, t)) << "poll " << i;
  }
  ASSERT_EQ(pa.sent.size(), pb.sent.size());
  for (size_t k = 0; k < pa.sent.size(); ++k) ASSERT_EQ(pa.sent[k].seq, pb.sent[k].seq) << k;
  ASSERT_EQ(pa.given_up.size(), pb.given_up.size());
  EXPECT_GT(pa.stalls, 0u);
  EXPECT_EQ(pa.stalls, pb.stalls);
  EXPECT_GT(qb.taken, pb.sent.size() / 10);  // the one-call path served a good share
}

}  // namespace
}  // namespace edf
