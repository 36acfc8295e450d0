#include "edf/histogram.h"

#include <algorithm>
#include <cmath>

namespace edf {

void Histogram::merge_into(Histogram& out) const {
  for (size_t b = 0; b < kBuckets; ++b) out.counts_[b] += bucket_count(b);
  out.count_ += count();
  out.sum_ns_ += sum_ns();
  out.max_ns_ = std::max(out.max_ns_, max_ns());
  out.min_ns_ = std::min(out.min_ns_, counter_read(min_ns_));
}

void Histogram::subtract(const Histogram& base) {
  size_t first = kBuckets, last = 0;
  for (size_t b = 0; b < kBuckets; ++b) {
    counts_[b] -= std::min(counts_[b], base.counts_[b]);
    if (counts_[b]) {
      first = std::min(first, b);
      last = b;
    }
  }
  count_ -= std::min(count_, base.count_);
  sum_ns_ -= std::min(sum_ns_, base.sum_ns_);
  if (first == kBuckets) {
    max_ns_ = 0;
    min_ns_ = UINT64_MAX;
    return;
  }
  min_ns_ = std::max(min_ns_, bucket_low(first));
  max_ns_ = std::min(max_ns_, bucket_high(last));
}

void Histogram::reset() {
  for (auto& c : counts_) counter_set(c, 0);
  counter_set(count_, 0);
  counter_set(sum_ns_, 0);
  counter_set(max_ns_, 0);
  counter_set(min_ns_, UINT64_MAX);
}

uint64_t Histogram::min_ns() const {
  const uint64_t m = counter_read(min_ns_);
  return m == UINT64_MAX ? 0 : m;
}

uint64_t Histogram::percentile(double q) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank of the requested value, 1-based: the smallest r with r >= q * n.
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(n))));
  uint64_t seen = 0;
  for (size_t b = 0; b < kBuckets; ++b) {
    seen += bucket_count(b);
    if (seen >= rank) return std::min(bucket_high(b), max_ns());
  }
  return max_ns();
}

}  // namespace edf
