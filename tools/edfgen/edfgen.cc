// edfgen: a DPDK load generator and receiver for edfpipe, on one port.
//
// One worker lcore sends per-class UDP flows on a TSC schedule and receives what comes back on the
// same port (edfpipe sends a packet back out of the port it came in on). Each payload carries a
// magic, the class index, a per-class sequence number and the TSC at send time; both processes run
// on one host and read the same TSC, so RX TSC - TX TSC is the one-way latency through the device
// under test (memif both ways included).
//
// Per class it measures: sent / refused by the port / not generated because the sender fell
// behind; received, lost (sent - unique received), reordered (a sequence number below the highest
// seen), duplicates (within a 64 Ki window), deadline misses (latency > class budget), and a
// log-linear latency histogram (edf::Histogram). Once a second the worker closes an interval:
// per-class counts and interval p50/p99/max, kept for the JSON report and printed as a live line.
//
// Pacing: each flow keeps its next send time in TSC cycles (constant gap, exponential gaps for
// Poisson, or constant gaps during on-periods of an on/off cycle). A flow that falls more than
// --max-lag-us behind (its CPU was taken away) skips the backlog and counts it as `unsent`, so the
// report shows requested, generated and sent rates separately and never hides a shortfall.
//
// Generator stalls: the worker checks the TSC between its steps; a gap longer than --stall-us means
// it was not running (the host or the kernel took its CPU, or, while draining, it yielded). A packet in flight across such a gap
// has that time in its measured latency although neither the link nor the device under test held
// it. Latency is reported as measured; a deadline miss whose latency minus the stalls it overlapped
// is within budget is also counted as `misses_gen_stall`, so a report can tell the generator's
// hiccups from the device's misses. The stalls themselves (count, longest, total) are reported.
//
// Stopping: after --duration the worker stops sending, keeps receiving until the last sent packet
// is back or nothing arrived for --drain-idle-ms (at most --drain-ms), then stops polling. With
// --linger the process then writes its report and waits for SIGINT/SIGTERM before it closes the
// port: a memif server must not be polling while its peer disconnects (see DPDK-NOTES).
#include <getopt.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "edf/classifier.h"
#include "edf/eal_args.h"
#include "edf/file_write.h"
#include "edf/histogram.h"
#include "edf/json_writer.h"
#include "edf/latency_summary.h"
#include "edf/parse_num.h"
#include "edf/profile.h"
#include "edf/stall_log.h"
#include "edf/status.h"
#include "edf/tsc_scale.h"

