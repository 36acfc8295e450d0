// Tests for TscScale: cycles <-> ns within one unit below the exact value over the whole 64-bit
// range, for clock rates from a 1 MHz timer to 10 GHz, saturating instead of wrapping; and the
// durations that wrapped the old `cycles * 1e9 / hz` (a packet held 18 s, a 9 s spin job).
#include "edf/tsc_scale.h"

#include <gtest/gtest.h>

#include <array>
#include <random>

namespace edf {
namespace {

constexpr std::array<uint64_t, 8> kRates{1000000, 25000000, 999999937, 1000000000, 2100000000, 2600000000,
                                         3700000123, 10000000000};

uint64_t exact(uint64_t x, uint64_t num, uint64_t den) {
  const u128 q = static_cast<u128>(x) * num / den;
  return q > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(q);
}

void expect_within_one_below(uint64_t got, uint64_t want, uint64_t x, uint64_t hz) {
  EXPECT_LE(got, want) << "x " << x << " hz " << hz;
  EXPECT_LE(want - got, 1u) << "x " << x << " hz " << hz;
}

TEST(TscScale, WithinOneBelowExactOverTheWholeRange) {
  std::mt19937_64 rng(42);
  for (uint64_t hz : kRates) {
    const TscScale s(hz);
    for (int i = 0; i < 200000; ++i) {
      // Values of every magnitude: a random bit width, then random bits below it.
      const unsigned bits = static_cast<unsigned>(rng() % 65);
      const uint64_t x = bits == 0 ? 0 : (bits == 64 ? rng() : rng() & ((uint64_t{1} << bits) - 1));
      expect_within_one_below(s.cycles_to_ns(x), exact(x, 1000000000, hz), x, hz);
      expect_within_one_below(s.ns_to_cycles(x), exact(x, hz, 1000000000), x, hz);
    }
  }
}

TEST(TscScale, ExactWhereTheRatioIsWhole) {
  const TscScale s(1000000000);
  for (uint64_t x : {uint64_t{0}, uint64_t{1}, uint64_t{123456789}, UINT64_MAX}) {
    EXPECT_EQ(s.cycles_to_ns(x), x);
    EXPECT_EQ(s.ns_to_cycles(x), x);
  }
  EXPECT_EQ(TscScale(2000000000).ns_to_cycles(7), 14u);
  EXPECT_EQ(TscScale(2000000000).cycles_to_ns(7), 3u);
}

TEST(TscScale, LongDurationsThatUsedToWrap) {
  // 2^64 / 1e9 cycles is 8.8 s at 2.1 GHz: the old conversion reported 18 s as 0.2 s.
  const TscScale s(2100000000);
  const uint64_t held_18s = 18ull * 2100000000ull;
  EXPECT_NEAR(static_cast<double>(s.cycles_to_ns(held_18s)), 18e9, 1.0);
  // A 9 s spin job at 2.1 GHz: ns * hz overflowed past 8.8 s.
  EXPECT_NEAR(static_cast<double>(s.ns_to_cycles(9000000000ull)), 9.0 * 2.1e9, 1.0);
  // The largest valid budget (60 s) in microseconds.
  EXPECT_EQ(s.us_to_cycles(60000000), 60ull * 2100000000ull);
  EXPECT_EQ(s.ms_to_cycles(60000), 60ull * 2100000000ull);
}

TEST(TscScale, SaturatesInsteadOfWrapping) {
  const TscScale slow(1000000);  // 1 MHz: a cycle is 1000 ns
  EXPECT_EQ(slow.cycles_to_ns(UINT64_MAX), UINT64_MAX);
  EXPECT_EQ(slow.cycles_to_ns(UINT64_MAX / 1000 + 1), UINT64_MAX);
  EXPECT_EQ(slow.cycles_to_ns(UINT64_MAX / 1000), UINT64_MAX / 1000 * 1000);
  const TscScale fast(10000000000ull);
  EXPECT_EQ(fast.ns_to_cycles(UINT64_MAX), UINT64_MAX);
  EXPECT_EQ(fast.us_to_cycles(UINT64_MAX), UINT64_MAX);
  EXPECT_EQ(mul_div(UINT64_MAX, UINT64_MAX, UINT64_MAX), UINT64_MAX);
  EXPECT_EQ(mul_div(UINT64_MAX, UINT64_MAX, 1), UINT64_MAX);
}

}  // namespace
}  // namespace edf
