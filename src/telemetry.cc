#include "telemetry.h"

#include <rte_lcore.h>
#include <rte_telemetry.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <sstream>
#include <string>

#include "edf/counter.h"
#include "stats.h"

namespace edf {
namespace {

// Telemetry callbacks take no user argument: the app they read is published here once, before
// the first command can arrive, and cleared before teardown.
std::atomic<AppContext*> g_app{nullptr};
std::mutex g_profile_lock;

void add_u64(rte_tel_data* d, const std::string& name, uint64_t v) { rte_tel_data_add_dict_u64(d, name.c_str(), v); }

int not_running(rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_string(d, "error", "edfpipe is not running");
  return 0;
}

int cmd_stats(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> guard(g_profile_lock);  // also keeps teardown out while we read
  AppContext* app = g_app.load(std::memory_order_acquire);
  if (!app) return not_running(d);
  const Snapshot s = take_snapshot(*app);
  rte_tel_data_start_dict(d);
  add_u64(d, "uptime_ms", static_cast<uint64_t>(s.uptime_s * 1000.0));
  add_u64(d, "rx", s.rx);
  add_u64(d, "rx_bytes", s.rx_bytes);
  add_u64(d, "tx", s.tx);
  add_u64(d, "drops", s.drops);
  add_u64(d, "in_flight", s.in_flight() > 0 ? static_cast<uint64_t>(s.in_flight()) : 0);
  for (size_t r = 0; r < kDropReasonCount; ++r) add_u64(d, "drops_" + std::string(kDropReasonNames[r]), s.drops_by_reason[r]);
  return 0;
}

int cmd_classes(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> guard(g_profile_lock);  // also keeps teardown out while we read
  AppContext* app = g_app.load(std::memory_order_acquire);
  if (!app) return not_running(d);
  const Snapshot s = take_snapshot(*app);
  rte_tel_data_start_dict(d);
  for (size_t c = 0; c < app->n_classes; ++c) {
    const ClassConfig& k = app->profile.classes[c];
    const ClassSnapshot& cs = s.classes[c];
    rte_tel_data* e = rte_tel_data_alloc();
    if (!e) return -ENOMEM;
    rte_tel_data_start_dict(e);
    add_u64(e, "index", c);
    add_u64(e, "budget_us", k.budget_us);
    add_u64(e, "quantum_bytes", k.quantum_bytes);
    add_u64(e, "rx_ring", k.rx_ring);
    add_u64(e, "tx_ring", k.tx_ring);
    rte_tel_data_add_dict_string(e, "expired", std::string(to_string(k.expired)).c_str());
    add_u64(e, "default", k.is_default ? 1 : 0);
    add_u64(e, "rx", cs.c.rx);
    add_u64(e, "rx_bytes", cs.c.rx_bytes);
    add_u64(e, "tx", cs.c.tx);
    add_u64(e, "tx_bytes", cs.c.tx_bytes);
    add_u64(e, "late", cs.c.late);
    add_u64(e, "misses", cs.c.misses);
    add_u64(e, "drops", cs.drops_total());
    for (size_t r = kFirstClassDrop; r < kDropReasonCount; ++r)
      add_u64(e, "drops_" + std::string(kDropReasonNames[r]), cs.c.drops[r]);
    rte_tel_data_add_dict_container(d, k.name.c_str(), e, 0);
  }
  return 0;
}

int cmd_latency(const char*, const char* params, rte_tel_data* d) {
  std::lock_guard<std::mutex> guard(g_profile_lock);  // also keeps teardown out while we read
  AppContext* app = g_app.load(std::memory_order_acquire);
  if (!app) return not_running(d);
  const std::string want = params ? params : "";
  size_t c = 0;
  while (c < app->n_classes && app->profile.classes[c].name != want) ++c;
  if (c == app->n_classes) {
    rte_tel_data_start_dict(d);
    const std::string err = (want.empty() ? std::string("no class given") : "unknown class '" + want + "'") +
                            ": give a class name, e.g. /edfpipe/latency," + app->profile.classes[0].name;
    rte_tel_data_add_dict_string(d, "error", err.c_str());
    return 0;
  }
  Histogram h;
  for (const LcoreContext* lc : app->lcores) lc->stats->latency[c].merge_into(h);
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_string(d, "class", want.c_str());
  add_u64(d, "count", h.count());
  add_u64(d, "min_ns", h.min_ns());
  add_u64(d, "mean_ns", h.count() ? h.sum_ns() / h.count() : 0);
  add_u64(d, "p50_ns", h.percentile(0.50));
  add_u64(d, "p90_ns", h.percentile(0.90));
  add_u64(d, "p99_ns", h.percentile(0.99));
  add_u64(d, "p999_ns", h.percentile(0.999));
  add_u64(d, "max_ns", h.max_ns());
  // Non-empty buckets as two parallel arrays (upper edge, count). DPDK caps an array at 512
  // entries: if more buckets are in use, neighbours are merged until they fit.
  constexpr size_t kMaxOut = 500;
  size_t used = 0;
  for (size_t b = 0; b < Histogram::kBuckets; ++b) used += h.bucket_count(b) != 0;
  size_t merge = 1;
  while ((used + merge - 1) / merge > kMaxOut) merge *= 2;
  rte_tel_data* le = rte_tel_data_alloc();
  rte_tel_data* cnt = rte_tel_data_alloc();
  if (!le || !cnt) {
    rte_tel_data_free(le);
    rte_tel_data_free(cnt);
    return -ENOMEM;
  }
  rte_tel_data_start_array(le, RTE_TEL_U64_VAL);
  rte_tel_data_start_array(cnt, RTE_TEL_U64_VAL);
  size_t in_group = 0;
  uint64_t group = 0, edge = 0;
  for (size_t b = 0; b < Histogram::kBuckets; ++b) {
    const uint64_t n = h.bucket_count(b);
    if (n == 0) continue;
    group += n;
    edge = Histogram::bucket_high(b);
    if (++in_group == merge) {
      rte_tel_data_add_array_u64(le, edge);
      rte_tel_data_add_array_u64(cnt, group);
      in_group = 0;
      group = 0;
    }
  }
  if (in_group) {
    rte_tel_data_add_array_u64(le, edge);
    rte_tel_data_add_array_u64(cnt, group);
  }
  rte_tel_data_add_dict_container(d, "bucket_le_ns", le, 0);
  rte_tel_data_add_dict_container(d, "bucket_count", cnt, 0);
  return 0;
}

int cmd_queues(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> guard(g_profile_lock);  // also keeps teardown out while we read
  AppContext* app = g_app.load(std::memory_order_acquire);
  if (!app) return not_running(d);
  rte_tel_data_start_dict(d);
  auto add_ring = [&](const rte_ring* r, uint64_t hwm) {
    rte_tel_data* e = rte_tel_data_alloc();
    if (!e) return;
    rte_tel_data_start_dict(e);
    add_u64(e, "count", rte_ring_count(r));
    add_u64(e, "capacity", rte_ring_get_capacity(r));
    add_u64(e, "high_water", hwm);
    rte_tel_data_add_dict_container(d, r->name, e, 0);
  };
  auto hwm_of = [&](auto pick) {
    uint64_t m = 0;
    for (const LcoreContext* lc : app->lcores) m = std::max(m, counter_read(pick(*lc->stats)));
    return m;
  };
  for (size_t c = 0; c < app->n_queues; ++c) {
    add_ring(app->edf_ring[c], hwm_of([c](const LcoreStats& st) -> const uint64_t& { return st.edf_ring_hwm[c]; }));
    for (uint16_t p : app->ports)
      if (const rte_ring* r = app->tx_ring[p][c])
        add_ring(r, hwm_of([p, c](const LcoreStats& st) -> const uint64_t& { return st.tx_ring_hwm[p][c]; }));
  }
  return 0;
}

int cmd_lcores(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> guard(g_profile_lock);  // also keeps teardown out while we read
  AppContext* app = g_app.load(std::memory_order_acquire);
  if (!app) return not_running(d);
  rte_tel_data_start_dict(d);
  for (const LcoreContext* lc : app->lcores) {
    rte_tel_data* e = rte_tel_data_alloc();
    if (!e) return -ENOMEM;
    const LcoreStats& st = *lc->stats;
    const uint64_t busy = counter_read(st.busy_cycles), total = counter_read(st.total_cycles);
    const uint64_t work = counter_read(st.work);
    const std::string roles = roles_of(*lc);
    rte_tel_data_start_dict(e);
    rte_tel_data_add_dict_string(e, "roles", roles.c_str());
    add_u64(e, "socket", rte_lcore_to_socket_id(lc->lcore_id));
    add_u64(e, "loops", counter_read(st.loops));
    add_u64(e, "busy_cycles", busy);
    add_u64(e, "total_cycles", total);
    add_u64(e, "busy_permille", total ? static_cast<uint64_t>(1000.0 * static_cast<double>(busy) / static_cast<double>(total)) : 0);
    add_u64(e, "packets", work);
    add_u64(e, "busy_cycles_per_packet", work ? busy / work : 0);
    add_u64(e, "stalls", lc->stalls.count());
    // Divide first: cycles * 10^6 would wrap after about 100 minutes of stalls in all.
    const uint64_t tsc_per_us = std::max<uint64_t>(app->tsc_hz / 1000000, 1);
    add_u64(e, "stall_max_us", lc->stalls.longest() / tsc_per_us);
    add_u64(e, "stall_total_us", lc->stalls.total() / tsc_per_us);
    rte_tel_data_add_dict_container(d, std::to_string(lc->lcore_id).c_str(), e, 0);
  }
  return 0;
}

int cmd_config(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> guard(g_profile_lock);  // also keeps teardown out while we read
  AppContext* app = g_app.load(std::memory_order_acquire);
  if (!app) return not_running(d);
  const std::string text = profile_to_ini(app->profile);
  // One container per INI section, `key: value` strings inside.
  rte_tel_data_start_dict(d);
  std::istringstream in(text);
  std::string line, section;
  rte_tel_data* cur = nullptr;
  auto close_section = [&] {
    if (cur) rte_tel_data_add_dict_container(d, section.c_str(), cur, 0);
    cur = nullptr;
  };
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.front() == '[') {
      close_section();
      section = line.substr(1, line.size() - 2);
      for (char& ch : section)
        if (ch == ' ') ch = '_';  // telemetry names allow letters, digits, '_' and '/': [class high] -> class_high
      cur = rte_tel_data_alloc();
      if (!cur) return -ENOMEM;
      rte_tel_data_start_dict(cur);
      continue;
    }
    const size_t eq = line.find(" = ");
    if (cur && eq != std::string::npos)
      rte_tel_data_add_dict_string(cur, line.substr(0, eq).c_str(), line.substr(eq + 3).c_str());
  }
  close_section();
  return 0;
}

}  // namespace