namespace {

using edf::Histogram;
using edf::kMaxBurst;    // the same limits as edfpipe's
using edf::kMaxClasses;

constexpr uint16_t kMagic = 0xEDF6;
constexpr size_t kMaxSamples = 4096;
constexpr uint32_t kHdrBytes = 14 + 20 + 8;  // Ethernet + IPv4 + UDP
constexpr uint32_t kMinFrame = kHdrBytes + 20;
constexpr uint32_t kMaxFrame = 1514;
constexpr uint64_t kDupWindow = 1u << 16;
constexpr size_t kMissRecords = 1024;  // per class, so that a report can attribute each miss
// Bounds of the options: far beyond what one lcore sends, and small enough that no conversion to
// TSC cycles wraps.
constexpr double kMaxPps = 1e9;
constexpr double kMaxBps = 1e12;
constexpr double kMaxPeriodMs = 3600e3;
constexpr uint64_t kMaxMs = 3600000;
constexpr uint64_t kMaxUs = 3600000000;

// The payload's first 20 bytes. Packed: it sits at offset 42 of the frame.
struct __attribute__((packed)) GenHeader {
  uint16_t magic;
  uint8_t cls;
  uint8_t version;
  uint64_t seq;
  uint64_t tx_tsc;
};
static_assert(sizeof(GenHeader) == 20);

enum class Arrival { kConstant, kPoisson, kOnOff };

struct FlowConfig {
  std::string name;
  uint16_t dst_port = 0;
  double pps = 0;         // requested rate; during on-periods for on/off
  double bps = 0;         // alternative to pps: bit/s of frame bytes (converted with the mean size)
  uint32_t size_min = 64, size_max = 64;
  bool imix = false;      // 7:4:1 of 64, 594, 1514 bytes
  Arrival arrival = Arrival::kConstant;
  double on_ms = 0, off_ms = 0;
  uint32_t budget_us = 0;  // 0 until given or taken from edfpipe's built-in profile
  // UDP source ports, cycled per packet (sports=LO-HI): many 5-tuples, so that a receiver's flow
  // hash spreads one class over its workers. 0: the one port 10000 + class index.
  uint16_t sport_min = 0, sport_max = 0;
};

struct Options {
  std::vector<FlowConfig> flows;
  double duration_s = 10;
  uint64_t drain_ms = 3000;
  uint64_t drain_idle_ms = 300;
  uint64_t link_wait_s = 20;
  uint64_t start_delay_ms = 0;
  uint64_t max_lag_us = 2000;
  uint64_t stall_us = 200;
  uint64_t idle_sleep_us = 0;  // 0: busy-poll; else sleep this long after a round with nothing to do
  uint16_t port = 0;
  uint32_t burst = 32;
  uint32_t mbufs = 16383;
  uint64_t seed = 1;
  std::string json;
  bool linger = false;
  bool quiet = false;
};

// Counters written by the worker only (single writer), read by the main lcore at any time.
struct alignas(64) ClassStats {
  uint64_t generated = 0;  // packets the schedule produced
  uint64_t unsent = 0;     // skipped because the sender fell behind by more than max_lag
  uint64_t sent = 0, sent_bytes = 0;
  uint64_t refused = 0;    // rte_eth_tx_burst did not take them (port full); freed, not sent
  uint64_t received = 0, received_bytes = 0;
  uint64_t reordered = 0, duplicates = 0, misses = 0;
  uint64_t misses_gen_stall = 0;  // misses within budget once the generator's stalls are taken out
  std::vector<std::pair<uint64_t, uint64_t>> miss_records;  // (tx TSC, rx TSC) of the first kMissRecords
  uint64_t max_seq = 0;  // highest sequence number received + 1 (0: none yet)
  Histogram latency;
  Histogram interval;
};

struct Sample {
  double t_s;
  std::array<uint64_t, kMaxClasses> sent, received, misses, p50, p99, max;
};

struct Gen {
  Options opt;
  rte_mempool* pool = nullptr;
  uint64_t tsc_hz = 0;
  std::array<uint64_t, kMaxClasses> budget_tsc{};
  std::vector<std::unique_ptr<ClassStats>> cls;
  std::vector<std::vector<uint64_t>> seen;  // duplicate window bitmaps, one per class
  std::unique_ptr<Sample[]> samples{new Sample[kMaxSamples]};
  std::atomic<size_t> n_samples{0};   // worker: wo (release); main: ro
  std::atomic<int> phase{0};          // main: wo; 0 run, 1 stop now
  std::atomic<bool> done{false};      // worker: wo when it stopped polling
  uint64_t foreign = 0;               // received frames without our magic (worker wo)
  edf::StallLog stalls;  // generator stalls (worker wo; read after it stopped)
  uint64_t stall_tsc = 0, last_check_tsc = 0;
  double send_s = 0, run_s = 0;       // worker wo before done
  uint64_t start_tsc = 0;
};

volatile std::sig_atomic_t g_signal = 0;
void on_signal(int sig) { g_signal = sig; }

// The lib's strict parsers (edf/parse_num.h): the whole value, in [lo, hi], or why not.
template <typename T>
edf::Status parse_num(const std::string& s, T lo, T hi, T& out) {
  if constexpr (std::is_floating_point_v<T>)
    return edf::parse_real<T>(s, lo, hi, out);
  else
    return edf::parse_uint<T>(s, lo, hi, out);
}

// Flows without budget_us= take the budget of the class edfpipe's built-in profile puts their
// packets in (edfgen sends DSCP 0), so that a deadline miss means the same on both sides.
void take_builtin_budgets(std::vector<FlowConfig>& flows) {
  const edf::Profile builtin = edf::default_profile();
  auto classifier = std::make_unique<edf::Classifier>(static_cast<uint8_t>(builtin.default_class()));
  for (size_t c = 0; c < builtin.classes.size(); ++c) {
    for (const edf::PortRange& r : builtin.classes[c].udp_dst_ports) classifier->add_port_range(r.first, r.last, static_cast<uint8_t>(c));
    for (uint8_t d : builtin.classes[c].dscp) classifier->add_dscp(d, static_cast<uint8_t>(c));
  }
  for (FlowConfig& f : flows) {
    edf::ParsedUdp pkt{};
    pkt.dst_port = f.dst_port;
    if (f.budget_us == 0) f.budget_us = builtin.classes[classifier->classify(pkt)].budget_us;
  }
}

// "high 8080-8081 1000 us, ..., best_effort other ports 1000000 us", for --help.
std::string builtin_budgets_text() {
  const edf::Profile builtin = edf::default_profile();
  std::string t;
  for (const edf::ClassConfig& k : builtin.classes) {
    if (!t.empty()) t += ", ";
    t += k.name;
    for (const edf::PortRange& r : k.udp_dst_ports) {
      t.append(" ").append(std::to_string(r.first));
      if (r.last != r.first) t.append("-").append(std::to_string(r.last));
    }
    if (k.is_default) t.append(" other ports");
    t.append(" ").append(std::to_string(k.budget_us)).append(" us");
  }
  return t;
}

// NAME:key=value,... e.g. high:port=8080,pps=640,size=64-1400,arrival=poisson
edf::Status parse_flow(const std::string& spec, FlowConfig& f) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos || colon == 0)
    return edf::Status::error("--flow " + spec + ": expected NAME:key=value,...");
  f.name = spec.substr(0, colon);
  std::string rest = spec.substr(colon + 1);
  bool have_port = false;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string kv = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) return edf::Status::error("--flow " + spec + ": '" + kv + "' is not key=value");
    const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    const std::string bad = "--flow " + spec + ": " + k + "=" + v + ": ";
    if (k == "port") {
      if (edf::Status e = parse_num<uint16_t>(v, 1, 65535, f.dst_port); !e.ok())
        return edf::Status::error(bad + e.message() + " (a UDP port)");
      have_port = true;
    } else if (k == "pps") {
      if (edf::Status e = parse_num(v, 0.0, kMaxPps, f.pps); !e.ok())
        return edf::Status::error(bad + e.message() + " (packets per second)");
    } else if (k == "bps") {
      if (edf::Status e = parse_num(v, 0.0, kMaxBps, f.bps); !e.ok())
        return edf::Status::error(bad + e.message() + " (bits per second)");
    } else if (k == "size") {
      if (v == "imix") {
        f.imix = true;
      } else {
        const size_t dash = v.find('-');
        const std::string lo = v.substr(0, dash), hi = dash == std::string::npos ? lo : v.substr(dash + 1);
        edf::Status e = parse_num(lo, kMinFrame, kMaxFrame, f.size_min);
        if (e.ok()) e = parse_num(hi, f.size_min, kMaxFrame, f.size_max);
        if (!e.ok())
          return edf::Status::error(bad + e.message() + " (N, MIN-MAX or imix, frame bytes " +
                                    std::to_string(kMinFrame) + "-" + std::to_string(kMaxFrame) + ")");
      }
    } else if (k == "arrival") {
      if (v == "const" || v == "constant") {
        f.arrival = Arrival::kConstant;
      } else if (v == "poisson") {
        f.arrival = Arrival::kPoisson;
      } else if (v.rfind("onoff:", 0) == 0) {
        const std::string t = v.substr(6);
        const size_t slash = t.find('/');
        if (slash == std::string::npos) return edf::Status::error(bad + "expected onoff:ON_MS/OFF_MS");
        edf::Status e = parse_num(t.substr(0, slash), 0.0, kMaxPeriodMs, f.on_ms);
        if (e.ok() && f.on_ms == 0) e = edf::Status::error("the on-period must be > 0");
        if (e.ok()) e = parse_num(t.substr(slash + 1), 0.0, kMaxPeriodMs, f.off_ms);
        if (!e.ok()) return edf::Status::error(bad + e.message() + " (onoff:ON_MS/OFF_MS)");
        f.arrival = Arrival::kOnOff;
      } else {
        return edf::Status::error(bad + "expected const, poisson or onoff:ON_MS/OFF_MS");
      }
    } else if (k == "sports") {
      const size_t dash = v.find('-');
      const std::string lo = v.substr(0, dash), hi = dash == std::string::npos ? lo : v.substr(dash + 1);
      edf::Status e = parse_num<uint16_t>(lo, 1, 65535, f.sport_min);
      if (e.ok()) e = parse_num<uint16_t>(hi, f.sport_min, 65535, f.sport_max);
      if (!e.ok()) return edf::Status::error(bad + e.message() + " (UDP source ports: P or LO-HI)");
    } else if (k == "budget_us") {
      if (edf::Status e = parse_num<uint32_t>(v, 1, std::numeric_limits<uint32_t>::max(), f.budget_us); !e.ok())
        return edf::Status::error(bad + e.message() + " (microseconds)");
    } else {
      return edf::Status::error(bad + "unknown key (port, pps, bps, size, arrival, budget_us, sports)");
    }
  }
  if (!have_port) return edf::Status::error("--flow " + spec + ": port= is required");
  if (f.pps > 0 && f.bps > 0) return edf::Status::error("--flow " + spec + ": give pps or bps, not both");
  const double mean = f.imix ? (7.0 * 64 + 4.0 * 594 + 1514.0) / 12.0 : (f.size_min + f.size_max) / 2.0;
  if (f.bps > 0) f.pps = f.bps / (8.0 * mean);
  return {};
}

