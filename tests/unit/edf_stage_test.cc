// Tests for edf_stage.h's loop on a fake clock: EDF order, expiry checked when a packet starts
// (drop or late) and only then, time slices with preemption and exact resumption, a stage's own
// drops, the burst bound, and no clock read without a stage that works.
#include "edf/edf_stage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <deque>
#include <string>
#include <vector>

namespace edf {
namespace {

struct Pkt {
  int id = 0;
  uint64_t deadline = 0;
  uint64_t work = 0;       // fake-clock units of stage work
  bool drop_me = false;    // the stage drops it under reason 3
};

// A worker over up to 4 queues on a fake clock; the stage consumes work from the clock.
struct FakeWorker {
  std::array<std::deque<Pkt*>, 4> queues;
  std::array<bool, 4> started_{};
  std::array<uint64_t, 4> resume_{};
  bool expire_drop = false;
  bool work = true;
  uint64_t now = 0;
  int clock_reads = 0;
  std::vector<int> emitted, expired_ids, late_ids, dropped_ids;
  std::vector<uint32_t> drop_reasons;
  std::vector<uint64_t> resume_seen;  // *resume at each process call

  size_t pick(uint64_t) {  // earliest head deadline, ties to the lower queue
    size_t best = kNoQueue;
    for (size_t i = 0; i < queues.size(); ++i)
      if (!queues[i].empty() && (best == kNoQueue || queues[i].front()->deadline < queues[best].front()->deadline)) best = i;
    return best;
  }
  static size_t ring(size_t qi) { return qi; }
  Pkt* head(size_t i) { return queues[i].front(); }
  void pop(size_t i) { queues[i].pop_front(); }
  bool& started(size_t i) { return started_[i]; }
  uint64_t& resume(size_t i) { return resume_[i]; }
  static uint64_t deadline(Pkt* p) { return p->deadline; }
  bool expired_drops(Pkt*) const { return expire_drop; }
  bool has_work() const { return work; }
  StageVerdict process(Pkt* p, uint64_t* resume_at, uint64_t until, uint32_t* reason) {
    resume_seen.push_back(*resume_at);
    if (p->drop_me) {
      *reason = 3;
      now += 1;
      return StageVerdict::kDrop;
    }
    const uint64_t left = *resume_at ? *resume_at : p->work;
    const uint64_t can = until > now ? until - now : 0;
    if (left <= can) {
      now += left;
      return StageVerdict::kDone;
    }
    now += can;
    *resume_at = left - can;
    return StageVerdict::kYield;
  }
  uint64_t clock() {
    ++clock_reads;
    return now;
  }
  void late(Pkt* p) { late_ids.push_back(p->id); }
  void expired(Pkt* p) { expired_ids.push_back(p->id); }
  void stage_drop(Pkt* p, uint32_t r) {
    dropped_ids.push_back(p->id);
    drop_reasons.push_back(r);
  }
  void emit(size_t, Pkt* p) { emitted.push_back(p->id); }
};

TEST(EdfStage, ServesEarliestDeadlineFirstUpToTheBurst) {
  std::vector<Pkt> p = {{1, 50, 0}, {2, 10, 0}, {3, 30, 0}, {4, 60, 0}, {5, 20, 0}};
  FakeWorker w;
  w.work = false;
  w.queues[0] = {&p[0], &p[3]};  // each queue sorted by deadline, as a class's ring is
  w.queues[1] = {&p[1], &p[2]};
  w.queues[2] = {&p[4]};
  EdfPollResult r = edf_run(w, 0, 100, 4);
  EXPECT_EQ(r.handled, 4u);
  EXPECT_TRUE(r.busy);
  EXPECT_EQ(w.emitted, (std::vector<int>{2, 5, 3, 1}));
  EXPECT_EQ(w.clock_reads, 0);  // no stage work: the loop's clock only
  r = edf_run(w, 0, 100, 4);
  EXPECT_EQ(w.emitted.back(), 4);
  r = edf_run(w, 0, 100, 4);
  EXPECT_EQ(r.handled, 0u);
  EXPECT_FALSE(r.busy);
}

TEST(EdfStage, ExpiredAtStartIsDroppedBeforeWorkOrDeliveredLate) {
  for (bool drop : {true, false}) {
    std::vector<Pkt> p = {{1, 5, 10}, {2, 500, 10}};
    FakeWorker w;
    w.expire_drop = drop;
    w.now = 100;
    w.queues[0] = {&p[0]};
    w.queues[1] = {&p[1]};
    const EdfPollResult r = edf_run(w, 100, 1000, 8);
    EXPECT_EQ(r.handled, 2u);
    if (drop) {
      EXPECT_EQ(w.expired_ids, std::vector<int>{1});
      EXPECT_EQ(w.emitted, std::vector<int>{2});
      EXPECT_EQ(w.now, 110u);  // only packet 2's work was done
    } else {
      EXPECT_EQ(w.late_ids, std::vector<int>{1});
      EXPECT_EQ(w.emitted, (std::vector<int>{1, 2}));
      EXPECT_EQ(w.now, 120u);
    }
  }
}

TEST(EdfStage, LongPacketYieldsAtTheSliceAndAnUrgentOneOvertakesIt) {
  std::vector<Pkt> p = {{1, 1000, 100}, {2, 200, 5}};
  FakeWorker w;
  w.queues[1] = {&p[0]};
  EdfPollResult r = edf_run(w, 0, 20, 8);  // slice 20 of 100 units
  EXPECT_EQ(r.handled, 0u);
  EXPECT_TRUE(r.busy);
  EXPECT_EQ(w.now, 20u);
  EXPECT_TRUE(w.emitted.empty());
  EXPECT_TRUE(w.started_[1]);
  EXPECT_EQ(w.resume_[1], 80u);
  // An urgent packet arrives in another queue: the next poll serves it first.
  w.queues[0] = {&p[1]};
  r = edf_run(w, w.now, 20, 8);
  ASSERT_FALSE(w.emitted.empty());
  EXPECT_EQ(w.emitted.front(), 2);
  // Then the long one resumes where it stopped (80 left) and finishes in later polls: exactly
  // 100 units of work for it in all.
  while (w.emitted.size() < 2) edf_run(w, w.now, 20, 8);
  EXPECT_EQ(w.emitted, (std::vector<int>{2, 1}));
  EXPECT_EQ(w.now, 105u);
  EXPECT_EQ(w.resume_seen.front(), 0u);  // a new packet starts with resume 0
  EXPECT_EQ(w.resume_seen[2], 80u);      // packet 1's second call, after packet 2's
}

TEST(EdfStage, ExpiryIsCheckedOnlyWhenAPacketStarts) {
  std::vector<Pkt> p = {{1, 30, 100}};  // due at 30, takes 100: expires while being worked on
  FakeWorker w;
  w.expire_drop = true;
  w.queues[0] = {&p[0]};
  while (w.emitted.empty() && w.expired_ids.empty()) edf_run(w, w.now, 20, 8);
  EXPECT_EQ(w.emitted, std::vector<int>{1});  // resumed past its deadline, not dropped
  EXPECT_TRUE(w.expired_ids.empty());
  EXPECT_TRUE(w.late_ids.empty());
}

TEST(EdfStage, StageDropsAreCountedWithTheirReasonAndTheLoopGoesOn) {
  std::vector<Pkt> p = {{1, 10, 1}, {2, 20, 1, true}, {3, 30, 1}};
  FakeWorker w;
  w.queues[0] = {&p[0], &p[1], &p[2]};
  const EdfPollResult r = edf_run(w, 0, 1000, 8);
  EXPECT_EQ(r.handled, 3u);
  EXPECT_EQ(w.emitted, (std::vector<int>{1, 3}));
  EXPECT_EQ(w.dropped_ids, std::vector<int>{2});
  EXPECT_EQ(w.drop_reasons, std::vector<uint32_t>{3});
  EXPECT_FALSE(w.started_[0]);
}

TEST(EdfStage, APollEndsOnceTheSliceIsUsed) {
  std::vector<Pkt> p(10);
  FakeWorker w;
  for (int i = 0; i < 10; ++i) {
    p[static_cast<size_t>(i)] = {i, static_cast<uint64_t>(100 + i), 7};
    w.queues[0].push_back(&p[static_cast<size_t>(i)]);
  }
  const EdfPollResult r = edf_run(w, 0, 20, 32);  // 7 + 7 + 6 of the third: the slice is spent
  EXPECT_EQ(r.handled, 2u);
  EXPECT_EQ(w.now, 20u);
  EXPECT_EQ(w.resume_[0], 1u);
  EXPECT_EQ(w.clock_reads, 3);
}

TEST(EdfStage, RandomLoadConservesPacketsAndWork) {
  // Seeded random queues and works on a fake clock: every packet leaves exactly once (emitted,
  // expired or dropped), and the clock advanced by exactly the work of what was processed: no
  // slice of work is lost or done twice across preemptions.
  uint64_t seed = 7;
  auto rnd = [&](uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  for (int round = 0; round < 50; ++round) {
    std::vector<Pkt> p(200);
    FakeWorker w;
    w.expire_drop = round % 2 == 0;
    uint64_t total_work = 0;
    std::array<uint64_t, 4> last{};
    for (size_t i = 0; i < p.size(); ++i) {
      const size_t q = rnd(4);
      last[q] += rnd(50);
      p[i] = {static_cast<int>(i), last[q] + 200 * (q + 1), rnd(30), rnd(40) == 0};
      w.queues[q].push_back(&p[i]);
    }
    size_t polls = 0;
    while (w.emitted.size() + w.expired_ids.size() + w.dropped_ids.size() < p.size() && polls < 100000) {
      edf_run(w, w.now, 25, 16);
      ++polls;
    }
    ASSERT_EQ(w.emitted.size() + w.expired_ids.size() + w.dropped_ids.size(), p.size()) << round;
    std::vector<int> all = w.emitted;
    all.insert(all.end(), w.expired_ids.begin(), w.expired_ids.end());
    all.insert(all.end(), w.dropped_ids.begin(), w.dropped_ids.end());
    std::sort(all.begin(), all.end());
    for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<int>(i)) << round;
    for (int id : w.emitted) total_work += p[static_cast<size_t>(id)].work;
    // The clock advanced by the emitted packets' work plus one unit per stage drop, no more.
    EXPECT_EQ(w.now, total_work + w.dropped_ids.size()) << round;
  }
}

// A packet a working stage started and yielded, then finished after a switch to a stage without
// work (the shell's `set processing`): its deadline was checked when it started, so it is not
// checked again (no late count, no expiry), and the next packet of its queue starts fresh.
TEST(EdfStage, PacketStartedBeforeASwitchToFwdIsNotCheckedTwice) {
  for (bool drop : {true, false}) {
    std::vector<Pkt> p = {{1, 100, 50}, {2, 100, 0}};
    FakeWorker w;
    w.expire_drop = drop;
    w.queues[0] = {&p[0], &p[1]};
    EdfPollResult r = edf_run(w, 0, 10, 8);  // packet 1 on time, yields after a 10-unit slice
    EXPECT_EQ(r.handled, 0u);
    EXPECT_TRUE(w.started_[0]);
    w.work = false;  // switched to fwd; both heads are now past their deadline
    r = edf_run(w, 200, 10, 8);
    EXPECT_EQ(r.handled, 2u);
    EXPECT_FALSE(w.started_[0]);
    if (drop) {
      EXPECT_EQ(w.emitted, std::vector<int>{1});  // finished: it was on time when it started
      EXPECT_EQ(w.expired_ids, std::vector<int>{2});
      EXPECT_TRUE(w.late_ids.empty());
    } else {
      EXPECT_EQ(w.emitted, (std::vector<int>{1, 2}));
      EXPECT_EQ(w.late_ids, std::vector<int>{2});  // packet 2 only
    }
  }
}

}  // namespace
}  // namespace edf
