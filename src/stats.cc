#include "stats.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <algorithm>
#include <atomic>

#include "edf/counter.h"
#include "edf/json_writer.h"
#include "edf/tsc_scale.h"

namespace edf {

uint64_t ClassSnapshot::drops_total() const {
  uint64_t t = 0;
  for (uint64_t d : c.drops) t += d;
  return t;
}

double LcoreSnapshot::busy_share() const {
  return total_cycles ? static_cast<double>(busy_cycles) / static_cast<double>(total_cycles) : 0.0;
}

namespace {

// The plain counts among the counters (the drops are arrays): summed and diffed field by field.
constexpr uint64_t ClassCounters::*kClassCounts[] = {&ClassCounters::rx, &ClassCounters::rx_bytes, &ClassCounters::tx,
                                                     &ClassCounters::tx_bytes, &ClassCounters::late, &ClassCounters::misses};
constexpr uint64_t rte_eth_stats::*kNicCounts[] = {&rte_eth_stats::ipackets, &rte_eth_stats::ibytes, &rte_eth_stats::imissed,
                                                   &rte_eth_stats::ierrors, &rte_eth_stats::rx_nombuf, &rte_eth_stats::opackets,
                                                   &rte_eth_stats::obytes, &rte_eth_stats::oerrors};

// Every set of counters: the workers', then the main lcore's (drops it counted at shutdown).
std::vector<const LcoreStats*> all_stats(const AppContext& app) {
  std::vector<const LcoreStats*> all;
  for (const LcoreContext* lc : app.lcores) all.push_back(lc->stats);
  if (app.ctl_stats) all.push_back(app.ctl_stats);  // null once the contexts are freed
  return all;
}

// TSC cycles as µs, rounded to the nearest: a threshold set in µs reads back as itself, and no
// product wraps (128-bit).
uint64_t cycles_to_us(uint64_t cycles, uint64_t hz) {
  if (hz == 0) return 0;
  return static_cast<uint64_t>((static_cast<u128>(cycles) * 1000000 + hz / 2) / hz);
}

std::string roles_of(const LcoreContext& lc) {
  std::string roles;
  if (lc.has_rx()) roles += "rx ";
  if (lc.has_edf()) roles += "edf ";
  if (lc.has_tx()) roles += "tx ";
  if (!roles.empty()) roles.pop_back();
  return roles;
}

// A worker's stall records belong to it until it returned. The main lcore, which waits for the
// workers, reads them once the pipeline is stopping and EAL has the lcore back in WAIT.
bool stall_records_readable(const AppContext& app, unsigned lcore_id) {
  return rte_lcore_id() == rte_get_main_lcore() && app.phase.load(std::memory_order_acquire) == Phase::kStop &&
         rte_eal_get_lcore_state(lcore_id) == WAIT;
}

// The rings as a reader wants them: one row per worker and queue for RX -> EDF (its R rings, one
// per RX lcore, summed), one per output port and queue for EDF -> TX (its W rings, one per
// worker, summed). A row's high-water mark is the most any one of its rings held.
void add_rings(const AppContext& app, const std::vector<const LcoreStats*>& all, Snapshot& s) {
  auto high_water = [&](auto pick) {
    uint64_t m = 0;
    for (const LcoreStats* st : all) m = std::max(m, counter_read(pick(*st)));
    return m;
  };
  const bool fifo = app.n_queues == 1 && app.n_classes > 1;
  for (size_t q = 0; q < app.n_queues; ++q) {
    ClassSnapshot& row = s.classes[q];  // fifo: the one shared queue shows on the first class's row
    const std::string queue = fifo ? std::string("fifo") : app.profile.classes[q].name;
    for (size_t w = 0; w < app.n_workers; ++w) {
      RingSnapshot in{app.n_workers == 1 ? "edf_in_" + queue : "edf_in_w" + std::to_string(w) + "_" + queue, 0, 0,
                      high_water([w, q](const LcoreStats& st) -> const uint64_t& { return st.edf_ring_hwm[w][q]; })};
      for (size_t r = 0; r < app.n_rx; ++r) {
        in.count += rte_ring_count(app.rx_ring(r, w, q));
        in.capacity += rte_ring_get_capacity(app.rx_ring(r, w, q));
      }
      row.rx_ring_used += in.count;
      row.rx_ring_size += in.capacity;
      s.rings.push_back(std::move(in));
    }
    for (uint16_t p : app.ports) {
      if (!app.tx_ring(0, p, q)) continue;  // not an output port
      RingSnapshot out{"edf_out_p" + std::to_string(p) + "_" + queue, 0, 0,
                       high_water([p, q](const LcoreStats& st) -> const uint64_t& { return st.tx_ring_hwm[p][q]; })};
      for (size_t w = 0; w < app.n_workers; ++w) {
        const rte_ring* ring = app.tx_ring(w, p, q);
        if (!ring) continue;
        out.count += rte_ring_count(ring);
        out.capacity += rte_ring_get_capacity(ring);
      }
      row.tx_ring_used += out.count;
      row.tx_ring_size += out.capacity;
      s.rings.push_back(std::move(out));
    }
  }
}

void add_lcores(const AppContext& app, Snapshot& s) {
  for (const LcoreContext* lc : app.lcores) {
    const LcoreStats& st = *lc->stats;
    LcoreSnapshot l;
    l.lcore = lc->lcore_id;
    l.roles = roles_of(*lc);
    l.socket = rte_lcore_to_socket_id(lc->lcore_id);
    l.loops = counter_read(st.loops);
    l.busy_cycles = counter_read(st.busy_cycles);
    l.total_cycles = counter_read(st.total_cycles);
    l.packets = counter_read(st.work);
    l.stalls = lc->stalls.count();
    l.stall_max_us = cycles_to_us(lc->stalls.longest(), app.tsc_hz);
    l.stall_total_us = cycles_to_us(lc->stalls.total(), app.tsc_hz);
    l.config_generation = lc->config_seen.load(std::memory_order_acquire);
    if (stall_records_readable(app, lc->lcore_id))
      lc->stalls.for_each([&](uint64_t from, uint64_t to) { l.stall_records.push_back({from, to}); });
    s.lcores.push_back(std::move(l));
  }
}

}  // namespace

PortSnapshot take_port_snapshot(const AppContext& app, uint16_t port) {
  PortSnapshot p;
  p.port = port;
  p.config = app.profile.port(port);
  p.counters_rc = rte_eth_stats_get(port, &p.nic);
  if (p.counters_rc != 0) p.nic = rte_eth_stats{};
  if (port < kMaxPorts)  // EAL may know more ports than edfpipe can use; those never transmit
    for (const LcoreStats* st : all_stats(app)) p.tx_stalls += counter_read(st->tx_stalls[port]);
  return p;
}

Snapshot take_snapshot(const AppContext& app) {
  Snapshot s;
  s.uptime_s = static_cast<double>(rte_rdtsc() - app.start_tsc) / static_cast<double>(app.tsc_hz);
  s.stall_threshold_us = cycles_to_us(app.fixed.stall_tsc, app.tsc_hz);
  s.config_generation = app.runtime[app.runtime_index.load(std::memory_order_acquire)].generation;
  s.classes.resize(app.n_classes);
  for (size_t c = 0; c < app.n_classes; ++c) s.classes[c].config = app.profile.classes[c];
  s.stage_drop_names = app.stage_drop_names;
  const std::vector<const LcoreStats*> all = all_stats(app);
  // The histograms first (8 KiB of buckets per class and lcore: the slow part of a snapshot),
  // then the counters, then rx. Read between tx and rx, they held both reads apart long enough
  // for ~100 packets to move at 14 Mpps, all of which in_flight then over-counted. Read first,
  // a histogram's count can only lag its class's tx.
  for (const LcoreStats* st : all)
    for (size_t c = 0; c < app.n_classes; ++c) st->latency[c].merge_into(s.classes[c].latency);
  for (const LcoreStats* st : all) {
    for (size_t k = 0; k < kFrameKindCount; ++k) s.kinds[k] += counter_read(st->kinds[k]);
    for (size_t r = 0; r < kDropReasonCount; ++r) {
      const uint64_t d = counter_read(st->parse_drops[r]);
      s.no_class_drops[r] += d;
      s.drops_by_reason[r] += d;
      s.drops += d;
    }
    for (size_t c = 0; c < app.n_classes; ++c) {
      const ClassCounters& in = st->cls[c];
      ClassCounters& o = s.classes[c].c;
      for (uint64_t ClassCounters::*f : kClassCounts) o.*f += counter_read(in.*f);
      for (size_t r = 0; r < kDropReasonCount; ++r) {
        const uint64_t d = counter_read(in.drops[r]);
        o.drops[r] += d;
        s.drops_by_reason[r] += d;
        s.drops += d;
      }
    }
  }
  // rx last: a packet is counted in rx before it can reach tx or a drop, so reading rx after
  // them can only over-count in_flight (never negative, never a false zero while packets move).
  std::atomic_thread_fence(std::memory_order_acquire);
  for (const LcoreStats* st : all) {
    s.rx += counter_read(st->rx);
    s.rx_bytes += counter_read(st->rx_bytes);
  }
  for (const ClassSnapshot& cs : s.classes) s.tx += cs.c.tx;
  add_rings(app, all, s);
  add_lcores(app, s);
  for (uint16_t p : app.ports) s.ports.push_back(take_port_snapshot(app, p));
  return s;
}

Snapshot diff_snapshot(const Snapshot& now, const Snapshot& base) {
  Snapshot d = now;
  d.uptime_s = now.uptime_s - base.uptime_s;  // the time the difference covers
  auto sub = [](uint64_t& a, uint64_t b) { a -= std::min(a, b); };
  sub(d.rx, base.rx);
  sub(d.rx_bytes, base.rx_bytes);
  sub(d.tx, base.tx);
  sub(d.drops, base.drops);
  for (size_t r = 0; r < kDropReasonCount; ++r) {
    sub(d.drops_by_reason[r], base.drops_by_reason[r]);
    sub(d.no_class_drops[r], base.no_class_drops[r]);
  }
  for (size_t k = 0; k < kFrameKindCount; ++k) sub(d.kinds[k], base.kinds[k]);
  for (size_t c = 0; c < d.classes.size() && c < base.classes.size(); ++c) {
    ClassCounters& x = d.classes[c].c;
    const ClassCounters& y = base.classes[c].c;
    for (uint64_t ClassCounters::*f : kClassCounts) sub(x.*f, y.*f);
    for (size_t r = 0; r < kDropReasonCount; ++r) sub(x.drops[r], y.drops[r]);
    d.classes[c].latency.subtract(base.classes[c].latency);
  }
  for (size_t i = 0; i < d.ports.size() && i < base.ports.size(); ++i) {
    PortSnapshot& x = d.ports[i];
    const PortSnapshot& y = base.ports[i];
    for (uint64_t rte_eth_stats::*f : kNicCounts) sub(x.nic.*f, y.nic.*f);
    sub(x.tx_stalls, y.tx_stalls);
  }
  return d;
}

namespace {

std::string us(uint64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", static_cast<double>(ns) / 1000.0);
  return b;
}

std::string drops_text(const Snapshot& s, const std::array<uint64_t, kDropReasonCount>& d) {
  std::string t;
  for (size_t r = 0; r < s.n_reasons(); ++r) {
    if (d[r] == 0) continue;
    if (!t.empty()) t += ' ';
    t.append(s.reason_name(r)).append("=").append(std::to_string(d[r]));
  }
  return t.empty() ? "-" : t;
}

std::string used_of(uint64_t used, uint64_t size) { return std::to_string(used) + "/" + std::to_string(size); }

}  // namespace

void print_table(FILE* out, const Snapshot& s, const char* title) {
  std::fprintf(out, "\n== %s: %.1f s ==\n", title, s.uptime_s);
  std::fprintf(out, "%-12s %10s %10s %9s %7s %7s %9s %9s %9s %11s %11s  %s\n", "class", "rx", "tx",
               "drops", "late", "miss", "p50_us", "p99_us", "max_us", "ring_in", "ring_out",
               "drops by reason");
  for (const ClassSnapshot& cs : s.classes) {
    const LatencySummary l = cs.latency_summary();
    std::fprintf(out, "%-12s %10llu %10llu %9llu %7llu %7llu %9s %9s %9s %11s %11s  %s\n", cs.config.name.c_str(),
                 static_cast<unsigned long long>(cs.c.rx), static_cast<unsigned long long>(cs.c.tx),
                 static_cast<unsigned long long>(cs.drops_total()), static_cast<unsigned long long>(cs.c.late),
                 static_cast<unsigned long long>(cs.c.misses), us(l.p50_ns).c_str(), us(l.p99_ns).c_str(),
                 us(l.max_ns).c_str(), used_of(cs.rx_ring_used, cs.rx_ring_size).c_str(),
                 used_of(cs.tx_ring_used, cs.tx_ring_size).c_str(), drops_text(s, cs.c.drops).c_str());
  }
  uint64_t no_class_total = 0;
  for (uint64_t d : s.no_class_drops) no_class_total += d;
  std::fprintf(out, "%-12s %10s %10s %9llu %7s %7s %9s %9s %9s %11s %11s  %s\n", "(no class)", "-", "-",
               static_cast<unsigned long long>(no_class_total), "-", "-", "-", "-", "-", "-", "-",
               drops_text(s, s.no_class_drops).c_str());
  for (const PortSnapshot& p : s.ports) {
    if (p.counters_rc != 0) continue;  // no NIC counters to show
    std::fprintf(out, "port %u: nic rx %llu missed %llu errors %llu no_mbuf %llu | nic tx %llu errors %llu | tx stalls %llu\n",
                 p.port, static_cast<unsigned long long>(p.nic.ipackets), static_cast<unsigned long long>(p.nic.imissed),
                 static_cast<unsigned long long>(p.nic.ierrors), static_cast<unsigned long long>(p.nic.rx_nombuf),
                 static_cast<unsigned long long>(p.nic.opackets), static_cast<unsigned long long>(p.nic.oerrors),
                 static_cast<unsigned long long>(p.tx_stalls));
  }
  std::string kinds;  // what entered the classes, by kind (ARP, ICMP, ... with other_traffic)
  for (size_t k = 0; k < kFrameKindCount; ++k)
    if (s.kinds[k]) kinds.append(" ").append(kFrameKindNames[k]).append("=").append(std::to_string(s.kinds[k]));
  std::fprintf(out, "classified by kind:%s\n", kinds.empty() ? " -" : kinds.c_str());
  std::fprintf(out, "total: rx %llu  tx %llu  drops %llu  in_flight %lld\n",
               static_cast<unsigned long long>(s.rx), static_cast<unsigned long long>(s.tx),
               static_cast<unsigned long long>(s.drops), static_cast<long long>(s.in_flight()));
  std::fflush(out);
}

namespace {

void write_drops(JsonWriter& w, const Snapshot& s, const std::array<uint64_t, kDropReasonCount>& d) {
  w.begin_object();
  for (size_t r = 0; r < s.n_reasons(); ++r) w.member(s.reason_name(r), d[r]);
  w.end_object();
}

}  // namespace

std::string report_json(const Snapshot& s, const std::vector<MempoolReport>& pools) {
  using Layout = JsonWriter::Layout;
  JsonWriter w;
  w.begin_object(Layout::kBlock).key("uptime_s").fixed(s.uptime_s, 6);
  w.member("rx", s.rx).member("rx_bytes", s.rx_bytes).member("tx", s.tx);
  w.member("drops", s.drops).member("in_flight", s.in_flight()).key("drops_by_reason");
  write_drops(w, s, s.drops_by_reason);
  w.key("no_class_drops");
  write_drops(w, s, s.no_class_drops);
  w.key("rx_by_kind").begin_object();
  for (size_t k = 0; k < kFrameKindCount; ++k) w.member(kFrameKindNames[k], s.kinds[k]);
  w.end_object();
  w.key("classes").begin_array(Layout::kBlock);
  for (const ClassSnapshot& cs : s.classes) {
    w.begin_object().member("name", cs.config.name).member("budget_us", cs.config.budget_us);
    w.member("rx", cs.c.rx).member("tx", cs.c.tx).member("tx_bytes", cs.c.tx_bytes);
    w.member("late", cs.c.late).member("misses", cs.c.misses);
    w.member("drops", cs.drops_total()).key("drops_by_reason");
    write_drops(w, s, cs.c.drops);
    w.key("latency_ns");
    write_latency_json(w, cs.latency_summary());
    w.end_object();
  }
  w.end_array().key("ports").begin_array();
  for (const PortSnapshot& p : s.ports) {
    if (p.counters_rc != 0) continue;  // as in the table
    const rte_eth_stats& n = p.nic;
    w.begin_object().member("port", p.port);
    w.member("ipackets", n.ipackets).member("imissed", n.imissed).member("ierrors", n.ierrors).member("rx_nombuf", n.rx_nombuf);
    w.member("opackets", n.opackets).member("oerrors", n.oerrors);
    w.member("tx_stalls", p.tx_stalls).end_object();
  }
  w.end_array().key("lcores").begin_array(Layout::kBlock);
  for (const LcoreSnapshot& l : s.lcores) {
    w.begin_object().member("lcore", l.lcore).member("roles", l.roles).member("socket", l.socket);
    w.member("loops", l.loops).member("busy_cycles", l.busy_cycles).member("total_cycles", l.total_cycles);
    w.member("packets", l.packets);
    w.member("stall_threshold_us", s.stall_threshold_us).member("stalls", l.stalls);
    w.member("stall_max_us", l.stall_max_us).member("stall_total_us", l.stall_total_us);
    w.member("config_generation", l.config_generation);
    w.key("stall_records_tsc").begin_array();
    for (const auto& [from, to] : l.stall_records) w.begin_array().value(from).value(to).end_array();
    w.end_array().end_object();
  }
  w.end_array().key("rings").begin_array(Layout::kBlock);
  for (const RingSnapshot& r : s.rings)
    w.begin_object().member("name", r.name).member("count", r.count).member("capacity", r.capacity).member(
        "high_water", r.high_water).end_object();
  w.end_array().key("mempools").begin_array();
  for (const MempoolReport& m : pools)
    w.begin_object().member("name", m.name).member("size", m.size).member("available", m.available).end_object();
  w.end_array().end_object();
  return w.text();
}

}  // namespace edf
