// policy_priority.h: the `priority` scheduling policy: strict (fixed) priority by class order.
//
// Picks the lowest-index non-empty queue: the profile lists classes tightest budget first, so
// index 0 is the highest priority, and a lower class is served only when every higher one is
// empty. Deadlines play no part in the choice (they still decide expiry and lateness). This is
// static-priority scheduling (Liu and Layland 1973, sec. 3-4; the prio qdisc, net/sched/
// sch_prio.c, applies it to packets): it can starve lower classes under sustained load of a
// higher one, which is the point of comparing it against EDF.
//
// Reads: head_deadline(i) only to detect empty queues, and stops at the first non-empty one.
// Ignores now. Stateless; does not allocate. Any lcore.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edf/edf_merge.h"

namespace edf {

struct PolicyPriority {
  template <typename Queues>
  [[nodiscard]] static size_t pick(Queues& q, size_t n_queues, uint64_t /*now*/) {
    for (size_t i = 0; i < n_queues; ++i)
      if (q.head_deadline(i) != kNoDeadline) return i;
    return kNoQueue;
  }
};

}  // namespace edf
