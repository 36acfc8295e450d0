// policy_fifo.h: the `fifo` scheduling policy: first come, first served.
//
// In edfpipe, `scheduling = fifo` is a layout before it is a policy: every class shares ONE queue
// per worker (edf/plan.cc, queue_of), the egress DRR degenerates to a plain FIFO (quantum 1), and
// the worker serves that queue in arrival order -- the baseline without DRR or EDF. With one queue
// this pick is trivially that queue. Over several queues (the unit tests, or any future layout) it
// is defined as earliest arrival first: the head that arrived first, ties to the lower index -- the
// FCFS discipline of queueing theory (Kleinrock, "Queueing Systems", vol. 1, 1975), which over
// per-class FIFOs is again a k-way merge, this time by arrival time.
//
// Reads: head_deadline(i) (to refill and detect empty queues), then head_arrival(i) of non-empty
// heads. Ignores now. Units: TSC cycles. Stateless; does not allocate. Any lcore.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edf/edf_merge.h"

namespace edf {

struct PolicyFifo {
  template <typename Queues>
  [[nodiscard]] static size_t pick(Queues& q, size_t n_queues, uint64_t /*now*/) {
    size_t best = kNoQueue;
    uint64_t best_arrival = 0;
    for (size_t i = 0; i < n_queues; ++i) {
      if (q.head_deadline(i) == kNoDeadline) continue;
      const uint64_t a = q.head_arrival(i);
      if (best == kNoQueue || a < best_arrival) {
        best = i;
        best_arrival = a;
      }
    }
    return best;
  }
};

}  // namespace edf
