// edf_merge.h: earliest-deadline-first selection across per-class FIFO queues.
//
// Within one class every packet has the same budget and packets arrive in time order, so each
// class queue is already sorted by deadline and EDF over all packets reduces to a k-way merge:
// take the queue whose head deadline is earliest (Liu and Layland 1973 for EDF; the etf qdisc,
// net/sched/sch_etf.c, applies it to packets). Ties go to the lower class index, which the
// profile orders from the tightest budget. With at most kMaxClasses (8) queues a linear scan of
// the heads beats a heap. Units: TSC cycles (any monotonic clock works). Does not allocate.
//
// Queues must expose `uint64_t head_deadline(size_t i)`, returning kNoDeadline when empty.
#pragma once

#include <cstddef>
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

}  // namespace edf
