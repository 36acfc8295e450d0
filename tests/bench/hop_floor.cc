// hop_floor.cc: the least a pipeline shaped like edfpipe's can cost, measured on the same devices
// as edfpipe and dpdk-testpmd, so that tools/fwd-bench can say how much of the gap to testpmd io
// is the design (two ring hops, a ring per class at each) and how much is edfpipe's own work on
// each packet.
//
// One forwarding lcore (the first worker lcore) loops, for --seconds, over:
//   io      rx_burst -> tx_burst, as testpmd --forward-mode=io
//   hops    rx_burst -> rte_ring -> rte_ring -> tx_burst: the RX -> EDF and EDF -> TX rings of
//           docs/architecture.md, single-producer single-consumer, a burst per hop, and nothing else
//   touch   hops, and each frame's Ethernet type read and an mbuf field written on the way (the
//           least an RX stage does: look at the frame, leave a note in the mbuf)
//   classes touch with a ring per class at each hop, as edfpipe has: each frame's class is its
//           UDP destination port modulo 4 (read at the offset of an untagged IPv4 header without
//           options), each burst is grouped by class and enqueued a group per ring, every class's
//           rings are dequeued at each hop, and TX sends what they gave in one tx_burst; no
//           parse, pick, DRR or statistics
// RX is port 0 queue 0; TX is port 1 queue 0 if there is a second port, else port 0 (a net_pcap
// port with rx_pcap and tx_pcap). Frames a tx_burst refuses are freed and counted as dropped.
//
// Prints one JSON object: mode, packets sent, dropped, seconds, mpps, and busy TSC cycles per sent
// packet, where busy cycles are those of loop iterations that received something (as testpmd's
// --record-core-cycles counts them). Exits non-zero on a bad option, an EAL or port error, or
// when no packet went through. Removes its EAL runtime directory (its --file-prefix) at the end.
//
// Run: BUILD/tests/bench/edfpipe_hop_floor -l 0,1 --no-huge -m 1024 --vdev 'net_pcap0,...' --
//        --mode hops --seconds 5
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "edf/eal_args.h"
#include "edf/parse_num.h"
#include "process.h"