void usage() {
  std::printf(
      "Usage: edfgen [EAL options] -- --flow NAME:port=P,pps=R[,size=S][,arrival=A][,budget_us=B][,sports=LO-HI]\n"
      "              ... [options]\n"
      "Sends per-class UDP flows on one port and measures what comes back on it.\n"
      "  --flow SPEC        repeatable (at most %zu): port= UDP destination port; pps= or bps= (bit/s of frame\n"
      "                     bytes); size= N | MIN-MAX (uniform) | imix (7:4:1 of 64/594/1514), frame bytes\n"
      "                     without CRC, %u-%u; arrival= const | poisson | onoff:ON_MS/OFF_MS (pps is the rate\n"
      "                     during on-periods); budget_us= deadline (default: the budget of the port's class\n"
      "                     in edfpipe's built-in profile: %s);\n"
      "                     sports= P | LO-HI UDP source ports, one per packet in turn (LO, LO+1, ..., HI,\n"
      "                     LO, ...): that many flows (5-tuples) in one class, for a receiver that hashes\n"
      "                     flows over workers (default: the one port 10000 + the flow's index)\n"
      "  --duration S       sending time, seconds (10)\n"
      "  --drain-ms MS      after sending, receive at most this long (3000)\n"
      "  --drain-idle-ms MS ...or until nothing arrived for this long (300)\n"
      "  --link-wait-s S    wait this long for the link before sending (20)\n"
      "  --start-delay-ms MS  after link up, wait before sending: the peer may flush its RX queue\n"
      "                     when it starts forwarding, as testpmd does (0)\n"
      "  --max-lag-us US    a flow further behind its schedule skips the backlog, counted unsent (2000)\n"
      "  --stall-us US      a gap this long between the worker's steps is a generator stall (200)\n"
      "  --idle-sleep-us US after a round that sent and received nothing, sleep this long instead of\n"
      "                     polling on, so that a device under test sharing the CPU gets it; sends then\n"
      "                     come in small bursts and latency includes up to a sleep (plus the kernel's\n"
      "                     timer slack); a sleep is not counted as a stall (0: busy-poll)\n"
      "  --port N           DPDK port id (0)\n"
      "  --burst N          max packets per tx/rx burst, 1-%zu (32)\n"
      "  --mbufs N          mempool size (16383)\n"
      "  --seed N           random seed for sizes and Poisson gaps (1)\n"
      "  --json FILE        write the report as JSON (a temporary file beside FILE, then renamed)\n"
      "  --linger           after the report, wait for SIGINT/SIGTERM before closing the port\n"
      "  --quiet            no live line per second\n",
      kMaxClasses, kMinFrame, kMaxFrame, builtin_budgets_text().c_str(), kMaxBurst);
}

