// histogram.h: a log-linear latency histogram (the HdrHistogram layout) in nanoseconds.
//
// Values below 2^kSubBits are counted exactly; above, each power-of-two range is split into
// 2^kSubBits equal buckets, so a bucket is at most 1/2^kSubBits (3.1 %) of its values wide.
// Values at or above 2^kMaxExp ns (68.7 s) land in the last bucket. Percentiles report the upper
// edge of the bucket that holds the requested rank, clamped to the exact maximum: a reported
// p99 is never below the true p99 and at most one bucket width above it.
//
// record() is for the single owning lcore (relaxed stores, no tearing); other threads read with
// merge_into() or the accessors at any time. Fixed size (8 KiB of counts), never allocates.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "edf/counter.h"

namespace edf {

class Histogram {
 public:
  static constexpr unsigned kSubBits = 5;
  static constexpr unsigned kMaxExp = 36;
  static constexpr size_t kSub = size_t{1} << kSubBits;
  static constexpr size_t kBuckets = kSub + (kMaxExp - kSubBits) * kSub;

  static constexpr size_t bucket_of(uint64_t ns) {
    if (ns < kSub) return static_cast<size_t>(ns);
    const unsigned e = static_cast<unsigned>(std::bit_width(ns)) - 1;  // floor(log2 ns) >= kSubBits
    if (e >= kMaxExp) return kBuckets - 1;
    const size_t sub = static_cast<size_t>(ns >> (e - kSubBits)) & (kSub - 1);
    return kSub + (e - kSubBits) * kSub + sub;
  }
  // Smallest and largest value (inclusive) that map to bucket b.
  static constexpr uint64_t bucket_low(size_t b) {
    if (b < kSub) return b;
    const size_t e = (b - kSub) / kSub + kSubBits;
    const uint64_t sub = (b - kSub) % kSub;
    return (uint64_t{1} << e) + (sub << (e - kSubBits));
  }
  static constexpr uint64_t bucket_high(size_t b) {
    if (b + 1 >= kBuckets) return UINT64_MAX;
    return bucket_low(b + 1) - 1;
  }

  void record(uint64_t ns) {
    Burst b;
    b.add(ns);
    record_bucket(ns);
    record_burst(b);
  }

  // A burst recorded at once, as record() on each value would: record_bucket(v) for each value
  // and record_burst() once with a Burst that add()ed each. TX records a burst of latencies so,
  // with one store for each of count, sum, min and max per class and burst instead of per packet.
  struct Burst {
    uint64_t count = 0, sum = 0, min = UINT64_MAX, max = 0;
    void add(uint64_t ns) {
      ++count;
      sum += ns;
      min = ns < min ? ns : min;
      max = ns > max ? ns : max;
    }
    void merge(const Burst& o) {
      count += o.count;
      sum += o.sum;
      min = o.min < min ? o.min : min;
      max = o.max > max ? o.max : max;
    }
  };
  void record_bucket(uint64_t ns) { counter_add(counts_[bucket_of(ns)], 1); }
  // n values that all fall in bucket b (= bucket_of(each)), counted with one store.
  void record_in_bucket(size_t b, uint64_t n) { counter_add(counts_[b], n); }
  void record_burst(const Burst& b) {
    if (b.count == 0) return;
    counter_add(count_, b.count);
    counter_add(sum_ns_, b.sum);
    if (b.max > counter_read(max_ns_)) counter_set(max_ns_, b.max);
    if (b.min < counter_read(min_ns_)) counter_set(min_ns_, b.min);
  }

  // Adds this histogram's counts into `out` (which must be owned by the caller).
  void merge_into(Histogram& out) const;
  // Removes an earlier copy's counts (a baseline, e.g. after `clear stats`) from this caller-owned
  // histogram. Min and max are then known only to bucket precision.
  void subtract(const Histogram& base);
  void reset();

  [[nodiscard]] uint64_t count() const { return counter_read(count_); }
  [[nodiscard]] uint64_t sum_ns() const { return counter_read(sum_ns_); }
  [[nodiscard]] uint64_t max_ns() const { return counter_read(max_ns_); }
  [[nodiscard]] uint64_t min_ns() const;  // 0 when empty
  [[nodiscard]] uint64_t bucket_count(size_t b) const { return counter_read(counts_[b]); }

  // The value at quantile q in [0, 1] (see the header comment for its precision); 0 when empty.
  [[nodiscard]] uint64_t percentile(double q) const;

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ns_ = 0;
  uint64_t max_ns_ = 0;
  uint64_t min_ns_ = UINT64_MAX;
};

}  // namespace edf
