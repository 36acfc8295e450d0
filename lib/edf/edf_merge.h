// edf_merge.h: earliest-deadline-first selection across per-class FIFO queues.
//
// Within one class every packet has the same budget and packets arrive in time order, so each
// class queue is already sorted by deadline and EDF over all packets reduces to a k-way merge:
// take the queue whose head deadline is earliest (Liu and Layland 1973 for EDF; the etf qdisc,
// net/sched/sch_etf.c, applies it to packets). Ties go to the lower class index, which the
// profile orders from the tightest budget. With at most kMaxClasses (8) queues a linear scan of
// the heads beats a heap. Units: TSC cycles (any monotonic clock works). Does not allocate.
//
// Under overload plain EDF degrades badly (the "domino effect"): once a bulk class holds more work
// than its budget, its head is already late, its deadline is earlier than that of any new packet
// of a tight class, and the tight class waits behind stale bulk. pick_edf() keeps EDF but lets a
// late winner yield to a head of a higher-priority class (lower index; the profile lists classes
// tightest budget first), on time if one is, late otherwise: stale bulk never blocks urgent
// packets, fresh or late. With `expired = drop` late packets are dropped instead.
//
// Queues must expose `uint64_t head_deadline(size_t i)`, returning kNoDeadline when empty. The
// worker reaches both picks through edf/policy.h (policies `edf` and `edf-plain`).
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <limits>

namespace edf {

inline constexpr uint64_t kNoDeadline = std::numeric_limits<uint64_t>::max();
inline constexpr size_t kNoQueue = std::numeric_limits<size_t>::max();

// Returns the index of the queue whose head has the earliest deadline, or kNoQueue if all are empty.
template <typename Queues>
[[nodiscard]] size_t pick_earliest(Queues& q, size_t n_queues) {
  size_t best = kNoQueue;
  uint64_t best_deadline = kNoDeadline;
  for (size_t i = 0; i < n_queues; ++i) {
    const uint64_t d = q.head_deadline(i);
    if (d < best_deadline) {
      best_deadline = d;
      best = i;
    }
  }
  return best;
}

// EDF with protection of higher-priority classes: the earliest head; if that head is late
// (deadline < now), a head of a lower-index queue goes first if there is one: the earliest
// on-time one, or, when every one of them is late too, the earliest of them. kNoQueue if all are
// empty. Ties go to the lower index.
//
// The second half matters after a stall: once the high class's own head is late, the stale bulk
// head (whose deadline is older still) would win plain EDF, each high packet would reach its
// queue's head already late, and high would never get back on time while bulk stays overloaded.
// A late urgent head therefore goes ahead of late bulk, as it goes ahead of on-time bulk.
// What pick_edf needs to know to pick the same queue again when only that queue's head changed
// (its next packet came up, the other heads as they were): its next head must be earlier than
// every lower-index head (ties go to the lower index), no later than every higher-index one, and,
// if it is late, no lower-index queue may be waiting (the overload rule would serve that first).
// Sufficient, not necessary: a queue that won through the overload rule is picked again only by a
// full pick. A fwd worker's burst thus takes a run of one queue with one scan of the heads.
struct EdfRun {
  uint64_t below = kNoDeadline;  // the earliest lower-index head
  uint64_t upto = kNoDeadline;   // the earliest higher-index head
  bool lower_waiting = false;    // a lower-index queue has a head
  [[nodiscard]] bool keeps(uint64_t next_head, uint64_t now) const {
    return next_head < below && next_head <= upto && (next_head >= now || !lower_waiting);
  }
};

// pick_edf, and in `run` the condition for picking its answer again (EdfRun). With kNoQueue,
// `run` keeps nothing.
template <typename Queues>
[[nodiscard]] size_t pick_edf_run(Queues& q, size_t n_queues, uint64_t now, EdfRun& run) {
  std::array<uint64_t, 64> heads;  // each head read once
  const size_t n = n_queues < heads.size() ? n_queues : heads.size();
  size_t best = kNoQueue;
  uint64_t best_deadline = kNoDeadline;
  for (size_t i = 0; i < n; ++i) {
    heads[i] = q.head_deadline(i);
    if (heads[i] < best_deadline) {
      best_deadline = heads[i];
      best = i;
    }
  }
  if (best != kNoQueue && best_deadline < now) {
    size_t on_time = kNoQueue, late = kNoQueue;  // the earliest of each among queues before `best`
    for (size_t i = 0; i < best; ++i) {
      if (heads[i] == kNoDeadline) continue;
      size_t& pick = heads[i] >= now ? on_time : late;
      if (pick == kNoQueue || heads[i] < heads[pick]) pick = i;
    }
    if (on_time != kNoQueue) best = on_time;
    else if (late != kNoQueue) best = late;
  }
  run = EdfRun{0, 0, true};  // keeps nothing
  if (best == kNoQueue) return best;
  run = EdfRun{};
  for (size_t i = 0; i < best; ++i) {
    run.below = heads[i] < run.below ? heads[i] : run.below;
    run.lower_waiting = run.lower_waiting || heads[i] != kNoDeadline;
  }
  for (size_t i = best + 1; i < n; ++i) run.upto = heads[i] < run.upto ? heads[i] : run.upto;
  return best;
}

// EDF with protection of higher-priority classes: the earliest head; if that head is late
// (deadline < now), a head of a lower-index queue goes first if there is one: the earliest
// on-time one, or, when every one of them is late too, the earliest of them. kNoQueue if all are
// empty. Ties go to the lower index.
//
// The second half matters after a stall: once the high class's own head is late, the stale bulk
// head (whose deadline is older still) would win plain EDF, each high packet would reach its
// queue's head already late, and high would never get back on time while bulk stays overloaded.
// A late urgent head therefore goes ahead of late bulk, as it goes ahead of on-time bulk.
template <typename Queues>
[[nodiscard]] size_t pick_edf(Queues& q, size_t n_queues, uint64_t now) {
  EdfRun unused;
  return pick_edf_run(q, n_queues, now, unused);
}

}  // namespace edf
