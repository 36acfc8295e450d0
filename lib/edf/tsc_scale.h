// tsc_scale.h: conversions between TSC cycles and time units, exact over the whole 64-bit range.
//
// The data path turns cycles into nanoseconds for every packet it sends (latency) and nanoseconds
// into cycles for every packet the spin stage works on. `cycles * 1e9 / hz` wraps once cycles
// exceed 2^64 / 1e9 (7 s at 2.6 GHz: a packet held through a long port outage recorded a wrapped
// latency), and it costs a 64-bit divide per packet. Here each direction is a 64.64 fixed-point
// ratio num/den = whole + frac / 2^64, fixed when the clock rate is known, so a conversion is two
// 64 x 64 -> 128-bit multiplies and no divide:
//   x * num / den = x * whole + x * (num % den) / den,  frac = floor((num % den) * 2^64 / den)
// Since frac is below the true fraction by less than 2^-64, the result is floor(x * num / den) or
// one less, for every x < 2^64, and saturates at UINT64_MAX instead of wrapping.
// mul_div() is the exact (and slower: a 128-bit divide) form, for start-up and the control path.
// Does not allocate; const after construction, so any lcore may use a shared instance.
#pragma once

#include <cstdint>

namespace edf {

__extension__ typedef unsigned __int128 u128;  // GCC and Clang; __extension__ keeps -Wpedantic quiet

// floor(a * b / c), saturated at UINT64_MAX; c must not be 0.
[[nodiscard]] constexpr uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c) {
  const u128 q = static_cast<u128>(a) * b / c;
  return q > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(q);
}

// x * num / den for a ratio fixed at construction (see the header comment).
class FixedRatio {
 public:
  constexpr FixedRatio() = default;
  constexpr FixedRatio(uint64_t num, uint64_t den)
      : whole_(num / den), frac_(static_cast<uint64_t>((static_cast<u128>(num % den) << 64) / den)) {}

  [[nodiscard]] constexpr uint64_t apply(uint64_t x) const {
    const u128 r = static_cast<u128>(x) * whole_ +
                                ((static_cast<u128>(x) * frac_) >> 64);
    return r > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(r);
  }

 private:
  uint64_t whole_ = 0;
  uint64_t frac_ = 0;
};

// Cycles <-> ns for a clock of `hz` cycles per second (hz > 0).
class TscScale {
 public:
  constexpr TscScale() = default;
  explicit constexpr TscScale(uint64_t hz) : hz_(hz), to_ns_(kNsPerS, hz), to_cycles_(hz, kNsPerS) {}

  [[nodiscard]] constexpr uint64_t hz() const { return hz_; }
  // Within 1 ns (or 1 cycle) below the exact value; saturating. For the data path.
  [[nodiscard]] constexpr uint64_t cycles_to_ns(uint64_t cycles) const { return to_ns_.apply(cycles); }
  [[nodiscard]] constexpr uint64_t ns_to_cycles(uint64_t ns) const { return to_cycles_.apply(ns); }
  // Exact (floor), saturating. For start-up and the control path.
  [[nodiscard]] constexpr uint64_t us_to_cycles(uint64_t us) const { return mul_div(us, hz_, 1000000); }
  [[nodiscard]] constexpr uint64_t ms_to_cycles(uint64_t ms) const { return mul_div(ms, hz_, 1000); }

 private:
  static constexpr uint64_t kNsPerS = 1000000000;
  uint64_t hz_ = 0;
  FixedRatio to_ns_;
  FixedRatio to_cycles_;
};

}  // namespace edf
