// counter.h: single-writer counters that other threads may read at any time.
//
// The owning lcore updates with a relaxed load and store (on x86-64 a plain add: no lock prefix,
// no fence); readers use a relaxed load. 64-bit aligned accesses through std::atomic_ref are
// never torn. Only one thread may write a given counter (STYLE rule 6).
#pragma once

#include <atomic>
#include <cstdint>

namespace edf {

inline void counter_add(uint64_t& c, uint64_t n) {
  std::atomic_ref<uint64_t> r(c);
  r.store(r.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

inline void counter_set(uint64_t& c, uint64_t v) {
  std::atomic_ref<uint64_t>(c).store(v, std::memory_order_relaxed);
}

[[nodiscard]] inline uint64_t counter_read(const uint64_t& c) {
  return std::atomic_ref<uint64_t>(const_cast<uint64_t&>(c)).load(std::memory_order_relaxed);
}

}  // namespace edf