edf::Status parse_args(int argc, char** argv, Options& o) {
  static const option kLong[] = {
      {"flow", required_argument, nullptr, 'F'},       {"duration", required_argument, nullptr, 'd'},
      {"drain-ms", required_argument, nullptr, 'D'},   {"drain-idle-ms", required_argument, nullptr, 'I'},
      {"link-wait-s", required_argument, nullptr, 'W'}, {"start-delay-ms", required_argument, nullptr, 'S'}, {"max-lag-us", required_argument, nullptr, 'L'},
      {"stall-us", required_argument, nullptr, 'G'},   {"idle-sleep-us", required_argument, nullptr, 'i'},
      {"port", required_argument, nullptr, 'P'},       {"burst", required_argument, nullptr, 'b'},
      {"mbufs", required_argument, nullptr, 'm'},      {"seed", required_argument, nullptr, 's'},
      {"json", required_argument, nullptr, 'j'},       {"linger", no_argument, nullptr, 'l'},
      {"quiet", no_argument, nullptr, 'q'},            {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0}};
  optind = 1;
  opterr = 0;
  int c, at = -1;
  while ((c = getopt_long(argc, argv, ":h", kLong, &at)) != -1) {
    const std::string v = optarg ? optarg : "";
    edf::Status why;  // a refused value
    switch (c) {
      case 'F': {
        FlowConfig f;
        if (edf::Status e = parse_flow(v, f); !e.ok()) return e;
        o.flows.push_back(f);
        break;
      }
      case 'd':
        why = parse_num(v, 0.0, 3600.0, o.duration_s);
        if (why.ok() && o.duration_s == 0) why = edf::Status::error("expected seconds > 0");
        break;
      case 'D': why = parse_num<uint64_t>(v, 0, kMaxMs, o.drain_ms); break;
      case 'I': why = parse_num<uint64_t>(v, 0, kMaxMs, o.drain_idle_ms); break;
      case 'W': why = parse_num<uint64_t>(v, 0, 3600, o.link_wait_s); break;
      case 'S': why = parse_num<uint64_t>(v, 0, kMaxMs, o.start_delay_ms); break;
      case 'L': why = parse_num<uint64_t>(v, 1, kMaxUs, o.max_lag_us); break;
      case 'G': why = parse_num<uint64_t>(v, 1, kMaxUs, o.stall_us); break;
      case 'i': why = parse_num<uint64_t>(v, 0, 1000000, o.idle_sleep_us); break;
      case 'P': why = parse_num<uint16_t>(v, 0, RTE_MAX_ETHPORTS - 1, o.port); break;
      case 'b': why = parse_num<uint32_t>(v, 1, uint32_t{kMaxBurst}, o.burst); break;
      case 'm': why = parse_num<uint32_t>(v, 1023, std::numeric_limits<uint32_t>::max(), o.mbufs); break;
      case 's': why = parse_num<uint64_t>(v, 0, std::numeric_limits<uint64_t>::max(), o.seed); break;
      case 'j': o.json = v; break;
      case 'l': o.linger = true; break;
      case 'q': o.quiet = true; break;
      case 'h': usage(); std::exit(0);
      case ':': return edf::Status::error(std::string("option ") + argv[optind - 1] + " needs a value");
      default: return edf::Status::error(std::string("unknown option ") + argv[optind - 1] + " (see --help)");
    }
    if (!why.ok()) return why.within("--" + std::string(kLong[at].name) + " " + v + ": ");
  }
  if (optind < argc) return edf::Status::error(std::string("unexpected argument '") + argv[optind] + "'");
  if (o.flows.empty()) return edf::Status::error("no --flow given (see --help)");
  if (o.flows.size() > kMaxClasses) return edf::Status::error("at most " + std::to_string(kMaxClasses) + " --flow");
  take_builtin_budgets(o.flows);
  return {};
}

// ------------------------------------------------------------------ worker

struct FlowState {
  double next_tsc;      // next scheduled send
  double gap_tsc;       // mean gap between packets (at the on-rate)
  double on_tsc, cycle_tsc, cycle_start;
  uint64_t seq = 0;
  uint32_t sport_next = 0;  // offset of the next packet's source port within sports=
  bool active;
};

void write_frame(rte_mbuf* m, const FlowConfig& f, uint8_t cls, uint16_t sport, uint32_t len, uint64_t seq,
                 uint64_t tsc) {
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  m->data_len = static_cast<uint16_t>(len);
  m->pkt_len = len;
  static constexpr uint8_t kMacs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  std::memcpy(p, kMacs, 12);
  p[12] = 0x08;
  p[13] = 0x00;
  auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p + 14);
  ip->version_ihl = 0x45;
  ip->type_of_service = 0;
  ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(len - 14));
  ip->packet_id = 0;
  ip->fragment_offset = 0;
  ip->time_to_live = 64;
  ip->next_proto_id = IPPROTO_UDP;
  ip->hdr_checksum = 0;
  ip->src_addr = rte_cpu_to_be_32(0x7f000001);
  ip->dst_addr = rte_cpu_to_be_32(0x7f000002);
  ip->hdr_checksum = rte_ipv4_cksum(ip);
  auto* udp = reinterpret_cast<rte_udp_hdr*>(p + 34);
  udp->src_port = rte_cpu_to_be_16(sport);
  udp->dst_port = rte_cpu_to_be_16(f.dst_port);
  udp->dgram_len = rte_cpu_to_be_16(static_cast<uint16_t>(len - 34));
  udp->dgram_cksum = 0;  // optional in IPv4; edfpipe rewrites the port and does not touch it
  GenHeader h{kMagic, cls, 1, seq, tsc};
  std::memcpy(p + kHdrBytes, &h, sizeof h);
}

// Records a generator stall if the worker's previous check was more than --stall-us ago.
void check_stall(Gen& g, uint64_t now) {
  g.stalls.note(g.last_check_tsc, now, g.stall_tsc);
  g.last_check_tsc = now;
}

