// token_bucket.h: a byte token bucket for an egress rate limit (RFC 2697's single-rate bucket,
// without colours).
//
// Tokens accrue at rate_bps bits per second up to burst_bytes. To stay exact in integers the
// bucket counts tokens in bit*hz units (bits scaled by the clock frequency), so refill is one
// multiply and no division: tokens += elapsed_cycles * rate_bps, and any rate of 1 bit/s or more
// is represented exactly (counting whole bytes per second instead rounded 7 bit/s down to 0, which
// meant "no limit"). Costs are L2 frame bytes as DPDK counts them (pkt_len, no preamble, IFG or
// CRC). Clock is injected (any cycle counter with a known frequency; TSC in edfpipe). One owner
// lcore; does not allocate.
// Limits: rate_bps <= 400 Gbit/s, burst_bytes * 8 * hz < 2^63 (16 MiB at 5 GHz is 6.7e17).
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
    rate_bps_ = rate_bps;
    bit_hz_ = 8 * hz;
    burst_bytes_ = burst_bytes;
    capacity_ = burst_bytes * bit_hz_;
    tokens_ = capacity_;
    last_ = now;
    // Past this many cycles the bucket is full whatever it held; capping elapsed avoids overflow.
    full_after_ = rate_bps_ ? capacity_ / rate_bps_ + 1 : 0;
  }

  [[nodiscard]] bool enabled() const { return rate_bps_ != 0; }

  void refill(uint64_t now) {
    if (!enabled() || now <= last_) return;
    const uint64_t elapsed = std::min(now - last_, full_after_);
    tokens_ = std::min(capacity_, tokens_ + elapsed * rate_bps_);
    last_ = now;
  }

  // Takes `bytes` tokens if available. A packet larger than the whole bucket (a jumbo or chained
  // frame over burst_bytes) costs one full bucket: it waits for a full bucket and then passes,
  // rather than blocking its port for ever.
  [[nodiscard]] bool try_consume(uint64_t bytes) {
    if (!enabled()) return true;
    const uint64_t cost = bytes >= burst_bytes_ ? capacity_ : bytes * bit_hz_;
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
  }

  [[nodiscard]] uint64_t tokens_bytes() const { return bit_hz_ ? tokens_ / bit_hz_ : 0; }

 private:
  uint64_t rate_bps_ = 0;
  uint64_t bit_hz_ = 0;  // bits per byte times the clock rate: the unit of tokens_ per byte
  uint64_t burst_bytes_ = 0;
  uint64_t capacity_ = 0;
  uint64_t tokens_ = 0;
  uint64_t last_ = 0;
  uint64_t full_after_ = 0;
};

}  // namespace edf