namespace {

enum class Mode { kIo, kHops, kTouch, kClasses };

constexpr unsigned kBurst = 32;
constexpr unsigned kRingSize = 1024;
constexpr unsigned kDescs = 1024;
constexpr unsigned kPoolSize = 8191;
constexpr unsigned kPoolCache = 256;
constexpr uint64_t kMaxSeconds = 3600;
constexpr unsigned kClasses = 4;
constexpr size_t kDstPortAt = 14 + 20 + 2;  // Ethernet, IPv4 without options, UDP source port

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

struct Floor {
  Mode mode = Mode::kHops;
  uint64_t seconds = 5;
  uint16_t rx_port = 0, tx_port = 0;
  std::array<rte_ring*, kClasses> r1{};  // "RX -> EDF" (hops and touch use the first)
  std::array<rte_ring*, kClasses> r2{};  // "EDF -> TX"
  // Results, written by the forwarding lcore, read by main after rte_eal_wait_lcore().
  uint64_t sent = 0, dropped = 0, busy = 0, elapsed = 0;
  std::atomic<bool> done{false};  // set by the forwarding lcore as it returns
};

uint16_t send(uint16_t port, rte_mbuf** pkts, uint16_t n, Floor& f) {
  const uint16_t s = rte_eth_tx_burst(port, 0, pkts, n);
  if (s < n) {
    rte_pktmbuf_free_bulk(pkts + s, n - s);
    f.dropped += n - s;
  }
  return s;
}

// The classes mode's three steps for one burst in a: grouped by class into b and enqueued on the
// class's RX -> EDF ring, moved class by class to the EDF -> TX rings, and sent in one tx_burst.
void forward_classes(Floor& f, rte_mbuf** a, rte_mbuf** b, uint16_t n) {
  std::array<uint8_t, kBurst> cls{};
  std::array<unsigned, kClasses + 1> start{};
  for (uint16_t k = 0; k < n; ++k) {
    const auto* d = rte_pktmbuf_mtod(a[k], const uint8_t*);
    cls[k] = rte_pktmbuf_data_len(a[k]) >= kDstPortAt + 2 ? static_cast<uint8_t>(d[kDstPortAt + 1] % kClasses) : 0;
    a[k]->hash.usr = cls[k];
    ++start[cls[k] + 1];
  }
  for (unsigned c = 0; c < kClasses; ++c) start[c + 1] += start[c];
  std::array<unsigned, kClasses> fill{};
  std::copy_n(start.begin(), kClasses, fill.begin());
  for (uint16_t k = 0; k < n; ++k) b[fill[cls[k]]++] = a[k];
  for (unsigned c = 0; c < kClasses; ++c)
    if (start[c + 1] > start[c])
      (void)rte_ring_sp_enqueue_burst(f.r1[c], reinterpret_cast<void**>(b + start[c]), start[c + 1] - start[c], nullptr);
  for (unsigned c = 0; c < kClasses; ++c) {
    const unsigned m = rte_ring_sc_dequeue_burst(f.r1[c], reinterpret_cast<void**>(a), kBurst, nullptr);
    if (m) (void)rte_ring_sp_enqueue_burst(f.r2[c], reinterpret_cast<void**>(a), m, nullptr);
  }
  // One tx_burst for what every class's ring gave, as edfpipe's egress hands the NIC a burst: a
  // tx_burst per class would pay the PMD's per-call cost (net_pcap writes its file at each) per class.
  unsigned k = 0;
  for (unsigned c = 0; c < kClasses && k < kBurst; ++c)
    k += rte_ring_sc_dequeue_burst(f.r2[c], reinterpret_cast<void**>(a + k), kBurst - k, nullptr);
  if (k) f.sent += send(f.tx_port, a, static_cast<uint16_t>(k), f);
}

int forward(void* arg) {
  Floor& f = *static_cast<Floor*>(arg);
  std::array<rte_mbuf*, kBurst> a{}, b{};
  const uint64_t start = rte_rdtsc();
  const uint64_t end = start + f.seconds * rte_get_tsc_hz();
  uint64_t now = start;
  while (now < end && !g_stop.load(std::memory_order_relaxed)) {
    const uint16_t n = rte_eth_rx_burst(f.rx_port, 0, a.data(), kBurst);
    if (n == 0) {
      now = rte_rdtsc();
      continue;
    }
    if (f.mode == Mode::kIo) {
      f.sent += send(f.tx_port, a.data(), n, f);
    } else if (f.mode == Mode::kClasses) {
      forward_classes(f, a.data(), b.data(), n);
    } else {
      if (f.mode == Mode::kTouch)
        for (uint16_t k = 0; k < n; ++k)
          a[k]->hash.usr = rte_pktmbuf_mtod(a[k], const rte_ether_hdr*)->ether_type;
      // The rings hold kRingSize - 1 and carry one burst at a time: they cannot refuse.
      (void)rte_ring_sp_enqueue_burst(f.r1[0], reinterpret_cast<void**>(a.data()), n, nullptr);
      const unsigned m = rte_ring_sc_dequeue_burst(f.r1[0], reinterpret_cast<void**>(b.data()), kBurst, nullptr);
      (void)rte_ring_sp_enqueue_burst(f.r2[0], reinterpret_cast<void**>(b.data()), m, nullptr);
      const unsigned k = rte_ring_sc_dequeue_burst(f.r2[0], reinterpret_cast<void**>(a.data()), kBurst, nullptr);
      f.sent += send(f.tx_port, a.data(), static_cast<uint16_t>(k), f);
    }
    const uint64_t t = rte_rdtsc();
    f.busy += t - now;
    now = t;
  }
  f.elapsed = now - start;
  f.done.store(true, std::memory_order_release);
  return 0;
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "edfpipe_hop_floor: error: %s\n", why.c_str());
  std::exit(EXIT_FAILURE);
}

void usage(FILE* out) {
  std::fputs("usage: edfpipe_hop_floor [EAL options] -- [--mode io|hops|touch|classes] [--seconds S]\n"
             "  io     rx_burst -> tx_burst (testpmd --forward-mode=io)\n"
             "  hops   rx_burst -> ring -> ring -> tx_burst (edfpipe's two ring hops, nothing else)\n"
             "  touch  hops, reading each frame's Ethernet type and writing an mbuf field\n"
             "  classes  touch with 4 rings per hop, a frame's class its UDP destination port % 4\n"
             "  --seconds S   forwarding time, 1..3600 (5)\n",
             out);
}

void parse_args(int argc, char** argv, Floor& f) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      std::exit(EXIT_SUCCESS);
    }
    if (a != "--mode" && a != "--seconds") die(std::string(a) + ": unknown option (see --help)");
    if (i + 1 >= argc) die(std::string(a) + ": needs a value (see --help)");
    const std::string_view v = argv[++i];
    if (a == "--mode") {
      if (v == "io") f.mode = Mode::kIo;
      else if (v == "hops") f.mode = Mode::kHops;
      else if (v == "touch") f.mode = Mode::kTouch;
      else if (v == "classes") f.mode = Mode::kClasses;
      else die("--mode " + std::string(v) + ": not io, hops, touch or classes");
    } else if (const edf::Status st = edf::parse_uint<uint64_t>(v, 1, kMaxSeconds, f.seconds); !st.ok()) {
      die("--seconds " + std::string(v) + ": " + st.messages().front());
    }
  }
}