void on_receive(Gen& g, rte_mbuf* m, uint64_t now) {
  if (rte_pktmbuf_data_len(m) < kHdrBytes + sizeof(GenHeader)) {
    ++g.foreign;
    return;
  }
  GenHeader h;
  std::memcpy(&h, rte_pktmbuf_mtod_offset(m, const uint8_t*, kHdrBytes), sizeof h);
  if (h.magic != kMagic || h.cls >= g.cls.size()) {
    ++g.foreign;
    return;
  }
  ClassStats& s = *g.cls[h.cls];
  std::vector<uint64_t>& bits = g.seen[h.cls];
  const uint64_t idx = h.seq & (kDupWindow - 1);
  const uint64_t word = idx / 64, bit = uint64_t{1} << (idx % 64);
  if (h.seq + 1 > s.max_seq) {
    // Clear the window slots between the old highest and this one: they now stand for new numbers.
    const uint64_t from = s.max_seq, to = h.seq;  // slots from..to-1 become "not seen"
    if (to - from >= kDupWindow) {
      std::fill(bits.begin(), bits.end(), 0);
    } else {
      for (uint64_t q = from; q < to; ++q) {
        const uint64_t i = q & (kDupWindow - 1);
        bits[i / 64] &= ~(uint64_t{1} << (i % 64));
      }
    }
    s.max_seq = h.seq + 1;
  } else if (s.max_seq - h.seq > kDupWindow) {
    ++s.reordered;  // too old to tell a duplicate from a late packet: counted as reordered
  } else if (bits[word] & bit) {
    ++s.duplicates;
    return;  // not counted as received twice
  } else {
    ++s.reordered;
  }
  bits[word] |= bit;
  ++s.received;
  s.received_bytes += rte_pktmbuf_pkt_len(m);
  const uint64_t cyc = now > h.tx_tsc ? now - h.tx_tsc : 0;
  if (cyc > g.budget_tsc[h.cls]) {
    ++s.misses;
    if (cyc - g.stalls.overlap(h.tx_tsc, now) <= g.budget_tsc[h.cls]) ++s.misses_gen_stall;
    if (s.miss_records.size() < kMissRecords) s.miss_records.push_back({uint64_t{h.tx_tsc}, now});  // reserved: no allocation
  }
  const uint64_t ns = static_cast<uint64_t>(static_cast<double>(cyc) * 1e9 / static_cast<double>(g.tsc_hz));
  s.latency.record(ns);
  s.interval.record(ns);
}

void close_interval(Gen& g, uint64_t now, std::array<uint64_t, kMaxClasses>& last_sent,
                    std::array<uint64_t, kMaxClasses>& last_recv, std::array<uint64_t, kMaxClasses>& last_miss) {
  const size_t i = g.n_samples.load(std::memory_order_relaxed);
  if (i >= kMaxSamples) return;
  Sample& s = g.samples[i];
  s = Sample{};
  s.t_s = static_cast<double>(now - g.start_tsc) / static_cast<double>(g.tsc_hz);
  for (size_t c = 0; c < g.cls.size(); ++c) {
    ClassStats& cs = *g.cls[c];
    s.sent[c] = cs.sent - last_sent[c];
    s.received[c] = cs.received - last_recv[c];
    s.misses[c] = cs.misses - last_miss[c];
    last_sent[c] = cs.sent;
    last_recv[c] = cs.received;
    last_miss[c] = cs.misses;
    s.p50[c] = cs.interval.percentile(0.5);
    s.p99[c] = cs.interval.percentile(0.99);
    s.max[c] = cs.interval.max_ns();
    cs.interval.reset();
  }
  g.n_samples.store(i + 1, std::memory_order_release);
}

