// policy_llf.h: the `llf` scheduling policy: least laxity first.
//
// Laxity of a head = deadline - now - remaining work: how long it can still wait and finish on
// time (Mok, "Fundamental Design Problems of Distributed Systems for the Hard-Real-Time
// Environment", MIT PhD thesis, 1983; Buttazzo, "Hard Real-Time Computing Systems", sec. 3.5).
// Picks the head with the least laxity, late heads (negative laxity) included; ties go to the
// lower index. `now` is common to every head, so the order is that of (deadline - work).
//
// Remaining work is what the worker knows of a head: with `processing = spin` it is the spin
// stage's simulated work for the packet (spin_base_ns + spin_per_byte_ns x UDP payload bytes, in
// TSC cycles), or what is still owed by a packet that was started and preempted; with
// `processing = fwd` it is 0, and llf then orders exactly as edf-plain. Like edf-plain it has no
// overload rule. A preempted packet's laxity stays constant while it runs, and its rivals' laxity
// shrinks: LLF may switch between heads often, which edfpipe bounds to one switch per slice
// (edf_slice_us).
//
// Reads: head_deadline(i), then head_work(i) of non-empty heads (cycles). Works on signed laxity
// (deadlines and work below 2^63 cycles, centuries of TSC). Stateless; does not allocate. Any lcore.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edf/edf_merge.h"

namespace edf {

struct PolicyLlf {
  template <typename Queues>
  [[nodiscard]] static size_t pick(Queues& q, size_t n_queues, uint64_t now) {
    size_t best = kNoQueue;
    int64_t best_laxity = 0;
    for (size_t i = 0; i < n_queues; ++i) {
      const uint64_t d = q.head_deadline(i);
      if (d == kNoDeadline) continue;
      const int64_t laxity = static_cast<int64_t>(d) - static_cast<int64_t>(now) - static_cast<int64_t>(q.head_work(i));
      if (best == kNoQueue || laxity < best_laxity) {
        best = i;
        best_laxity = laxity;
      }
    }
    return best;
  }
};

}  // namespace edf
