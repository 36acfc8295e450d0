// path_bench.cc: nanoseconds per packet of the whole edfpipe data path, RX -> EDF -> TX, with every
// role on one lcore, `--processing fwd` and the default profile, on a port whose driver costs
// next to nothing: DPDK's ring PMD made with rte_eth_from_rings() from two rte_rings this
// benchmark owns (RX queue 0 dequeues from one, TX queue 0 enqueues onto the other). No --vdev,
// no PCI device, no hugepages.
//
// Start-up is edfpipe's own: the profile as main() builds it (src/setup.h), EAL on lcores 0 and 1
// (--no-huge -m 512 --no-pci, a --file-prefix of its own), edf::init_app, and edf::lcore_main
// launched on lcore 1 by edf::launch_lcores; at the end edf::drain stops it through
// AppContext::phase, as main() does, and the run is checked as edfpipe checks its own.
//
// Traffic: kPopulation 64-byte UDP/IPv4 frames, to ports 8080-8085 in turn (the default profile's
// classes high, medium and low, a third each), circulate. The benchmark's thread, on the main
// lcore, is the feeder: it takes each burst edfpipe transmitted off the TX ring, checks that every
// frame is exactly what fwd must send (the destination port rewritten by the profile's port map,
// the UDP checksum patched), writes the next frame of the 8080-8085 cycle over it (one cache line)
// and enqueues the burst on the RX ring. No mbuf is allocated or freed per packet.
//
// One benchmark iteration is one burst of 32 frames recycled; Time is wall time per such burst.
// The counters (over the timed loop only, after an untimed warm-up):
//   ns_per_pkt       busy time of edfpipe's lcore per packet it transmitted: its own LcoreStats,
//                    busy_cycles / tx, in ns (the JSON report's busy_cycles / tx; docs/scaling.md)
//   cycles_per_pkt   the same in TSC cycles
//   wall_ns_per_pkt  wall time of the loop / packets recycled: the inverse of the throughput
//   busy             busy / total cycles of the lcore (about 1 when the feeder keeps it loaded)
//   pkts_per_loop    packets transmitted per iteration of the lcore's loop (32 = full bursts)
//   feeder_wait      share of the wall time the feeder waited for edfpipe: near 0, the feeder
//                    is the bottleneck and edfpipe's lcore is not fully loaded (busy < 1)
//   stalled          share of the wall time edfpipe's lcore did not run (its StallLog: loop gaps
//                    over ~220 us, the kernel or the hypervisor took the CPU), counted as busy
//                    when it happened in a busy iteration
// A run to trust has busy ~1, pkts_per_loop ~32 and stalled ~0; on a shared machine, others'
// threads show as lower busy, smaller bursts, stalls and a higher ns_per_pkt.
// items_per_second is packets per second through the pipeline.
//
// The run fails loudly: a packet dropped (any reason), a frame not forwarded as fwd must, no frame
// back for a second, an EAL or set-up error, a pipeline that does not drain, or a frame or mbuf
// missing at the end gives SkipWithError and a non-zero exit status; so does a --benchmark_filter
// that matches nothing.
//
// Run: BUILD/tests/bench/edfpipe_path_bench [benchmark flags] [-- edfpipe options], e.g.
//   edfpipe_path_bench --benchmark_repetitions=3 -- -f conf/edfpipe.ini
// edfpipe's options (docs/cli.md) come after `--processing fwd`, so they may change it.
#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "app.h"
#include "args.h"
#include "edf/counter.h"
#include "edf/eal_args.h"
#include "edf/policy.h"
#include "frame_builder.h"
#include "init.h"
#include "setup.h"
#include "stats.h"