int worker(void* arg) {
  Gen& g = *static_cast<Gen*>(arg);
  const Options& o = g.opt;
  const size_t nc = o.flows.size();
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  const double hz = static_cast<double>(g.tsc_hz);
  std::vector<FlowState> fs(nc);
  std::vector<std::uniform_int_distribution<uint32_t>> sizes;
  const uint64_t t0 = rte_rdtsc();
  g.start_tsc = t0;
  g.stall_tsc = edf::mul_div(o.stall_us, g.tsc_hz, 1000000);
  g.last_check_tsc = t0;
  for (size_t c = 0; c < nc; ++c) {
    const FlowConfig& f = o.flows[c];
    sizes.emplace_back(f.size_min, f.size_max);
    FlowState& s = fs[c];
    s.active = f.pps > 0;
    s.gap_tsc = s.active ? hz / f.pps : 0;
    s.on_tsc = f.on_ms * hz / 1000.0;
    s.cycle_tsc = (f.on_ms + f.off_ms) * hz / 1000.0;
    s.cycle_start = static_cast<double>(t0);
    // Spread the flows' first packets over one gap so they do not all start in the same burst.
    s.next_tsc = static_cast<double>(t0) + s.gap_tsc * uni(rng);
  }
  const uint64_t end_send = t0 + static_cast<uint64_t>(o.duration_s * hz);
  const double max_lag = static_cast<double>(o.max_lag_us) * hz / 1e6;
  const uint64_t sec = g.tsc_hz;
  uint64_t next_sample = t0 + sec;
  std::array<uint64_t, kMaxClasses> last_sent{}, last_recv{}, last_miss{};
  std::array<rte_mbuf*, kMaxBurst> tx, rx;
  std::array<uint8_t, kMaxBurst> tx_cls;
  std::array<uint32_t, kMaxBurst> tx_len;
  const uint16_t burst = static_cast<uint16_t>(o.burst);
  uint64_t last_rx = t0, drain_start = 0;
  const uint64_t drain_max = o.drain_ms * g.tsc_hz / 1000, drain_idle = o.drain_idle_ms * g.tsc_hz / 1000;
  uint32_t empty = 0;

  while (g.phase.load(std::memory_order_relaxed) == 0) {
    const uint64_t now = rte_rdtsc();
    check_stall(g, now);
    bool work = false;
    if (now < end_send) {
      // Build this round's packets: every flow whose time has come, up to one burst in all.
      size_t n = 0;
      for (size_t c = 0; c < nc && n < burst; ++c) {
        FlowState& s = fs[c];
        if (!s.active) continue;
        const FlowConfig& f = o.flows[c];
        ClassStats& cs = *g.cls[c];
        const double dnow = static_cast<double>(now);
        if (dnow - s.next_tsc > max_lag) {
          // Fell behind (CPU taken away, or the rate is beyond this lcore): skip, and say so.
          const auto skipped = static_cast<uint64_t>((dnow - s.next_tsc) / s.gap_tsc);
          cs.unsent += skipped;
          cs.generated += skipped;
          s.next_tsc += static_cast<double>(skipped) * s.gap_tsc;
        }
        while (s.next_tsc <= dnow && n < burst) {
          if (f.arrival == Arrival::kOnOff && s.next_tsc - s.cycle_start >= s.on_tsc) {
            // Off-period: jump to the next on-period.
            const double cycles = std::floor((s.next_tsc - s.cycle_start) / s.cycle_tsc);
            const double on_at = s.cycle_start + cycles * s.cycle_tsc;
            if (s.next_tsc - on_at < s.on_tsc) {
              s.cycle_start = on_at;
            } else {
              s.cycle_start = on_at + s.cycle_tsc;
              s.next_tsc = s.cycle_start;
              continue;
            }
          }
          rte_mbuf* m = rte_pktmbuf_alloc(g.pool);
          if (!m) break;  // pool empty: try again next round (counts as lag if it persists)
          uint32_t len;
          if (f.imix) {
            const double r = uni(rng) * 12.0;
            len = r < 7.0 ? 64 : r < 11.0 ? 594 : 1514;
          } else {
            len = sizes[c](rng);
          }
          uint16_t sport = static_cast<uint16_t>(10000 + c);
          if (f.sport_min) {
            sport = static_cast<uint16_t>(f.sport_min + s.sport_next);
            s.sport_next = sport == f.sport_max ? 0 : s.sport_next + 1;
          }
          write_frame(m, f, static_cast<uint8_t>(c), sport, len, s.seq++, now);
          ++cs.generated;
          tx[n] = m;
          tx_cls[n] = static_cast<uint8_t>(c);
          tx_len[n] = len;
          ++n;
          s.next_tsc += f.arrival == Arrival::kPoisson ? -std::log(1.0 - uni(rng)) * s.gap_tsc : s.gap_tsc;
        }
      }
      if (n) {
        const uint16_t sent = rte_eth_tx_burst(o.port, 0, tx.data(), static_cast<uint16_t>(n));
        for (size_t k = 0; k < n; ++k) {
          ClassStats& cs = *g.cls[tx_cls[k]];
          if (k < sent) {
            ++cs.sent;
            cs.sent_bytes += tx_len[k];  // noted before tx: the PMD owns a sent mbuf
          } else {
            ++cs.refused;
          }
        }
        if (sent < n) rte_pktmbuf_free_bulk(tx.data() + sent, static_cast<unsigned>(n - sent));
        work = true;
      }
    } else if (drain_start == 0) {
      drain_start = now;
      g.send_s = static_cast<double>(now - t0) / hz;
    }

    const uint16_t nr = rte_eth_rx_burst(o.port, 0, rx.data(), burst);
    if (nr) {
      const uint64_t rnow = rte_rdtsc();
      check_stall(g, rnow);
      for (uint16_t k = 0; k < nr; ++k) on_receive(g, rx[k], rnow);
      rte_pktmbuf_free_bulk(rx.data(), nr);
      last_rx = rnow;
      work = true;
    }
    if (now >= next_sample) {
      close_interval(g, now, last_sent, last_recv, last_miss);
      next_sample += sec;
    }
    if (drain_start) {
      bool all_back = true;
      for (size_t c = 0; c < nc; ++c) all_back = all_back && g.cls[c]->received >= g.cls[c]->sent;
      // last_rx may be later than `now` (read after it): compare without underflow.
      const uint64_t quiet = now > last_rx ? now - last_rx : 0;
      if (all_back || now - drain_start >= drain_max || (quiet >= drain_idle && now - drain_start >= drain_idle))
        break;
    }
    if (work) {
      empty = 0;
    } else if (o.idle_sleep_us) {
      // Nothing to send or receive: give the CPU away (the next send may then be late by the
      // sleep's overshoot; max_lag still bounds what a longer absence skips).
      rte_delay_us_sleep(static_cast<unsigned>(o.idle_sleep_us));
      g.last_check_tsc = rte_rdtsc();  // a chosen sleep is not a stall
    } else if (++empty >= 256 && drain_start) {
      sched_yield();  // draining: give the CPU to the device under test
    }
  }
  const uint64_t end = rte_rdtsc();
  close_interval(g, end, last_sent, last_recv, last_miss);
  if (g.send_s == 0) g.send_s = static_cast<double>(std::min(end, end_send) - t0) / hz;
  g.run_s = static_cast<double>(end - t0) / hz;
  g.done.store(true, std::memory_order_release);
  return 0;
}

// ------------------------------------------------------------------ report

void print_live(const Gen& g, const Sample& s) {
  std::printf("edfgen %6.1fs", s.t_s);
  for (size_t c = 0; c < g.cls.size(); ++c)
    std::printf(" | %s tx %llu rx %llu p99 %.1fus", g.opt.flows[c].name.c_str(),
                static_cast<unsigned long long>(s.sent[c]), static_cast<unsigned long long>(s.received[c]),
                static_cast<double>(s.p99[c]) / 1000.0);
  std::printf("\n");
  std::fflush(stdout);
}

