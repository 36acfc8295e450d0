#include "stats.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <algorithm>
#include <atomic>
#include <sstream>

#include "edf/counter.h"

namespace edf {

uint64_t ClassSnapshot::drops_total() const {
  uint64_t t = 0;
  for (uint64_t d : c.drops) t += d;
  return t;
}

Snapshot take_snapshot(const AppContext& app) {
  Snapshot s;
  s.uptime_s = static_cast<double>(rte_rdtsc() - app.start_tsc) / static_cast<double>(app.tsc_hz);
  s.classes.resize(app.n_classes);
  std::vector<const LcoreStats*> all;
  for (const LcoreContext* lc : app.lcores) all.push_back(lc->stats);
  all.push_back(app.ctl_stats);
  for (const LcoreStats* st : all) {
    for (size_t r = 0; r < kDropReasonCount; ++r) {
      const uint64_t d = counter_read(st->parse_drops[r]);
      s.no_class_drops[r] += d;
      s.drops_by_reason[r] += d;
      s.drops += d;
    }
    for (size_t c = 0; c < app.n_classes; ++c) {
      const ClassCounters& in = st->cls[c];
      ClassCounters& o = s.classes[c].c;
      o.rx += counter_read(in.rx);
      o.rx_bytes += counter_read(in.rx_bytes);
      o.tx += counter_read(in.tx);
      o.tx_bytes += counter_read(in.tx_bytes);
      o.late += counter_read(in.late);
      o.misses += counter_read(in.misses);
      for (size_t r = 0; r < kDropReasonCount; ++r) {
        const uint64_t d = counter_read(in.drops[r]);
        o.drops[r] += d;
        s.drops_by_reason[r] += d;
        s.drops += d;
      }
      st->latency[c].merge_into(s.classes[c].latency);
    }
  }
  // rx last: a packet is counted in rx before it can reach tx or a drop, so reading rx after
  // them can only over-count in_flight (never negative, never a false zero while packets move).
  std::atomic_thread_fence(std::memory_order_acquire);
  for (const LcoreStats* st : all) {
    s.rx += counter_read(st->rx);
    s.rx_bytes += counter_read(st->rx_bytes);
  }
  for (size_t c = 0; c < app.n_classes; ++c) {
    ClassSnapshot& cs = s.classes[c];
    s.tx += cs.c.tx;
    if (c >= app.n_queues) continue;  // fifo: the one shared queue shows on the first class's row
    cs.rx_ring_used = rte_ring_count(app.edf_ring[c]);
    cs.rx_ring_size = rte_ring_get_capacity(app.edf_ring[c]);
    for (uint16_t p : app.ports) {
      if (const rte_ring* r = app.tx_ring[p][c]) {
        cs.tx_ring_used += rte_ring_count(r);
        cs.tx_ring_size += rte_ring_get_capacity(r);
      }
    }
  }
  for (uint16_t p : app.ports) {
    rte_eth_stats es{};
    if (rte_eth_stats_get(p, &es) != 0) continue;
    uint64_t stalls = 0;
    for (const LcoreStats* st : all) stalls += counter_read(st->tx_stalls[p]);
    s.ports.push_back({p, es.ipackets, es.imissed, es.ierrors, es.rx_nombuf, es.opackets, es.oerrors, stalls});
  }
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
  for (size_t c = 0; c < d.classes.size() && c < base.classes.size(); ++c) {
    ClassCounters& x = d.classes[c].c;
    const ClassCounters& y = base.classes[c].c;
    sub(x.rx, y.rx);
    sub(x.rx_bytes, y.rx_bytes);
    sub(x.tx, y.tx);
    sub(x.tx_bytes, y.tx_bytes);
    sub(x.late, y.late);
    sub(x.misses, y.misses);
    for (size_t r = 0; r < kDropReasonCount; ++r) sub(x.drops[r], y.drops[r]);
    d.classes[c].latency.subtract(base.classes[c].latency);
  }
  for (size_t i = 0; i < d.ports.size() && i < base.ports.size(); ++i) {
    PortSnapshot& x = d.ports[i];
    const PortSnapshot& y = base.ports[i];
    sub(x.ipackets, y.ipackets);
    sub(x.imissed, y.imissed);
    sub(x.ierrors, y.ierrors);
    sub(x.rx_nombuf, y.rx_nombuf);
    sub(x.opackets, y.opackets);
    sub(x.oerrors, y.oerrors);
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

std::string drops_text(const std::array<uint64_t, kDropReasonCount>& d) {
  std::string t;
  for (size_t r = 0; r < kDropReasonCount; ++r) {
    if (d[r] == 0) continue;
    if (!t.empty()) t += ' ';
    t += std::string(kDropReasonNames[r]) + "=" + std::to_string(d[r]);
  }
  return t.empty() ? "-" : t;
}

}  // namespace

void print_table(FILE* out, const AppContext& app, const Snapshot& s, const char* title) {
  std::fprintf(out, "\n== %s: %.1f s ==\n", title, s.uptime_s);
  std::fprintf(out, "%-12s %10s %10s %9s %7s %7s %9s %9s %9s %11s %11s  %s\n", "class", "rx", "tx",
               "drops", "late", "miss", "p50_us", "p99_us", "max_us", "ring_in", "ring_out",
               "drops by reason");
  for (size_t c = 0; c < app.n_classes; ++c) {
    const ClassSnapshot& cs = s.classes[c];
    char ring_in[32], ring_out[32];
    std::snprintf(ring_in, sizeof ring_in, "%llu/%llu", static_cast<unsigned long long>(cs.rx_ring_used),
                  static_cast<unsigned long long>(cs.rx_ring_size));
    std::snprintf(ring_out, sizeof ring_out, "%llu/%llu", static_cast<unsigned long long>(cs.tx_ring_used),
                  static_cast<unsigned long long>(cs.tx_ring_size));
    std::fprintf(out, "%-12s %10llu %10llu %9llu %7llu %7llu %9s %9s %9s %11s %11s  %s\n",
                 app.profile.classes[c].name.c_str(), static_cast<unsigned long long>(cs.c.rx),
                 static_cast<unsigned long long>(cs.c.tx), static_cast<unsigned long long>(cs.drops_total()),
                 static_cast<unsigned long long>(cs.c.late), static_cast<unsigned long long>(cs.c.misses),
                 us(cs.latency.percentile(0.50)).c_str(), us(cs.latency.percentile(0.99)).c_str(),
                 us(cs.latency.max_ns()).c_str(), ring_in, ring_out, drops_text(cs.c.drops).c_str());
  }
  uint64_t no_class_total = 0;
  for (uint64_t d : s.no_class_drops) no_class_total += d;
  std::fprintf(out, "%-12s %10s %10s %9llu %7s %7s %9s %9s %9s %11s %11s  %s\n", "(no class)", "-", "-",
               static_cast<unsigned long long>(no_class_total), "-", "-", "-", "-", "-", "-", "-",
               drops_text(s.no_class_drops).c_str());
  for (const PortSnapshot& p : s.ports)
    std::fprintf(out, "port %u: nic rx %llu missed %llu errors %llu no_mbuf %llu | nic tx %llu errors %llu | tx stalls %llu\n",
                 p.port, static_cast<unsigned long long>(p.ipackets), static_cast<unsigned long long>(p.imissed),
                 static_cast<unsigned long long>(p.ierrors), static_cast<unsigned long long>(p.rx_nombuf),
                 static_cast<unsigned long long>(p.opackets), static_cast<unsigned long long>(p.oerrors),
                 static_cast<unsigned long long>(p.tx_stalls));
  std::fprintf(out, "total: rx %llu  tx %llu  drops %llu  in_flight %lld\n",
               static_cast<unsigned long long>(s.rx), static_cast<unsigned long long>(s.tx),
               static_cast<unsigned long long>(s.drops), static_cast<long long>(s.in_flight()));
  std::fflush(out);
}

std::string roles_of(const LcoreContext& lc) {
  std::string roles;
  if (lc.has_rx) roles += "rx ";
  if (lc.has_edf) roles += "edf ";
  if (lc.has_tx) roles += "tx ";
  if (!roles.empty()) roles.pop_back();
  return roles;
}

std::string report_json(const AppContext& app, const Snapshot& s, const std::vector<MempoolReport>& pools) {
  std::ostringstream o;
  auto drops_obj = [&](const std::array<uint64_t, kDropReasonCount>& d) {
    o << "{";
    for (size_t r = 0; r < kDropReasonCount; ++r) o << (r ? ", " : "") << "\"" << kDropReasonNames[r] << "\": " << d[r];
    o << "}";
  };
  o << "{\n  \"uptime_s\": " << s.uptime_s << ",\n  \"rx\": " << s.rx << ",\n  \"rx_bytes\": " << s.rx_bytes
    << ",\n  \"tx\": " << s.tx << ",\n  \"drops\": " << s.drops << ",\n  \"in_flight\": " << s.in_flight()
    << ",\n  \"drops_by_reason\": ";
  drops_obj(s.drops_by_reason);
  o << ",\n  \"no_class_drops\": ";
  drops_obj(s.no_class_drops);
  o << ",\n  \"classes\": [";
  for (size_t c = 0; c < app.n_classes; ++c) {
    const ClassSnapshot& cs = s.classes[c];
    const Histogram& h = cs.latency;
    const uint64_t mean = h.count() ? h.sum_ns() / h.count() : 0;
    o << (c ? "," : "") << "\n    {\"name\": \"" << app.profile.classes[c].name << "\", \"budget_us\": "
      << app.profile.classes[c].budget_us << ", \"rx\": " << cs.c.rx << ", \"tx\": " << cs.c.tx
      << ", \"tx_bytes\": " << cs.c.tx_bytes << ", \"late\": " << cs.c.late << ", \"misses\": " << cs.c.misses
      << ", \"drops\": " << cs.drops_total() << ", \"drops_by_reason\": ";
    drops_obj(cs.c.drops);
    o << ",\n     \"latency_ns\": {\"count\": " << h.count() << ", \"min\": " << h.min_ns() << ", \"mean\": " << mean
      << ", \"p50\": " << h.percentile(0.5) << ", \"p90\": " << h.percentile(0.9) << ", \"p99\": " << h.percentile(0.99)
      << ", \"p999\": " << h.percentile(0.999) << ", \"max\": " << h.max_ns() << "}}";
  }
  o << "\n  ],\n  \"ports\": [";
  for (size_t i = 0; i < s.ports.size(); ++i) {
    const PortSnapshot& p = s.ports[i];
    o << (i ? ", " : "") << "{\"port\": " << p.port << ", \"ipackets\": " << p.ipackets << ", \"imissed\": " << p.imissed
      << ", \"ierrors\": " << p.ierrors << ", \"rx_nombuf\": " << p.rx_nombuf << ", \"opackets\": " << p.opackets
      << ", \"oerrors\": " << p.oerrors << ", \"tx_stalls\": " << p.tx_stalls << "}";
  }
  o << "],\n  \"lcores\": [";
  for (size_t i = 0; i < app.lcores.size(); ++i) {
    const LcoreContext& lc = *app.lcores[i];
    const std::string roles = roles_of(lc);
    const double us = 1e6 / static_cast<double>(app.tsc_hz);
    o << (i ? "," : "") << "\n    {\"lcore\": " << lc.lcore_id << ", \"roles\": \"" << roles
      << "\", \"stall_threshold_us\": " << static_cast<double>(app.fixed.stall_tsc) * us
      << ", \"stalls\": " << lc.stalls.count()
      << ", \"stall_max_us\": " << static_cast<double>(lc.stalls.longest()) * us
      << ", \"stall_total_us\": " << static_cast<double>(lc.stalls.total()) * us
      << ",\n     \"stall_records_tsc\": [";
    // Read after the lcore stopped (the report is written at exit): oldest first.
    const char* sep = "";
    lc.stalls.for_each([&](uint64_t from, uint64_t to) {
      o << sep << "[" << from << ", " << to << "]";
      sep = ", ";
    });
    o << "]}";
  }
  o << "\n  ],\n  \"mempools\": [";
  for (size_t i = 0; i < pools.size(); ++i)
    o << (i ? ", " : "") << "{\"name\": \"" << pools[i].name << "\", \"size\": " << pools[i].size
      << ", \"available\": " << pools[i].available << "}";
  o << "]\n}\n";
  return o.str();
}

}  // namespace edf