std::mutex& telemetry_lock() { return g_profile_lock; }

void telemetry_attach(AppContext& app) {
  g_app.store(&app, std::memory_order_release);
  static bool registered = false;
  if (registered) return;
  registered = true;
  rte_telemetry_register_cmd("/edfpipe/stats", cmd_stats,
                             "Totals: rx, tx, in_flight, drops by reason, uptime. No parameters");
  rte_telemetry_register_cmd("/edfpipe/classes", cmd_classes,
                             "Per traffic class: configuration and counters. No parameters");
  rte_telemetry_register_cmd("/edfpipe/latency", cmd_latency,
                             "Latency of one class, arrival to TX, ns: percentiles and histogram buckets. "
                             "Parameters: class name");
  rte_telemetry_register_cmd("/edfpipe/queues", cmd_queues,
                             "Every ring: occupancy, capacity, high-water mark (packets). No parameters");
  rte_telemetry_register_cmd("/edfpipe/lcores", cmd_lcores,
                             "Per lcore: roles, busy and total cycles, packets handled. No parameters");
  rte_telemetry_register_cmd("/edfpipe/config", cmd_config, "The running profile, by section. No parameters");
}

void telemetry_detach() {
  // Under the lock: a command already running finishes before teardown goes on.
  std::lock_guard<std::mutex> guard(g_profile_lock);
  g_app.store(nullptr, std::memory_order_release);
}

}  // namespace edf