void print_table(const Gen& g) {
  std::printf("\n== edfgen final: sent for %.2f s, ran %.2f s ==\n", g.send_s, g.run_s);
  std::printf("%-12s %10s %10s %10s %10s %10s %8s %6s %6s %8s %9s %9s %9s %9s %9s\n", "class", "req_pps", "sent_pps",
              "sent", "received", "lost", "unsent", "reord", "dup", "miss", "p50_us", "p90_us", "p99_us", "p999_us",
              "max_us");
  for (size_t c = 0; c < g.cls.size(); ++c) {
    const ClassStats& s = *g.cls[c];
    const edf::LatencySummary q = edf::summarize(s.latency);
    const uint64_t lost = s.sent > s.received ? s.sent - s.received : 0;
    std::printf("%-12s %10.0f %10.0f %10llu %10llu %10llu %8llu %6llu %6llu %8llu %9.1f %9.1f %9.1f %9.1f %9.1f\n",
                g.opt.flows[c].name.c_str(), g.opt.flows[c].pps, g.send_s > 0 ? static_cast<double>(s.sent) / g.send_s : 0,
                static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(s.received),
                static_cast<unsigned long long>(lost), static_cast<unsigned long long>(s.unsent + s.refused),
                static_cast<unsigned long long>(s.reordered), static_cast<unsigned long long>(s.duplicates),
                static_cast<unsigned long long>(s.misses), static_cast<double>(q.p50_ns) / 1e3,
                static_cast<double>(q.p90_ns) / 1e3, static_cast<double>(q.p99_ns) / 1e3,
                static_cast<double>(q.p999_ns) / 1e3, static_cast<double>(q.max_ns) / 1e3);
  }
  if (g.foreign) std::printf("foreign frames received (no edfgen header): %llu\n", static_cast<unsigned long long>(g.foreign));
  const double us_per_tsc = 1e6 / static_cast<double>(g.tsc_hz);
  std::printf("generator stalls (worker gaps > %llu us): %llu, longest %.1f us, total %.1f us; misses explained by them:",
              static_cast<unsigned long long>(g.opt.stall_us), static_cast<unsigned long long>(g.stalls.count()),
              static_cast<double>(g.stalls.longest()) * us_per_tsc, static_cast<double>(g.stalls.total()) * us_per_tsc);
  for (size_t c = 0; c < g.cls.size(); ++c)
    std::printf(" %s %llu/%llu", g.opt.flows[c].name.c_str(), static_cast<unsigned long long>(g.cls[c]->misses_gen_stall),
                static_cast<unsigned long long>(g.cls[c]->misses));
  std::printf("\n");
  std::fflush(stdout);
}

// The report as JSON (tools/loadrun reads it; docs/load-runs.md), written by edf::write_file_replace.
std::string report_json(const Gen& g) {
  using Layout = edf::JsonWriter::Layout;
  const double us_per_tsc = 1e6 / static_cast<double>(g.tsc_hz);
  const auto per_s = [&](uint64_t n) { return g.send_s > 0 ? static_cast<double>(n) / g.send_s : 0.0; };
  const auto pair = [](edf::JsonWriter& w, uint64_t a, uint64_t b) { w.begin_array().value(a).value(b).end_array(); };
  edf::JsonWriter w;
  w.begin_object(Layout::kBlock).member("tool", "edfgen").member("tsc_hz", g.tsc_hz);
  w.key("duration_s").fixed(g.opt.duration_s, 6).key("send_s").fixed(g.send_s, 6).key("run_s").fixed(g.run_s, 6);
  w.member("foreign", g.foreign).key("generator_stalls").begin_object();
  w.member("threshold_us", g.opt.stall_us).member("count", g.stalls.count());
  w.key("max_us").fixed(static_cast<double>(g.stalls.longest()) * us_per_tsc, 1);
  w.key("total_us").fixed(static_cast<double>(g.stalls.total()) * us_per_tsc, 1).end_object();
  w.key("classes").begin_array(Layout::kBlock);
  for (size_t c = 0; c < g.cls.size(); ++c) {
    const ClassStats& s = *g.cls[c];
    const FlowConfig& fl = g.opt.flows[c];
    const char* arr = fl.arrival == Arrival::kPoisson ? "poisson" : fl.arrival == Arrival::kOnOff ? "onoff" : "const";
    w.begin_object().member("name", fl.name).member("index", c).member("dst_port", fl.dst_port);
    w.member("budget_us", fl.budget_us).member("arrival", arr);
    w.member("sport_min", fl.sport_min ? fl.sport_min : 10000 + c).member("sport_max", fl.sport_min ? fl.sport_max : 10000 + c);
    w.member("size_min", fl.imix ? 64 : fl.size_min).member("size_max", fl.imix ? 1514 : fl.size_max).member("imix", fl.imix);
    w.key("requested_pps").fixed(fl.pps, 3).key("generated_pps").fixed(per_s(s.generated), 3);
    w.key("sent_pps").fixed(per_s(s.sent), 3).key("received_pps").fixed(per_s(s.received), 3);
    w.member("generated", s.generated).member("unsent", s.unsent).member("refused", s.refused);
    w.member("sent", s.sent).member("sent_bytes", s.sent_bytes);
    w.member("received", s.received).member("received_bytes", s.received_bytes);
    w.member("lost", s.sent > s.received ? s.sent - s.received : 0);
    w.member("reordered", s.reordered).member("duplicates", s.duplicates);
    w.member("deadline_misses", s.misses).member("misses_gen_stall", s.misses_gen_stall).key("latency_ns");
    edf::write_latency_json(w, edf::summarize(s.latency));
    w.key("latency_buckets").begin_array();  // [upper edge (at most the maximum), count] per non-empty bucket
    for (size_t b = 0; b < Histogram::kBuckets; ++b)
      if (const uint64_t n = s.latency.bucket_count(b)) pair(w, std::min(Histogram::bucket_high(b), s.latency.max_ns()), n);
    w.end_array().key("miss_records_tsc").begin_array();
    for (const auto& [tx, rx] : s.miss_records) pair(w, tx, rx);
    w.end_array().end_object();
  }
  w.end_array().key("stall_records_tsc").begin_array();
  g.stalls.for_each([&](uint64_t from, uint64_t to) { pair(w, from, to); });
  w.end_array().key("samples").begin_array(Layout::kBlock);
  const size_t ns = g.n_samples.load(std::memory_order_acquire);
  for (size_t i = 0; i < ns; ++i) {
    const Sample& sm = g.samples[i];
    w.begin_object().key("t_s").fixed(sm.t_s, 3).key("classes").begin_array();
    for (size_t c = 0; c < g.cls.size(); ++c) {
      w.begin_object().member("sent", sm.sent[c]).member("received", sm.received[c]).member("misses", sm.misses[c]);
      w.member("p50_ns", sm.p50[c]).member("p99_ns", sm.p99[c]).member("max_ns", sm.max[c]).end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return w.text();
}

// Configures and starts g.opt.port with one RX and one TX queue; OK, or why not.
edf::Status setup_port(Gen& g) {
  const uint16_t port = g.opt.port;
  if (!rte_eth_dev_is_valid_port(port))
    return edf::Status::error("port " + std::to_string(port) + " does not exist (give a --vdev)");
  g.pool = rte_pktmbuf_pool_create("edfgen_pool", g.opt.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                   static_cast<int>(rte_eth_dev_socket_id(port) < 0 ? 0 : rte_eth_dev_socket_id(port)));
  if (!g.pool) return edf::Status::error(std::string("mempool: ") + rte_strerror(rte_errno));
  rte_eth_conf conf{};
  if (int rc = rte_eth_dev_configure(port, 1, 1, &conf); rc)
    return edf::Status::error("rte_eth_dev_configure: " + std::string(rte_strerror(-rc)));
  uint16_t rxd = 1024, txd = 1024;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd); rc)
    return edf::Status::error("adjust desc: " + std::string(rte_strerror(-rc)));
  const unsigned sock = static_cast<unsigned>(rte_eth_dev_socket_id(port) < 0 ? 0 : rte_eth_dev_socket_id(port));
  if (int rc = rte_eth_rx_queue_setup(port, 0, rxd, sock, nullptr, g.pool); rc)
    return edf::Status::error("rx queue: " + std::string(rte_strerror(-rc)));
  if (int rc = rte_eth_tx_queue_setup(port, 0, txd, sock, nullptr); rc)
    return edf::Status::error("tx queue: " + std::string(rte_strerror(-rc)));
  if (int rc = rte_eth_dev_start(port); rc) return edf::Status::error("start: " + std::string(rte_strerror(-rc)));
  return {};
}

}  // namespace

