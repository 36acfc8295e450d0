// token_bucket.h: a byte token bucket for an egress rate limit (RFC 2697's single-rate bucket,
// without colours).
//
// Tokens accrue at rate_bps / 8 bytes per second up to burst_bytes. To stay in integers the
// bucket counts tokens in byte*hz units (bytes scaled by the clock frequency), so refill is one
// multiply and no division: tokens += elapsed_cycles * rate_bytes_per_s. Costs are L2 frame bytes
// as DPDK counts them (pkt_len, no preamble, IFG or CRC). Clock is injected (any cycle counter
// with a known frequency; TSC in edfpipe). One owner lcore; does not allocate.
// Limits: rate_bps <= 400 Gbit/s, burst_bytes * hz < 2^63 (e.g. 1 MiB at 5 GHz is 5.2e15).
#pragma once

#include <algorithm>
#include <cstdint>

namespace edf {

class TokenBucket {
 public:
  TokenBucket() = default;
  // rate_bps == 0 disables the limit (admit always succeeds).
  TokenBucket(uint64_t rate_bps, uint64_t burst_bytes, uint64_t hz, uint64_t now) {
    configure(rate_bps, burst_bytes, hz, now);
  }

  void configure(uint64_t rate_bps, uint64_t burst_bytes, uint64_t hz, uint64_t now) {
    rate_bytes_per_s_ = rate_bps / 8;
    hz_ = hz;
    capacity_ = burst_bytes * hz;
    tokens_ = capacity_;
    last_ = now;
    // Past this many cycles the bucket is full whatever it held; capping elapsed avoids overflow.
    full_after_ = rate_bytes_per_s_ ? capacity_ / rate_bytes_per_s_ + 1 : 0;
  }

  [[nodiscard]] bool enabled() const { return rate_bytes_per_s_ != 0; }

  void refill(uint64_t now) {
    if (!enabled() || now <= last_) return;
    const uint64_t elapsed = std::min(now - last_, full_after_);
    tokens_ = std::min(capacity_, tokens_ + elapsed * rate_bytes_per_s_);
    last_ = now;
  }

  // Takes `bytes` tokens if available. A packet larger than the whole bucket (a jumbo or chained
  // frame over burst_bytes) costs one full bucket: it waits for a full bucket and then passes,
  // rather than blocking its port for ever.
  [[nodiscard]] bool try_consume(uint64_t bytes) {
    if (!enabled()) return true;
    const uint64_t cost = std::min(bytes * hz_, capacity_);
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
  }

  [[nodiscard]] uint64_t tokens_bytes() const { return hz_ ? tokens_ / hz_ : 0; }

 private:
  uint64_t rate_bytes_per_s_ = 0;
  uint64_t hz_ = 0;
  uint64_t capacity_ = 0;
  uint64_t tokens_ = 0;
  uint64_t last_ = 0;
  uint64_t full_after_ = 0;
};

}  // namespace edf
