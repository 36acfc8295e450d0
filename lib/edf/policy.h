// policy.h: the EDF worker's scheduling policies behind one interface, and their registry by name.
//
// A policy picks the queue to serve next from the heads of a worker's queues (one per class, or
// one shared queue with fifo): pick(policy, queues, n_queues, now) returns the queue index, or
// kNoQueue when every queue is empty. Each policy is a struct with a static templated pick() in a
// header of its own, which states its contract and reference:
//   edf        policy_edf.h        EDF; a late winner yields to a higher-priority head
//   edf-plain  policy_edf_plain.h  textbook EDF: the earliest head, full stop (domino effect)
//   fifo       policy_fifo.h       one shared queue (a layout, see plan.cc); earliest arrival first
//   priority   policy_priority.h   strict priority: the lowest non-empty class index
//   llf        policy_llf.h        least laxity first: deadline - now - remaining work
//
// Queues (a template parameter, so nothing is virtual) expose, for queue i < n_queues:
//   uint64_t head_deadline(size_t i)  the head's deadline, kNoDeadline if the queue is empty; a
//                                     policy calls it before anything else about queue i
//   uint64_t head_arrival(size_t i)   the head's arrival time (fifo only; queue not empty)
//   uint64_t head_work(size_t i)      the head's remaining work (llf only; queue not empty)
// all in the same clock's units (TSC cycles in edfpipe; tests use a fake clock). A lower index is
// a higher-priority class (the profile lists classes tightest budget first); every policy breaks
// ties to the lower index. The five policies keep no state between picks; one that needs some
// (a round-robin pointer, a budget) would keep it in the worker's context, passed by reference.
//
// pick() is a switch over a small enum into fully inlined templated loops: no virtual call, no
// allocation, no clock read. Main or worker lcore alike. policy_from_name() and to_string() are
// for the control path (profile, shell, messages).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "edf/edf_merge.h"
#include "edf/policy_edf.h"
#include "edf/policy_edf_plain.h"
#include "edf/policy_fifo.h"
#include "edf/policy_llf.h"
#include "edf/policy_priority.h"

namespace edf {

// Also the profile's `[pipeline] scheduling` (profile.h: Scheduling).
enum class Policy : uint8_t { kEdf, kEdfPlain, kFifo, kPriority, kLlf };

inline constexpr std::array<std::string_view, 5> kPolicyNames = {"edf", "edf-plain", "fifo", "priority", "llf"};

// "edf, edf-plain, fifo, priority, llf": for messages. Control path only (allocates).
[[nodiscard]] inline std::string policy_name_list() {
  std::string s;
  for (std::string_view n : kPolicyNames) s.append(s.empty() ? "" : ", ").append(n);
  return s;
}

[[nodiscard]] constexpr std::string_view to_string(Policy p) { return kPolicyNames[static_cast<size_t>(p)]; }

// The policy called `name` exactly (case-sensitive, as every profile value), or nullopt.
[[nodiscard]] constexpr std::optional<Policy> policy_from_name(std::string_view name) {
  for (size_t i = 0; i < kPolicyNames.size(); ++i)
    if (kPolicyNames[i] == name) return static_cast<Policy>(i);
  return std::nullopt;
}

// Whether switching from `a` to `b` keeps the queue layout, so a running worker can apply it at
// its next configuration check: fifo has one shared queue, every other policy one per class.
[[nodiscard]] constexpr bool policy_switch_is_live(Policy a, Policy b) {
  return (a == Policy::kFifo) == (b == Policy::kFifo);
}

template <typename Queues>
[[nodiscard]] inline size_t pick(Policy policy, Queues& q, size_t n_queues, uint64_t now) {
  switch (policy) {
    case Policy::kEdf: return PolicyEdf::pick(q, n_queues, now);
    case Policy::kEdfPlain: return PolicyEdfPlain::pick(q, n_queues, now);
    case Policy::kFifo: return PolicyFifo::pick(q, n_queues, now);
    case Policy::kPriority: return PolicyPriority::pick(q, n_queues, now);
    case Policy::kLlf: return PolicyLlf::pick(q, n_queues, now);
  }
  return PolicyEdf::pick(q, n_queues, now);  // not reached: every enumerator is handled above
}

}  // namespace edf