// Waits the start delay, then launches the sending worker; says why if EAL refuses.
bool launch_worker(Gen& g, unsigned wl) {
  rte_delay_us_sleep(static_cast<unsigned>(g.opt.start_delay_ms * 1000));
  if (const int rc = rte_eal_remote_launch(worker, &g, wl); rc != 0) {
    std::fprintf(stderr, "edfgen: error: cannot launch lcore %u: %s\n", wl, rte_strerror(-rc));
    return false;
  }
  return true;
}

int main(int argc, char** argv) {
  // Own options after "--"; parse them before EAL so --help and mistakes need no EAL.
  edf::EalArgs args = edf::split_eal_args(argc, argv);
  Gen g;
  if (const edf::Status st = parse_args(args.own_argc(), args.own.data(), g.opt); !st.ok()) {
    for (const std::string& e : st.messages()) std::fprintf(stderr, "edfgen: error: %s\n", e.c_str());
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (rte_eal_init(args.eal_argc, argv) < 0) {
    std::fprintf(stderr, "edfgen: error: rte_eal_init: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  int rc = 0;
  g.tsc_hz = rte_get_tsc_hz();
  for (size_t c = 0; c < g.opt.flows.size(); ++c) {
    g.cls.push_back(std::make_unique<ClassStats>());
    g.cls.back()->miss_records.reserve(kMissRecords);
    g.seen.emplace_back(kDupWindow / 64, 0);
    g.budget_tsc[c] = edf::mul_div(g.opt.flows[c].budget_us, g.tsc_hz, 1000000);
  }
  const unsigned wl = rte_get_next_lcore(rte_lcore_id(), 1, 0);
  if (const edf::Status st = setup_port(g); !st.ok()) {
    for (const std::string& e : st.messages()) std::fprintf(stderr, "edfgen: error: %s\n", e.c_str());
    rc = 1;
  } else if (wl >= RTE_MAX_LCORE) {
    std::fprintf(stderr, "edfgen: error: needs a worker lcore (e.g. --lcores '0@1,1@0')\n");
    rc = 1;
  } else {
    // Wait for the peer: sending into a link that is down measures nothing.
    rte_eth_link link{};
    const uint64_t wait_until = rte_get_timer_cycles() + g.opt.link_wait_s * rte_get_timer_hz();
    while (!g_signal) {
      if (rte_eth_link_get_nowait(g.opt.port, &link) == 0 && link.link_status) break;
      if (rte_get_timer_cycles() > wait_until) break;
      rte_delay_us_sleep(10000);
    }
    if (!link.link_status) {
      std::fprintf(stderr, "edfgen: error: port %u link still down after %llu s\n", g.opt.port,
                   static_cast<unsigned long long>(g.opt.link_wait_s));
      rc = 1;
    } else if (!launch_worker(g, wl)) {
      rc = 1;
    } else {
      std::fprintf(stderr, "edfgen: link up, sending for %.1f s on lcore %u\n", g.opt.duration_s, wl);
      size_t printed = 0;
      while (!g.done.load(std::memory_order_acquire)) {
        if (g_signal) g.phase.store(1, std::memory_order_relaxed);
        const size_t n = g.n_samples.load(std::memory_order_acquire);
        for (; printed < n; ++printed)
          if (!g.opt.quiet) print_live(g, g.samples[printed]);
        rte_delay_us_sleep(20000);
      }
      rte_eal_wait_lcore(wl);  // the worker no longer polls the port
      print_table(g);
      if (!g.opt.json.empty())
        if (const edf::Status written = edf::write_file_replace(g.opt.json, report_json(g)); !written.ok()) {
          std::fprintf(stderr, "edfgen: error: --json: %s\n", written.message().c_str());
          rc = 1;
        }
      if (g.opt.linger) {
        std::fprintf(stderr, "edfgen: done; lingering until SIGINT/SIGTERM\n");
        while (!g_signal) rte_delay_us_sleep(20000);
      }
    }
    rte_eth_dev_stop(g.opt.port);
    rte_eth_dev_close(g.opt.port);
  }
  rte_eal_cleanup();
  return rc;
}