namespace {

constexpr unsigned kBurst = 32;          // frames the feeder moves at a time (one iteration)
constexpr unsigned kPopulation = 1024;   // frames in circulation (the profile's rxd)
constexpr unsigned kRingSize = 2048;     // the port's rings: each holds the whole population
constexpr size_t kFrameLen = 64;         // bytes in the mbuf, as tools/edfpcap.py --min-size 64
constexpr size_t kPorts = 6;             // UDP destination ports 8080-8085
constexpr uint16_t kFirstPort = 8080;
constexpr unsigned kWarmupBursts = 4 * kPopulation / kBurst;  // every frame round four times
constexpr uint64_t kStallMs = 1000;      // no frame back for this long: the pipeline is stuck
static_assert(kRingSize - 1 >= kPopulation && kPopulation % kBurst == 0);

using FrameBytes = std::array<uint8_t, kFrameLen>;

struct Path {
  edf::AppContext* app = nullptr;
  rte_ring* rx = nullptr;  // feeder -> edfpipe: the port's RX queue 0
  rte_ring* tx = nullptr;  // edfpipe -> feeder: the port's TX queue 0
  std::array<FrameBytes, kPorts> sent{};      // frame k as fed: destination port 8080 + k
  std::array<FrameBytes, kPorts> expected{};  // frame k as fwd must transmit it
  std::array<uint16_t, kPorts> expected_port{};
  size_t udp_offset = 0;
  size_t next = 0;          // the frame the next recycled mbuf becomes
  uint64_t bad_frames = 0;  // frames that came back other than `expected`
  uint64_t wait_tsc = 0;    // time the feeder waited for edfpipe to transmit a burst
  uint64_t stall_tsc = 0;
};

Path* g_path = nullptr;
bool g_failed = false;  // any run that failed: the exit status

int fail(const edf::Status& st) {
  for (const std::string& e : st.messages()) std::fprintf(stderr, "edfpipe_path_bench: error: %s\n", e.c_str());
  return EXIT_FAILURE;
}

// The lcores' counters summed, read while they run (relaxed single-writer counters, edf/counter.h).
struct Totals {
  uint64_t busy = 0, total = 0, loops = 0, tx = 0, stalled = 0;
  std::array<uint64_t, edf::kDropReasonCount> drops{};
};

Totals read_totals(const edf::AppContext& app) {
  Totals t;
  for (const edf::LcoreContext* c : app.lcores) {
    const edf::LcoreStats& s = *c->stats;
    t.busy += edf::counter_read(s.busy_cycles);
    t.total += edf::counter_read(s.total_cycles);
    t.loops += edf::counter_read(s.loops);
    t.stalled += c->stalls.total();
    for (size_t r = 0; r < edf::kDropReasonCount; ++r) t.drops[r] += edf::counter_read(s.parse_drops[r]);
    for (size_t k = 0; k < app.n_classes; ++k) {
      t.tx += edf::counter_read(s.cls[k].tx);
      for (size_t r = 0; r < edf::kDropReasonCount; ++r) t.drops[r] += edf::counter_read(s.cls[k].drops[r]);
    }
  }
  return t;
}

// "3 lost (tx_ring_full 3)" for the drops between two readings, or "" if none.
std::string describe_drops(const Totals& a, const Totals& b) {
  uint64_t n = 0;
  std::string by;
  for (size_t r = 0; r < edf::kDropReasonCount; ++r)
    if (const uint64_t d = b.drops[r] - a.drops[r]; d != 0) {
      n += d;
      by += std::string(by.empty() ? "" : ", ") + std::string(edf::kDropReasonNames[r]) + " " + std::to_string(d);
    }
  return n ? std::to_string(n) + " packets lost (" + by + ")" : "";
}

// Moves one burst from the TX ring back to the RX ring: checks each frame, then turns it into the
// next frame to send. False if no burst came back within kStallMs.
bool recycle_burst(Path& p) {
  std::array<rte_mbuf*, kBurst> b;  // NOLINT: filled by the dequeue
  if (rte_ring_sc_dequeue_bulk(p.tx, reinterpret_cast<void**>(b.data()), kBurst, nullptr) == 0) {
    const uint64_t start = rte_rdtsc();
    uint64_t now = start;
    do {
      rte_pause();
      now = rte_rdtsc();
      if (now - start > p.stall_tsc) return false;
    } while (rte_ring_sc_dequeue_bulk(p.tx, reinterpret_cast<void**>(b.data()), kBurst, nullptr) == 0);
    p.wait_tsc += now - start;
  }
  // The frames' cache lines were last written by edfpipe's lcore (the port rewrite): ask for all of
  // them at once, for writing, so that their transfers overlap rather than queue up one by one.
  for (rte_mbuf* m : b) rte_prefetch0_write(rte_pktmbuf_mtod(m, void*));
  for (rte_mbuf* m : b) {
    uint8_t* d = rte_pktmbuf_mtod(m, uint8_t*);
    const auto port = static_cast<uint16_t>((d[p.udp_offset + 2] << 8) | d[p.udp_offset + 3]);
    size_t k = 0;
    while (k < kPorts && p.expected_port[k] != port) ++k;
    if (k == kPorts || rte_pktmbuf_data_len(m) != kFrameLen || rte_pktmbuf_pkt_len(m) != kFrameLen ||
        std::memcmp(d, p.expected[k].data(), kFrameLen) != 0)
      ++p.bad_frames;
    std::memcpy(d, p.sent[p.next].data(), kFrameLen);
    if (++p.next == kPorts) p.next = 0;
  }
  // The RX ring holds the whole population: it cannot be full (a frame lost here would fail the
  // count at the end).
  (void)rte_ring_sp_enqueue_bulk(p.rx, reinterpret_cast<void**>(b.data()), kBurst, nullptr);
  return true;
}

void BM_Path(benchmark::State& state) {
  if (!g_path) {
    state.SkipWithError("the pipeline is not running");
    g_failed = true;
    return;
  }
  Path& p = *g_path;
  const edf::AppContext& app = *p.app;
  auto error = [&](const std::string& why) {
    state.SkipWithError(why.c_str());
    g_failed = true;
  };
  const std::string stuck = "no frame came back from edfpipe for " + std::to_string(kStallMs) + " ms";
  // Untimed: the feeder was idle since the last run and the lcore has drained; fill it again.
  for (unsigned i = 0; i < kWarmupBursts; ++i)
    if (!recycle_burst(p)) return error(stuck + " (warm-up)");

  const uint64_t bad_before = p.bad_frames, wait_before = p.wait_tsc;
  const Totals a = read_totals(app);
  const uint64_t t0 = rte_rdtsc();
  uint64_t fed = 0;
  bool stalled = false;
  for (auto _ : state) {
    if (!recycle_burst(p)) {
      stalled = true;
      break;
    }
    fed += kBurst;
  }
  const uint64_t t1 = rte_rdtsc();
  const Totals b = read_totals(app);
  if (stalled) return error(stuck);

  if (const std::string lost = describe_drops(a, b); !lost.empty()) return error(lost);
  if (const uint64_t bad = p.bad_frames - bad_before; bad != 0)
    return error(std::to_string(bad) + " frames came back other than fwd must send them");
  const uint64_t tx = b.tx - a.tx;
  if (tx == 0 || fed == 0) return error("no packet went through");

  const double hz = static_cast<double>(app.tsc_hz);
  const double busy = static_cast<double>(b.busy - a.busy);
  const double cycles = busy / static_cast<double>(tx);
  state.counters["ns_per_pkt"] = cycles * 1e9 / hz;
  state.counters["cycles_per_pkt"] = cycles;
  state.counters["wall_ns_per_pkt"] = static_cast<double>(t1 - t0) * 1e9 / hz / static_cast<double>(fed);
  state.counters["busy"] = b.total > a.total ? busy / static_cast<double>(b.total - a.total) : 0.0;
  state.counters["stalled"] = static_cast<double>(b.stalled - a.stalled) / static_cast<double>(t1 - t0);
  state.counters["feeder_wait"] = static_cast<double>(p.wait_tsc - wait_before) / static_cast<double>(t1 - t0);
  state.counters["pkts_per_loop"] =
      b.loops > a.loops ? static_cast<double>(tx) / static_cast<double>(b.loops - a.loops) : 0.0;
  state.SetItemsProcessed(static_cast<int64_t>(fed));
  state.SetLabel("processing " + app.profile.pipeline.processing + ", scheduling " +
                 std::string(edf::to_string(app.profile.pipeline.scheduling)) + ", " + std::to_string(kFrameLen) +
                 " B to ports 8080-8085, " + std::to_string(kPopulation) + " in flight");
}
BENCHMARK(BM_Path)->UseRealTime();

rte_ring* make_ring(const char* name) {
  return rte_ring_create(name, kRingSize, static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
}

// The frames: sent[k] to port 8080 + k, expected[k] the same after the profile's port map (as the
// fwd stage rewrites it: edf::PortMap, destination port and UDP checksum).
void build_frames(Path& p, const edf::AppContext& app) {
  for (size_t k = 0; k < kPorts; ++k) {
    edf::test::FrameSpec s;
    s.dst_port = static_cast<uint16_t>(kFirstPort + k);
    s.payload_len = kFrameLen - 14 - 20 - 8;
    const edf::test::Frame f = edf::test::build_frame(s);
    std::memcpy(p.sent[k].data(), f.bytes.data(), kFrameLen);
    p.expected[k] = p.sent[k];
    app.port_map.rewrite(p.expected[k].data() + f.l4);
    p.expected_port[k] = edf::test::get16(p.expected[k].data() + f.l4 + 2);
    p.udp_offset = f.l4;
  }
}

// Everything between EAL's start and its cleanup: the port, edfpipe's init, the population, the
// lcore, the benchmarks, the stop and the checks. Returns the exit status.
int run(edf::AppContext& app) {
  Path p;
  p.app = &app;
  p.rx = make_ring("pathb_rx");
  p.tx = make_ring("pathb_tx");
  int port = -1;
  bool port_closed = false;
  auto free_port_and_rings = [&] {
    if (port >= 0 && !port_closed) {
      (void)rte_eth_dev_stop(static_cast<uint16_t>(port));
      (void)rte_eth_dev_close(static_cast<uint16_t>(port));
    }
    rte_ring_free(p.rx);
    rte_ring_free(p.tx);
  };
  if (!p.rx || !p.tx) {
    free_port_and_rings();
    return fail(edf::Status::error(std::string("cannot create the port's rings: ") + rte_strerror(rte_errno)));
  }
  port = rte_eth_from_rings("pathb", &p.rx, 1, &p.tx, 1, rte_socket_id());
  if (port < 0) {
    free_port_and_rings();
    return fail(edf::Status::error(std::string("rte_eth_from_rings failed: ") + rte_strerror(rte_errno)));
  }
  auto abort_start = [&](const edf::Status& st) {
    (void)edf::close_ports_and_check_pools(app);
    free_port_and_rings();
    return fail(st);
  };
  if (edf::Status st = edf::init_app(app); !st.ok()) return abort_start(st);
  if (app.ports.size() != 1 || app.ports[0] != port || app.pools.empty())
    return abort_start(edf::Status::error("expected edfpipe to use the ring port " + std::to_string(port) + " alone"));
  build_frames(p, app);
  p.stall_tsc = kStallMs * app.tsc_hz / 1000;

  std::array<rte_mbuf*, kPopulation> pop{};
  if (rte_pktmbuf_alloc_bulk(app.pools.front(), pop.data(), kPopulation) != 0)
    return abort_start(edf::Status::error("cannot allocate " + std::to_string(kPopulation) + " mbufs"));
  for (unsigned i = 0; i < kPopulation; ++i) {
    char* d = rte_pktmbuf_append(pop[i], kFrameLen);
    std::memcpy(d, p.sent[i % kPorts].data(), kFrameLen);
  }
  p.next = kPopulation % kPorts;
  (void)rte_ring_sp_enqueue_bulk(p.rx, reinterpret_cast<void**>(pop.data()), kPopulation, nullptr);

  for (const edf::LcoreSnapshot& l : edf::take_snapshot(app).lcores)
    std::printf("edfpipe lcore %u: %s; profile %s, processing %s, port %d (net_ring)\n", l.lcore, l.roles.c_str(),
                app.profile.source.c_str(), app.profile.pipeline.processing.c_str(), port);
  std::fflush(stdout);
  app.start_tsc = rte_rdtsc();
  int rc = EXIT_SUCCESS;
  if (edf::Status st = edf::launch_lcores(app); !st.ok()) {
    rc = fail(st);
  } else {
    g_path = &p;
    // A filter that matches nothing runs nothing: that is a failure, not a pass.
    if (benchmark::RunSpecifiedBenchmarks() == 0)
      rc = fail(edf::Status::error("no benchmark ran (does --benchmark_filter match BM_Path?)"));
    g_path = nullptr;
    if (!edf::drain(app)) rc = fail(edf::Status::error("the pipeline did not drain within drain_ms"));
  }
  edf::flush_rings(app);

  // edfpipe's own accounting, as its final report checks it: nothing in flight, nothing dropped.
  const edf::Snapshot snap = edf::take_snapshot(app);
  if (snap.in_flight() != 0 || snap.drops != 0) {
    std::fprintf(stderr, "edfpipe_path_bench: error: accounting: rx %llu, tx %llu, drops %llu, in flight %lld\n",
                 static_cast<unsigned long long>(snap.rx), static_cast<unsigned long long>(snap.tx),
                 static_cast<unsigned long long>(snap.drops), static_cast<long long>(snap.in_flight()));
    rc = EXIT_FAILURE;
  }
  // Every frame of the population is back in the port's rings.
  unsigned back = 0, n = 0;
  while ((n = rte_ring_sc_dequeue_burst(p.tx, reinterpret_cast<void**>(pop.data()), kPopulation, nullptr)) > 0 ||
         (n = rte_ring_sc_dequeue_burst(p.rx, reinterpret_cast<void**>(pop.data()), kPopulation, nullptr)) > 0) {
    back += n;
    rte_pktmbuf_free_bulk(pop.data(), n);
  }
  if (back != kPopulation) {
    std::fprintf(stderr, "edfpipe_path_bench: error: %u of %u frames came back\n", back, kPopulation);
    rc = EXIT_FAILURE;
  }
  const std::vector<edf::MempoolReport> pools = edf::close_ports_and_check_pools(app);
  port_closed = true;
  for (const edf::MempoolReport& mp : pools)
    if (mp.available != mp.size) {
      std::fprintf(stderr, "edfpipe_path_bench: error: mempool %s: %u of %u mbufs returned\n", mp.name.c_str(),
                   mp.available, mp.size);
      rc = EXIT_FAILURE;
    }
  free_port_and_rings();
  if (rc == EXIT_SUCCESS)
    std::printf("accounting: rx %llu = tx %llu + drops %llu; %u frames and every mbuf back\n",
                static_cast<unsigned long long>(snap.rx), static_cast<unsigned long long>(snap.tx),
                static_cast<unsigned long long>(snap.drops), back);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  // Google Benchmark's flags before "--", edfpipe's after (as edfpipe splits EAL's from its own).
  const edf::EalArgs split = edf::split_eal_args(argc, argv);
  int bench_argc = split.eal_argc;
  benchmark::Initialize(&bench_argc, argv);
  if (benchmark::ReportUnrecognizedArguments(bench_argc, argv)) return EXIT_FAILURE;

  std::vector<std::string> app_args{argv[0], "--processing", "fwd"};
  for (int i = 1; i < split.own_argc(); ++i) app_args.emplace_back(split.own[static_cast<size_t>(i)]);
  std::vector<char*> app_argv;
  for (std::string& a : app_args) app_argv.push_back(a.data());
  app_argv.push_back(nullptr);
  edf::AppOptions opts;
  if (edf::Status st = edf::parse_app_args(static_cast<int>(app_args.size()), app_argv.data(), opts); !st.ok())
    return fail(st);
  if (opts.help || opts.check_profile || opts.dump_profile || opts.interactive || !opts.stats_json.empty())
    return fail(edf::Status::error("-h, --check-profile, --dump-profile, -i and --stats-json are edfpipe's own, not the benchmark's"));
  auto app = std::make_unique<edf::AppContext>();
  if (edf::Status st = edf::prepare_profile(opts, app->profile); !st.ok()) return fail(st);

  // Two lcores (main: the feeder; 1: every edfpipe role), no hugepages, no PCI device.
  std::vector<std::string> eal_args{argv[0], "-l", "0,1", "--no-huge", "-m", "512", "--no-pci",
                                    "--file-prefix", "edfpath" + std::to_string(getpid())};
  std::vector<char*> eal_argv;
  for (std::string& a : eal_args) eal_argv.push_back(a.data());
  eal_argv.push_back(nullptr);
  if (edf::Status st = edf::start_eal(static_cast<int>(eal_args.size()), eal_argv.data()); !st.ok()) return fail(st);
  const std::string runtime_dir = rte_eal_get_runtime_dir();

  int rc = run(*app);
  if (rc == EXIT_SUCCESS && g_failed) rc = EXIT_FAILURE;
  benchmark::Shutdown();
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir, ec);  // the prefix is this process's: leave nothing behind
  return rc;
}
