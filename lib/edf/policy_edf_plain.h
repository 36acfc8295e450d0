// policy_edf_plain.h: the `edf-plain` scheduling policy: textbook earliest deadline first.
//
// Picks the queue whose head has the earliest deadline, late or not (Liu and Layland, "Scheduling
// Algorithms for Multiprogramming in a Hard-Real-Time Environment", JACM 20(1), 1973); ties go to
// the lower index. Optimal while the load is feasible; under overload it shows the domino effect
// (Buttazzo, "Hard Real-Time Computing Systems", 3rd ed., sec. 2.4): a class whose backlog is
// already late keeps the earliest deadlines and every other class waits behind it. It is here to
// show that effect against `edf` (policy_edf.h), which differs only in the overload rule.
//
// Reads: head_deadline(i); ignores now. Units: TSC cycles. Stateless; does not allocate. Any lcore.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edf/edf_merge.h"

namespace edf {

struct PolicyEdfPlain {
  template <typename Queues>
  [[nodiscard]] static size_t pick(Queues& q, size_t n_queues, uint64_t /*now*/) {
    return pick_earliest(q, n_queues);
  }
};

}  // namespace edf