void setup_port(uint16_t port, rte_mempool* pool) {
  const rte_eth_conf conf{};
  const int socket = rte_eth_dev_socket_id(port);
  const unsigned s = socket < 0 ? rte_socket_id() : static_cast<unsigned>(socket);
  int rc = rte_eth_dev_configure(port, 1, 1, &conf);
  if (rc == 0) rc = rte_eth_rx_queue_setup(port, 0, kDescs, s, nullptr, pool);
  if (rc == 0) rc = rte_eth_tx_queue_setup(port, 0, kDescs, s, nullptr);
  if (rc == 0) rc = rte_eth_dev_start(port);
  if (rc != 0) die("port " + std::to_string(port) + ": set-up failed: " + rte_strerror(-rc));
}

const char* to_string(Mode m) {
  switch (m) {
    case Mode::kIo: return "io";
    case Mode::kHops: return "hops";
    case Mode::kTouch: return "touch";
    case Mode::kClasses: return "classes";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  // A closed standard descriptor would be taken by a file EAL opens, and the result printed into
  // EAL's memory (src/process.h): /dev/null takes it first.
  if (!edf::ensure_std_fds()) return EXIT_FAILURE;
  // Its own options first (after "--"), so that --help and a mistake need no EAL.
  edf::EalArgs split = edf::split_eal_args(argc, argv);
  Floor f;
  parse_args(split.own_argc(), split.own.data(), f);
  if (rte_eal_init(split.eal_argc, argv) < 0) die(std::string("EAL: ") + rte_strerror(rte_errno));
  const uint16_t ports = rte_eth_dev_count_avail();
  if (ports == 0) die("no port: give one with --vdev (a net_pcap with rx_pcap and tx_pcap, or two ports)");
  f.tx_port = ports > 1 ? 1 : 0;
  const unsigned lcore = rte_get_next_lcore(-1, 1, 0);
  if (lcore >= RTE_MAX_LCORE) die("no worker lcore: give two with -l (the main one waits)");

  rte_mempool* pool = rte_pktmbuf_pool_create("hop_floor", kPoolSize, kPoolCache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_lcore_to_socket_id(lcore)));
  if (!pool) die(std::string("mempool: ") + rte_strerror(rte_errno));
  for (uint16_t p = 0; p < ports && p < 2; ++p) setup_port(p, pool);
  for (unsigned c = 0; c < kClasses; ++c)
    for (auto* rings : {&f.r1, &f.r2}) {
      const std::string name = std::string(rings == &f.r1 ? "hop_floor_rx" : "hop_floor_tx") + std::to_string(c);
      (*rings)[c] = rte_ring_create(name.c_str(), kRingSize, static_cast<int>(rte_lcore_to_socket_id(lcore)),
                                    RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (!(*rings)[c]) die("ring " + name + ": " + rte_strerror(rte_errno));
    }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (const int rc = rte_eal_remote_launch(forward, &f, lcore); rc != 0)
    die("cannot launch lcore " + std::to_string(lcore) + ": " + rte_strerror(-rc));
  // The main lcore sleeps meanwhile: rte_eal_wait_lcore() polls, and a CPU busy with it is taken
  // from the forwarding lcore where two CPUs share a core (testpmd's main lcore blocks on its
  // prompt; edfpipe's sleeps in its control loop).
  while (!f.done.load(std::memory_order_acquire)) rte_delay_us_sleep(1000);
  (void)rte_eal_wait_lcore(lcore);

  const double secs = static_cast<double>(f.elapsed) / static_cast<double>(rte_get_tsc_hz());
  std::printf("{\"mode\": \"%s\", \"lcore\": %u, \"packets\": %llu, \"dropped\": %llu, \"seconds\": %.3f, "
              "\"mpps\": %.3f, \"busy_cycles_per_packet\": %.1f}\n",
              to_string(f.mode), lcore, static_cast<unsigned long long>(f.sent),
              static_cast<unsigned long long>(f.dropped), secs, secs > 0 ? static_cast<double>(f.sent) / secs / 1e6 : 0.0,
              f.sent ? static_cast<double>(f.busy) / static_cast<double>(f.sent) : 0.0);
  const bool printed = std::fflush(stdout) == 0 && !std::ferror(stdout);
  for (uint16_t p = 0; p < ports && p < 2; ++p) {
    (void)rte_eth_dev_stop(p);
    (void)rte_eth_dev_close(p);
  }
  for (unsigned c = 0; c < kClasses; ++c) {
    rte_ring_free(f.r1[c]);
    rte_ring_free(f.r2[c]);
  }
  rte_mempool_free(pool);
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir, ec);
  if (!printed) {
    std::fprintf(stderr, "edfpipe_hop_floor: error: cannot write the result to standard output\n");
    return EXIT_FAILURE;
  }
  if (f.sent == 0) {
    std::fprintf(stderr, "edfpipe_hop_floor: error: no packet went through\n");
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
