// core_bench.cc: nanoseconds per packet on the scheduling core's hot paths, in bursts of 32 as
// the lcores run them. Items/s in the output is packets per second on one core.
//
// Inputs are built once, outside the timed loops, from fixed seeds; the timed loops do not
// allocate. Numbers are for relative comparison between commits on the same machine.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "edf/classifier.h"
#include "edf/drr.h"
#include "edf/edf_merge.h"
#include "edf/histogram.h"
#include "edf/packet_parse.h"
#include "edf/port_map.h"
#include "edf/token_bucket.h"
#include "frame_builder.h"

namespace {

constexpr size_t kBurst = 32;

// Reports packets as items (items_per_second) and the inverse, time per packet ("per_pkt",
// in seconds with an SI prefix: 3.1n = 3.1 ns).
void set_packets(benchmark::State& state, uint64_t packets) {
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.counters["per_pkt"] = benchmark::Counter(static_cast<double>(packets),
                                                 benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// 32 valid frames: the default profile's ports (and others), with and without a VLAN tag and
// DSCP marking, payloads from 18 to 1400 bytes.
std::vector<edf::test::Frame> make_burst_frames() {
  std::mt19937 rng(32);
  std::vector<edf::test::Frame> frames;
  for (size_t i = 0; i < kBurst; ++i) {
    edf::test::FrameSpec s;
    s.dst_port = static_cast<uint16_t>(i % 4 == 3 ? 5000 + rng() % 1000 : 8080 + rng() % 6);
    s.dscp = i % 8 == 0 ? 46 : 0;
    if (i % 5 == 0) s.vlan_tpid = 0x8100;
    s.payload_len = 18 + rng() % 1383;
    frames.push_back(edf::test::build_frame(s));
  }
  return frames;
}

std::unique_ptr<edf::Classifier> make_classifier() {
  auto c = std::make_unique<edf::Classifier>(3);
  c->add_port_range(8080, 8081, 0);
  c->add_port_range(8082, 8083, 1);
  c->add_port_range(8084, 8085, 2);
  c->add_dscp(46, 0);
  return c;
}

void BM_ParseClassify(benchmark::State& state) {
  const auto frames = make_burst_frames();
  const auto classifier = make_classifier();
  std::array<const uint8_t*, kBurst> data{};
  std::array<size_t, kBurst> len{};
  for (size_t i = 0; i < kBurst; ++i) {
    data[i] = frames[i].bytes.data();
    len[i] = frames[i].bytes.size();
  }
  std::array<uint8_t, kBurst> cls{};
  for (auto _ : state) {
    for (size_t i = 0; i < kBurst; ++i) {
      const edf::ParseResult r = edf::parse_frame(data[i], len[i], len[i]);
      cls[i] = r.ok ? classifier->classify(r.udp) : edf::kNoClass;
    }
    benchmark::DoNotOptimize(cls.data());
    benchmark::ClobberMemory();
  }
  set_packets(state, static_cast<uint64_t>(state.iterations()) * kBurst);
}
BENCHMARK(BM_ParseClassify);

// Always-backlogged queues: each cycles through a fixed table of packet sizes, so head_bytes()
// is a load and pop() an increment, as with a BurstQueue in front of a full ring.
template <size_t kQueues>
struct BackloggedQueues {
  static constexpr size_t kSizes = 256;
  std::array<std::array<uint32_t, kSizes>, kQueues> sizes{};
  std::array<size_t, kQueues> head{};
  std::optional<uint32_t> head_bytes(size_t i) const { return sizes[i][head[i] % kSizes]; }
  void pop(size_t i) { ++head[i]; }
};

void BM_DrrServe(benchmark::State& state) {
  constexpr size_t kQueues = 4;
  BackloggedQueues<kQueues> q;
  std::mt19937 rng(4);
  for (auto& table : q.sizes)
    for (auto& s : table) s = static_cast<uint32_t>(64 + rng() % 1455);
  const std::array<uint32_t, kQueues> quanta{4096, 4096, 8192, 1500};
  edf::Drr<8> drr(quanta);
  size_t served = 0;
  for (auto _ : state) {
    served += drr.serve(q, kBurst);
    benchmark::DoNotOptimize(served);
  }
  set_packets(state, served);
}
BENCHMARK(BM_DrrServe);

void BM_DrrServeWithTokenBucket(benchmark::State& state) {
  // The TX lcore's loop: DRR asks a token bucket before each packet; the virtual clock advances
  // enough per burst that the bucket rarely refuses.
  constexpr size_t kQueues = 4;
  BackloggedQueues<kQueues> q;
  std::mt19937 rng(5);
  for (auto& table : q.sizes)
    for (auto& s : table) s = static_cast<uint32_t>(64 + rng() % 1455);
  const std::array<uint32_t, kQueues> quanta{4096, 4096, 8192, 1500};
  edf::Drr<8> drr(quanta);
  uint64_t now = 0;
  edf::TokenBucket tb(100'000'000'000, 1 << 20, 2'000'000'000, now);
  size_t served = 0;
  for (auto _ : state) {
    now += 10'000;  // 5 us at 2 GHz
    tb.refill(now);
    served += drr.serve(q, kBurst, [&](uint32_t bytes) { return tb.try_consume(bytes); });
    benchmark::DoNotOptimize(served);
  }
  set_packets(state, served);
}
BENCHMARK(BM_DrrServeWithTokenBucket);

// Class queues whose heads advance by each class's budget per packet: deadlines stay in order
// within a class, and the earliest head moves between classes as in a mixed load.
template <size_t kClasses>
struct DeadlineQueues {
  std::array<uint64_t, kClasses> next{};
  std::array<uint64_t, kClasses> step{};
  uint64_t head_deadline(size_t i) const { return next[i]; }
  void pop(size_t i) { next[i] += step[i]; }
};

template <size_t kClasses>
void BM_EdfPickEarliest(benchmark::State& state) {
  DeadlineQueues<kClasses> q;
  for (size_t i = 0; i < kClasses; ++i) {
    q.next[i] = 1000 * (i + 1);
    q.step[i] = 97 + 31 * i;  // co-prime steps: the winner changes often
  }
  size_t picks = 0;
  for (auto _ : state) {
    for (size_t k = 0; k < kBurst; ++k) {
      const size_t c = edf::pick_earliest(q, kClasses);
      q.pop(c);
      ++picks;
    }
    benchmark::DoNotOptimize(q.next.data());
  }
  set_packets(state, picks);
}
BENCHMARK(BM_EdfPickEarliest<4>)->Name("BM_EdfPickEarliest/4_classes");
BENCHMARK(BM_EdfPickEarliest<8>)->Name("BM_EdfPickEarliest/8_classes");

void BM_HistogramRecord(benchmark::State& state) {
  // Log-uniform latencies from 1 us to 100 ms, as a latency histogram sees them.
  constexpr size_t kValues = 4096;
  std::vector<uint64_t> values(kValues);
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> log_ns(std::log(1e3), std::log(1e8));
  for (auto& v : values) v = static_cast<uint64_t>(std::exp(log_ns(rng)));
  auto h = std::make_unique<edf::Histogram>();
  size_t pos = 0;
  for (auto _ : state) {
    for (size_t k = 0; k < kBurst; ++k) h->record(values[(pos + k) % kValues]);
    pos = (pos + kBurst) % kValues;
  }
  benchmark::DoNotOptimize(h->count());
  set_packets(state, static_cast<uint64_t>(state.iterations()) * kBurst);
}
BENCHMARK(BM_HistogramRecord);

void BM_PortMapRewrite(benchmark::State& state) {
  // Map both ways so a mapped frame is rewritten on every pass (8080 -> 9080 -> 8080 ...);
  // a quarter of the burst uses unmapped ports, as unclassified traffic would.
  auto frames = make_burst_frames();
  auto map = std::make_unique<edf::PortMap>();
  map->add_range(8080, 8085, 9080);
  map->add_range(9080, 9085, 8080);
  std::array<uint8_t*, kBurst> udp{};
  for (size_t i = 0; i < kBurst; ++i) udp[i] = frames[i].bytes.data() + frames[i].l4;
  size_t changed = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < kBurst; ++i) changed += map->rewrite(udp[i]) ? 1 : 0;
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(changed);
  set_packets(state, static_cast<uint64_t>(state.iterations()) * kBurst);
  state.counters["rewritten"] = benchmark::Counter(static_cast<double>(changed) /
                                                   static_cast<double>(static_cast<uint64_t>(state.iterations()) * kBurst));
}
BENCHMARK(BM_PortMapRewrite);

}  // namespace

BENCHMARK_MAIN();
