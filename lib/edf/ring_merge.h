// ring_merge.h: one queue as the merge of n rings, each sorted by deadline.
//
// With R RX lcores a worker's class queue is R single-producer rings (one per RX lcore); with W
// workers a TX port's class queue is W rings (one per worker). Each ring is sorted by deadline,
// since its one producer stamps or emits in deadline order, so the queue's head is the earliest of
// the ring heads: a k-way merge, exact EDF within the class whatever R or W. A ring whose head is
// already in progress (a stage yielded on it) keeps its turn until that packet is done, so a
// preempted packet is resumed rather than overtaken by its own class. Ties go to the lower ring.
//
// `head(i)` returns ring i's head deadline, kNoDeadline when it is empty (it may refill from the
// ring: called once per ring per pick). Does not allocate; any lcore; O(n), n <= 8.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edf/edf_merge.h"

namespace edf {

// The head deadline of the merged queue (kNoDeadline if every ring is empty), and in `chosen` the
// ring it comes from. `started(i)`: ring i's head is in progress.
template <typename Head, typename Started>
[[nodiscard]] inline uint64_t merged_head(Head&& head, Started&& started, size_t n, size_t& chosen) {
  for (size_t i = 0; i < n; ++i)
    if (started(i)) {
      chosen = i;
      return head(i);
    }
  uint64_t best = kNoDeadline;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t d = head(i);
    if (d < best) {
      best = d;
      chosen = i;
    }
  }
  return best;
}

}  // namespace edf
