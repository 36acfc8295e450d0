// Tests for Histogram: exact below 32 ns, percentiles bounded by the sort-based truth from below
// and by one bucket width (1/32) from above over seeded log-uniform samples, bucket edges that
// agree with bucket_of, and merge_into/reset/min/max/count/sum.
#include "edf/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <vector>

namespace edf {
namespace {

// The true value at quantile p_per_mille / 1000 of sorted `v`: the smallest value whose 1-based
// rank r satisfies r >= q * n, computed in integers.
uint64_t true_percentile(const std::vector<uint64_t>& sorted, uint64_t p_per_mille) {
  const uint64_t n = sorted.size();
  const uint64_t rank = std::max<uint64_t>(1, (p_per_mille * n + 999) / 1000);
  return sorted[rank - 1];
}

TEST(Histogram, EmptyReportsZero) {
  auto h = std::make_unique<Histogram>();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->sum_ns(), 0u);
  EXPECT_EQ(h->min_ns(), 0u);
  EXPECT_EQ(h->max_ns(), 0u);
  EXPECT_EQ(h->percentile(0.5), 0u);
  EXPECT_EQ(h->percentile(1.0), 0u);
}

TEST(Histogram, ExactBelowThirtyTwo) {
  auto h = std::make_unique<Histogram>();
  // 0..31 each recorded (v + 1) times: every percentile is an exact recorded value.
  std::vector<uint64_t> all;
  for (uint64_t v = 0; v < 32; ++v) {
    EXPECT_EQ(Histogram::bucket_of(v), v);
    EXPECT_EQ(Histogram::bucket_low(v), v);
    EXPECT_EQ(Histogram::bucket_high(v), v);
    for (uint64_t k = 0; k <= v; ++k) {
      h->record(v);
      all.push_back(v);
    }
  }
  std::sort(all.begin(), all.end());
  for (uint64_t p = 0; p <= 1000; ++p)
    ASSERT_EQ(h->percentile(static_cast<double>(p) / 1000.0), true_percentile(all, p)) << p;
  EXPECT_EQ(h->min_ns(), 0u);
  EXPECT_EQ(h->max_ns(), 31u);
  EXPECT_EQ(h->count(), all.size());
  for (uint64_t v = 0; v < 32; ++v) EXPECT_EQ(h->bucket_count(v), v + 1);
}

TEST(Histogram, PercentilesBoundedByOneBucketOverLogUniformSamples) {
  std::mt19937_64 rng(20231);
  // log-uniform from 1 ns to 10 s
  std::uniform_real_distribution<double> log_ns(0.0, std::log(1e10));
  for (int trial = 0; trial < 5; ++trial) {
    auto h = std::make_unique<Histogram>();
    const size_t n = 1000 + rng() % 100000;
    std::vector<uint64_t> values(n);
    uint64_t sum = 0;
    for (auto& v : values) {
      v = static_cast<uint64_t>(std::exp(log_ns(rng)));
      h->record(v);
      sum += v;
    }
    std::sort(values.begin(), values.end());
    EXPECT_EQ(h->count(), n);
    EXPECT_EQ(h->sum_ns(), sum);
    EXPECT_EQ(h->min_ns(), values.front());
    EXPECT_EQ(h->max_ns(), values.back());
    EXPECT_EQ(h->percentile(1.0), values.back());  // clamped to the exact maximum
    for (uint64_t p : {500u, 900u, 990u, 999u}) {
      const uint64_t truth = true_percentile(values, p);
      const uint64_t got = h->percentile(static_cast<double>(p) / 1000.0);
      EXPECT_GE(got, truth) << "p" << p << " n " << n;
      EXPECT_LE(static_cast<double>(got), static_cast<double>(truth) * (1.0 + 1.0 / 32) + 1)
          << "p" << p << " n " << n;
    }
    // Every percentile lies in the bucket of the true value (the tight form of the bound).
    for (uint64_t p = 1; p <= 1000; p += 7) {
      const uint64_t truth = true_percentile(values, p);
      const uint64_t got = h->percentile(static_cast<double>(p) / 1000.0);
      ASSERT_EQ(Histogram::bucket_of(got), Histogram::bucket_of(truth)) << "p" << p;
    }
  }
}

TEST(Histogram, BucketEdgesAgreeWithBucketOf) {
  // Every bucket: its edges map back to it and consecutive buckets tile the value range.
  for (size_t b = 0; b < Histogram::kBuckets; ++b) {
    const uint64_t lo = Histogram::bucket_low(b);
    const uint64_t hi = Histogram::bucket_high(b);
    ASSERT_LE(lo, hi) << b;
    ASSERT_EQ(Histogram::bucket_of(lo), b) << b;
    ASSERT_EQ(Histogram::bucket_of(hi), b) << b;
    if (b + 1 < Histogram::kBuckets) {
      ASSERT_EQ(Histogram::bucket_low(b + 1), hi + 1) << b;
    }
    // Width at most 1/32 of the bucket's smallest value above the exact range.
    if (b >= Histogram::kSub && b + 1 < Histogram::kBuckets) {
      ASSERT_LE((hi - lo + 1) * Histogram::kSub, lo) << b;
    }
  }
  EXPECT_EQ(Histogram::bucket_high(Histogram::kBuckets - 1), std::numeric_limits<uint64_t>::max());
  // Random values across the whole 64-bit range, by exponent.
  std::mt19937_64 rng(64);
  for (int i = 0; i < 200000; ++i) {
    const unsigned bits = static_cast<unsigned>(rng() % 65);
    const uint64_t v = bits == 0 ? 0 : rng() >> (64 - bits);
    const size_t b = Histogram::bucket_of(v);
    ASSERT_LT(b, Histogram::kBuckets);
    ASSERT_LE(Histogram::bucket_low(b), v) << v;
    ASSERT_GE(Histogram::bucket_high(b), v) << v;
  }
  // At and above 2^36 ns everything lands in the last bucket.
  EXPECT_EQ(Histogram::bucket_of(uint64_t{1} << Histogram::kMaxExp), Histogram::kBuckets - 1);
  EXPECT_EQ(Histogram::bucket_of(std::numeric_limits<uint64_t>::max()), Histogram::kBuckets - 1);
  EXPECT_LT(Histogram::bucket_of((uint64_t{1} << 35) + (uint64_t{30} << 30)), Histogram::kBuckets - 1);
}

TEST(Histogram, MergeIntoSumsAndResetClears) {
  auto a = std::make_unique<Histogram>();
  auto b = std::make_unique<Histogram>();
  auto total = std::make_unique<Histogram>();
  auto direct = std::make_unique<Histogram>();
  std::mt19937_64 rng(8);
  for (int i = 0; i < 50000; ++i) {
    const uint64_t v = rng() % 5'000'000 + 10;
    (i % 3 ? a : b)->record(v);
    direct->record(v);
  }
  a->record(3);  // the minimum is in a, the maximum in b
  direct->record(3);
  b->record(90'000'000'000);
  direct->record(90'000'000'000);
  a->merge_into(*total);
  b->merge_into(*total);
  EXPECT_EQ(total->count(), a->count() + b->count());
  EXPECT_EQ(total->sum_ns(), a->sum_ns() + b->sum_ns());
  EXPECT_EQ(total->min_ns(), 3u);
  EXPECT_EQ(total->max_ns(), 90'000'000'000u);
  for (size_t k = 0; k < Histogram::kBuckets; ++k) {
    ASSERT_EQ(total->bucket_count(k), a->bucket_count(k) + b->bucket_count(k)) << k;
    ASSERT_EQ(total->bucket_count(k), direct->bucket_count(k)) << k;
  }
  for (double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0}) EXPECT_EQ(total->percentile(q), direct->percentile(q)) << q;

  // Merging an empty histogram changes nothing (its min sentinel must not leak).
  auto empty = std::make_unique<Histogram>();
  empty->merge_into(*total);
  EXPECT_EQ(total->min_ns(), 3u);
  EXPECT_EQ(total->count(), direct->count());
  // Merging into an empty one copies.
  a->merge_into(*empty);
  EXPECT_EQ(empty->min_ns(), 3u);
  EXPECT_EQ(empty->max_ns(), a->max_ns());

  total->reset();
  EXPECT_EQ(total->count(), 0u);
  EXPECT_EQ(total->sum_ns(), 0u);
  EXPECT_EQ(total->min_ns(), 0u);
  EXPECT_EQ(total->max_ns(), 0u);
  EXPECT_EQ(total->percentile(0.5), 0u);
  for (size_t k = 0; k < Histogram::kBuckets; ++k) ASSERT_EQ(total->bucket_count(k), 0u);
  total->record(1000);
  EXPECT_EQ(total->min_ns(), 1000u);
  EXPECT_EQ(total->max_ns(), 1000u);
}

TEST(Histogram, MinMaxCountSumAndOutOfRangeQuantiles) {
  auto h = std::make_unique<Histogram>();
  h->record(500);
  h->record(70);
  h->record(123456);
  EXPECT_EQ(h->count(), 3u);
  EXPECT_EQ(h->sum_ns(), 500u + 70u + 123456u);
  EXPECT_EQ(h->min_ns(), 70u);
  EXPECT_EQ(h->max_ns(), 123456u);
  // Quantiles outside [0, 1] are clamped.
  EXPECT_EQ(h->percentile(-1.0), h->percentile(0.0));
  EXPECT_EQ(h->percentile(2.0), 123456u);
  EXPECT_EQ(h->percentile(0.0), Histogram::bucket_high(Histogram::bucket_of(70)));
  // A single huge value: the last bucket's edge is clamped to the exact maximum.
  auto big = std::make_unique<Histogram>();
  big->record(uint64_t{1} << 40);
  EXPECT_EQ(big->percentile(0.5), uint64_t{1} << 40);
}

}  // namespace
}  // namespace edf

namespace edf {
namespace {

TEST(HistogramSubtract, RemovesABaselineAndKeepsPercentilesOfTheRest) {
  Histogram base, now;
  for (uint64_t v = 1; v <= 1000; ++v) {
    base.record(v);
    now.record(v);
  }
  for (uint64_t v = 5000; v < 6000; ++v) now.record(v);
  now.subtract(base);
  EXPECT_EQ(now.count(), 1000u);
  EXPECT_EQ(now.sum_ns(), (5000u + 5999u) * 1000u / 2);
  EXPECT_GE(now.percentile(0.5), 5499u);
  EXPECT_LE(now.percentile(0.5), 5499u * 33 / 32 + 1);
  EXPECT_GE(now.min_ns(), Histogram::bucket_low(Histogram::bucket_of(5000)));
  EXPECT_EQ(now.max_ns(), 5999u);
  now.subtract(now);  // everything gone
  EXPECT_EQ(now.count(), 0u);
  EXPECT_EQ(now.max_ns(), 0u);
  EXPECT_EQ(now.min_ns(), 0u);
}

// A burst recorded with record_bucket() and one record_burst() leaves the histogram exactly as
// record() on each value does: buckets, count, sum, min and max.
TEST(Histogram, BurstRecordsAsOneByOne) {
  std::mt19937_64 rng(99);
  auto one = std::make_unique<Histogram>(), burst = std::make_unique<Histogram>();
  for (int round = 0; round < 200; ++round) {
    Histogram::Burst b;
    const size_t n = rng() % 40;  // empty bursts too
    for (size_t k = 0; k < n; ++k) {
      const uint64_t ns = rng() >> (rng() % 64);
      one->record(ns);
      burst->record_bucket(ns);
      b.add(ns);
    }
    burst->record_burst(b);
  }
  EXPECT_EQ(burst->count(), one->count());
  EXPECT_EQ(burst->sum_ns(), one->sum_ns());
  EXPECT_EQ(burst->min_ns(), one->min_ns());
  EXPECT_EQ(burst->max_ns(), one->max_ns());
  for (size_t k = 0; k < Histogram::kBuckets; ++k) ASSERT_EQ(burst->bucket_count(k), one->bucket_count(k)) << k;
}

// TX's form: a burst split into runs, each run's values counted per bucket with
// record_in_bucket(bucket, n) and its Burst merged into the burst's; the histogram ends exactly as
// record() on each value leaves it. Values repeat, as a burst's latencies do.
TEST(Histogram, RunsRecordAsOneByOne) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 300; ++round) {  // fresh histograms: each round's min and max count
    auto one = std::make_unique<Histogram>(), runs = std::make_unique<Histogram>();
    Histogram::Burst whole;
    const size_t n_runs = rng() % 5;  // empty bursts too
    for (size_t r = 0; r < n_runs; ++r) {
      Histogram::Burst run;
      size_t bucket = 0;
      uint64_t in_bucket = 0;
      uint64_t ns = 0;
      const size_t n = 1 + rng() % 20;
      for (size_t k = 0; k < n; ++k) {
        if (k == 0 || rng() % 4 == 0) ns = rng() >> (rng() % 64);  // a new value now and then
        one->record(ns);
        run.add(ns);
        const size_t b = Histogram::bucket_of(ns);
        if (b != bucket) {
          if (in_bucket) runs->record_in_bucket(bucket, in_bucket);
          bucket = b;
          in_bucket = 0;
        }
        ++in_bucket;
      }
      runs->record_in_bucket(bucket, in_bucket);
      whole.merge(run);
    }
    runs->record_burst(whole);
    ASSERT_EQ(runs->count(), one->count()) << round;
    ASSERT_EQ(runs->sum_ns(), one->sum_ns()) << round;
    ASSERT_EQ(runs->min_ns(), one->min_ns()) << round;
    ASSERT_EQ(runs->max_ns(), one->max_ns()) << round;
    for (size_t k = 0; k < Histogram::kBuckets; ++k) ASSERT_EQ(runs->bucket_count(k), one->bucket_count(k)) << round << " " << k;
  }
}

}  // namespace
}  // namespace edf
