// policy_edf.h: the `edf` scheduling policy: earliest deadline first, with protection of
// higher-priority classes under overload (edfpipe's default).
//
// Picks the queue whose head has the earliest deadline (Liu and Layland, "Scheduling Algorithms
// for Multiprogramming in a Hard-Real-Time Environment", JACM 20(1), 1973); if that head is
// already late (deadline < now), a head among lower-index queues (higher-priority classes) goes
// first instead: the earliest on-time one, or if all of them are late the earliest of those. This
// is the overload rule of edf_merge.h's pick_edf():
// plain EDF's "domino effect" (Buttazzo, "Hard Real-Time Computing Systems", 3rd ed., sec. 2.4 and
// 9.1) would let stale bulk block fresh urgent packets. Ties go to the lower index.
//
// Reads: head_deadline(i). Units: TSC cycles. Stateless; does not allocate. Any lcore.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edf/edf_merge.h"

namespace edf {

struct PolicyEdf {
  template <typename Queues>
  [[nodiscard]] static size_t pick(Queues& q, size_t n_queues, uint64_t now) {
    return pick_edf(q, n_queues, now);
  }
};

}  // namespace edf
