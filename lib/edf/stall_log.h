// stall_log.h: the gaps during which a polling thread was not running, as TSC intervals.
//
// A busy-polling loop reads the TSC every iteration; a gap between two reads longer than a
// threshold means the thread was not running (the kernel or a hypervisor took its CPU). StallLog
// counts such gaps (count, total, longest: relaxed counters, readable by another thread at any
// time) and keeps the latest kRecords of them as [from, to) TSC intervals, which only the owner
// thread writes; read them after it stopped. edfpipe's lcores and edfgen's worker both keep one,
// so a load run can line up late packets with the moments either side was not running.
// Does not allocate; one writer.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "edf/counter.h"

namespace edf {

class StallLog {
 public:
  static constexpr size_t kRecords = 1024;

  // Records [from, to) as a stall if it is longer than threshold; returns whether it did.
  bool note(uint64_t from, uint64_t to, uint64_t threshold) {
    if (to <= from || to - from <= threshold) return false;
    const uint64_t gap = to - from;
    counter_add(count_, 1);
    counter_add(total_, gap);
    if (gap > counter_read(max_)) counter_set(max_, gap);
    records_[n_records_++ % kRecords] = {from, to};
    return true;
  }

  [[nodiscard]] uint64_t count() const { return counter_read(count_); }
  [[nodiscard]] uint64_t total() const { return counter_read(total_); }
  [[nodiscard]] uint64_t longest() const { return counter_read(max_); }

  // The kept records, oldest first: f(from, to). Owner thread, or after it stopped.
  template <typename F>
  void for_each(F&& f) const {
    const uint64_t kept = std::min<uint64_t>(n_records_, kRecords);
    for (uint64_t k = 0; k < kept; ++k) {
      const auto& r = records_[(n_records_ - kept + k) % kRecords];
      f(r[0], r[1]);
    }
  }

  // Cycles of [from, to) covered by the kept records. Owner thread, or after it stopped.
  [[nodiscard]] uint64_t overlap(uint64_t from, uint64_t to) const {
    uint64_t sum = 0;
    const uint64_t kept = std::min<uint64_t>(n_records_, kRecords);
    for (uint64_t k = 1; k <= kept; ++k) {
      const auto& r = records_[(n_records_ - k) % kRecords];
      if (r[1] <= from) break;  // records are in time order: older ones end earlier still
      const uint64_t a = std::max(r[0], from), b = std::min(r[1], to);
      if (b > a) sum += b - a;
    }
    return sum;
  }

 private:
  uint64_t count_ = 0, total_ = 0, max_ = 0;
  std::array<std::array<uint64_t, 2>, kRecords> records_{};
  uint64_t n_records_ = 0;
};

}  // namespace edf
