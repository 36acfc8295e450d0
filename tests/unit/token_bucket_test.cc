// Tests for TokenBucket on a virtual clock: over 10 simulated seconds a greedy sender gets
// rate * t / 8 + burst bytes (never more, and within 1 % of it), a zero rate disables the limit,
// and a very long idle period refills to the burst exactly without overflow.
#include "edf/token_bucket.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

namespace edf {
namespace {

constexpr uint64_t kHz = 1'000'000'000;  // a 1 GHz virtual cycle counter: one cycle per ns

struct SendTotals {
  uint64_t admitted_bytes = 0;
  uint64_t refused = 0;
};

// A sender that always has a packet waiting: every `step` cycles it refills and sends until refused.
SendTotals greedy_run(TokenBucket& tb, uint64_t start, uint64_t duration, uint64_t step, std::mt19937& rng,
               uint32_t min_size, uint32_t max_size) {
  SendTotals run;
  std::uniform_int_distribution<uint32_t> size(min_size, max_size);
  uint32_t next = size(rng);
  for (uint64_t now = start; now <= start + duration; now += step) {
    tb.refill(now);
    while (tb.try_consume(next)) {
      run.admitted_bytes += next;
      next = size(rng);
    }
    ++run.refused;
  }
  return run;
}

TEST(TokenBucket, AdmitsRateTimesTimePlusBurstOverTenSeconds) {
  struct Case {
    uint64_t rate_bps;
    uint64_t burst_bytes;
    uint64_t step_cycles;
    uint32_t min_size, max_size;
  };
  // From 10 Mbit/s to 100 Gbit/s; steps from 1 us to 10 us of virtual time.
  const Case cases[] = {
      {10'000'000, 32768, 10'000, 64, 1518},
      {1'000'000'000, 32768, 1'000, 64, 1518},
      {9'999'999'999, 65536, 2'000, 64, 1518},  // a rate that is not a multiple of 8
      {100'000'000'000, 1 << 20, 5'000, 9000, 9000},
  };
  std::mt19937 rng(2697);
  for (const Case& c : cases) {
    const uint64_t start = 123'456'789;
    TokenBucket tb(c.rate_bps, c.burst_bytes, kHz, start);
    ASSERT_TRUE(tb.enabled());
    EXPECT_EQ(tb.tokens_bytes(), c.burst_bytes);  // starts full
    const uint64_t duration = 10 * kHz;
    const SendTotals run = greedy_run(tb, start, duration, c.step_cycles, rng, c.min_size, c.max_size);
    const double seconds = static_cast<double>(duration) / kHz;
    const double ideal = static_cast<double>(c.rate_bps) * seconds / 8 + static_cast<double>(c.burst_bytes);
    // Never more than the bucket allows ...
    EXPECT_LE(static_cast<double>(run.admitted_bytes), ideal) << c.rate_bps;
    // ... and not less than 1 % below it.
    EXPECT_GE(static_cast<double>(run.admitted_bytes), ideal * 0.99) << c.rate_bps;
    EXPECT_GT(run.refused, 0u);
  }
}

TEST(TokenBucket, LongRunRateAfterTheBurstIsSpent) {
  // Measured between two instants after the initial burst: the sustained rate alone.
  std::mt19937 rng(1);
  TokenBucket tb(8'000'000'000, 16384, kHz, 0);  // 1 GB/s
  const SendTotals warmup = greedy_run(tb, 0, kHz / 10, 500, rng, 1500, 1500);
  ASSERT_GT(warmup.admitted_bytes, 0u);
  const SendTotals steady = greedy_run(tb, kHz / 10 + 500, kHz, 500, rng, 1500, 1500);
  EXPECT_NEAR(static_cast<double>(steady.admitted_bytes), 1e9, 1e9 * 0.01);
}

TEST(TokenBucket, FrameLargerThanTheBucketWaitsForAFullBucketThenPasses) {
  TokenBucket tb(8000000, 2048, 1000000000, 0);  // 1 MB/s, 2048-byte bucket, 1 GHz clock
  EXPECT_TRUE(tb.try_consume(9000));      // a full bucket: passes, and empties it
  EXPECT_FALSE(tb.try_consume(9000));
  tb.refill(1024 * 1000);                 // half a bucket later
  EXPECT_FALSE(tb.try_consume(9000));
  tb.refill(2048 * 1000);                 // full again
  EXPECT_TRUE(tb.try_consume(9000));
}

TEST(TokenBucket, ZeroRateDisablesTheLimit) {
  TokenBucket tb(0, 32768, kHz, 0);
  EXPECT_FALSE(tb.enabled());
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(tb.try_consume(9000));
  tb.refill(1);
  EXPECT_TRUE(tb.try_consume(std::numeric_limits<uint32_t>::max()));
  TokenBucket unconfigured;
  EXPECT_FALSE(unconfigured.enabled());
  EXPECT_TRUE(unconfigured.try_consume(1500));
}

TEST(TokenBucket, ExactTokenArithmetic) {
  TokenBucket tb(8'000, 2048, kHz, 0);  // 1000 bytes per second
  EXPECT_TRUE(tb.try_consume(2048));
  EXPECT_FALSE(tb.try_consume(1));
  tb.refill(kHz / 1000 - 1);  // just under 1 ms: not yet one byte
  EXPECT_FALSE(tb.try_consume(1));
  tb.refill(kHz / 1000);  // 1 ms: exactly one byte
  EXPECT_TRUE(tb.try_consume(1));
  EXPECT_FALSE(tb.try_consume(1));
  tb.refill(kHz / 1000 + kHz);  // one more second: 1000 bytes
  EXPECT_EQ(tb.tokens_bytes(), 1000u);
  EXPECT_FALSE(tb.try_consume(1001));  // a refusal takes nothing
  EXPECT_TRUE(tb.try_consume(1000));
  // A clock that does not advance (or goes back) adds nothing.
  tb.refill(kHz / 1000 + kHz);
  tb.refill(5);
  EXPECT_EQ(tb.tokens_bytes(), 0u);
}

TEST(TokenBucket, NoOverflowAfterVeryLongIdle) {
  // The largest configuration the validator allows: 400 Gbit/s, 16 MiB burst, a 5 GHz clock, and
  // the slowest rate that is not off (1 byte per second, full after 194 days).
  const uint64_t hz = 5'000'000'000;
  const uint64_t burst = 16 * 1024 * 1024;
  for (uint64_t rate : {uint64_t{8}, uint64_t{400'000'000'000}}) {
    TokenBucket tb(rate, burst, hz, 0);
    ASSERT_TRUE(tb.try_consume(burst));
    ASSERT_FALSE(tb.try_consume(1));
    const uint64_t idle_points[] = {hz * 86400 * 365, hz * 86400 * 365 * 50,
                                    std::numeric_limits<uint64_t>::max() / 2,
                                    std::numeric_limits<uint64_t>::max() - 1};
    for (uint64_t now : idle_points) {
      tb.refill(now);
      EXPECT_EQ(tb.tokens_bytes(), burst) << "rate " << rate << " now " << now;
      EXPECT_TRUE(tb.try_consume(burst));
      EXPECT_FALSE(tb.try_consume(1));
    }
  }
  // An idle time whose product with the byte rate is a multiple of 2^64: without the cap on
  // elapsed cycles the refill would wrap to zero tokens.
  struct Wrap {
    uint64_t rate_bps, hz, idle;
  };
  const Wrap wraps[] = {
      {400'000'000'000, 5'000'000'000, uint64_t{1} << 54},  // 5e10 B/s = 48828125 * 2^10
      {100'000'000'000, 1'000'000'000, uint64_t{1} << 56},  // 1.25e10 B/s = 48828125 * 2^8
  };
  for (const Wrap& w : wraps) {
    TokenBucket tb(w.rate_bps, 1 << 20, w.hz, 0);
    ASSERT_TRUE(tb.try_consume(1 << 20));
    tb.refill(w.idle);
    EXPECT_EQ(tb.tokens_bytes(), uint64_t{1} << 20) << w.rate_bps;
  }
  // At 1 byte per second an hour gives 3600 bytes: the cap on elapsed time did not cut it short.
  TokenBucket slow(8, burst, hz, 0);
  ASSERT_TRUE(slow.try_consume(burst));
  slow.refill(hz * 3600);
  EXPECT_EQ(slow.tokens_bytes(), 3600u);
}

// Rates under 8 bit/s are less than a byte a second. They used to round down to 0 bytes/s, which
// means "no limit": --rate 0:7 measured 73.6 Gbit/s. Every rate from 1 bit/s is kept exactly.
TEST(TokenBucket, RatesBelowOneBytePerSecondAreLimitsNotOff) {
  for (uint64_t rate : {uint64_t{1}, uint64_t{7}, uint64_t{12}}) {
    TokenBucket tb(rate, 2048, kHz, 0);
    ASSERT_TRUE(tb.enabled()) << rate;
    ASSERT_TRUE(tb.try_consume(2048)) << rate;  // the initial burst
    EXPECT_FALSE(tb.try_consume(64)) << rate;
    // A 64-byte frame is 512 bits: it passes after exactly ceil(512 / rate) seconds.
    const uint64_t wait_s = (512 + rate - 1) / rate;
    tb.refill((wait_s - 1) * kHz);
    EXPECT_FALSE(tb.try_consume(64)) << rate;
    tb.refill(wait_s * kHz);
    EXPECT_TRUE(tb.try_consume(64)) << rate;
    EXPECT_FALSE(tb.try_consume(1)) << rate;
  }
  // 12 bit/s is 1.5 bytes a second, not the 1 byte a second of whole-byte rounding.
  TokenBucket tb(12, 2048, kHz, 0);
  ASSERT_TRUE(tb.try_consume(2048));
  tb.refill(1000 * kHz);
  EXPECT_EQ(tb.tokens_bytes(), 1500u);
}

}  // namespace
}  // namespace edf
