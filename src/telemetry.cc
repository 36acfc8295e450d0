#include "telemetry.h"

#include <rte_telemetry.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "edf/ini.h"
#include "stats.h"

namespace edf {
namespace {

// Telemetry callbacks take no user argument: the app they read is published here once, before
// the first command can arrive, and cleared before teardown.
std::atomic<AppContext*> g_app{nullptr};
std::mutex g_profile_lock;

void add_u64(rte_tel_data* d, const std::string& name, uint64_t v) { rte_tel_data_add_dict_u64(d, name.c_str(), v); }

// A new dict, added to d as d[name]; nullptr if it cannot be (out of memory, d full).
rte_tel_data* add_dict(rte_tel_data* d, const std::string& name) {
  rte_tel_data* e = rte_tel_data_alloc();
  if (!e) return nullptr;
  rte_tel_data_start_dict(e);
  if (rte_tel_data_add_dict_container(d, name.c_str(), e, 0) != 0) {
    rte_tel_data_free(e);
    return nullptr;
  }
  return e;
}

int not_running(rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_string(d, "error", "edfpipe is not running");
  return 0;
}

// Runs f(app, d) under the lock, or answers "not running" once edfpipe is detached.
template <typename F>
int with_app(rte_tel_data* d, F&& f) {
  std::lock_guard<std::mutex> guard(g_profile_lock);  // also keeps teardown out while we read
  AppContext* app = g_app.load(std::memory_order_acquire);
  if (!app) return not_running(d);
  return f(*app, d);
}

// Renders a snapshot (stats.h: the one place counters are read and summed) taken under the lock.
template <typename F>
int with_snapshot(rte_tel_data* d, F&& render) {
  return with_app(d, [&](const AppContext& app, rte_tel_data* out) { return render(take_snapshot(app), out); });
}

int render_stats(const Snapshot& s, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  add_u64(d, "uptime_ms", static_cast<uint64_t>(s.uptime_s * 1000.0));
  add_u64(d, "rx", s.rx);
  add_u64(d, "rx_bytes", s.rx_bytes);
  add_u64(d, "tx", s.tx);
  add_u64(d, "drops", s.drops);
  add_u64(d, "in_flight", s.in_flight() > 0 ? static_cast<uint64_t>(s.in_flight()) : 0);
  add_u64(d, "config_generation", s.config_generation);
  for (size_t r = 0; r < s.n_reasons(); ++r) add_u64(d, "drops_" + std::string(s.reason_name(r)), s.drops_by_reason[r]);
  for (size_t k = 0; k < kFrameKindCount; ++k) add_u64(d, "rx_kind_" + std::string(kFrameKindNames[k]), s.kinds[k]);
  return 0;
}

int render_classes(const Snapshot& s, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  for (size_t c = 0; c < s.classes.size(); ++c) {
    const ClassSnapshot& cs = s.classes[c];
    rte_tel_data* e = add_dict(d, cs.config.name);
    if (!e) return -ENOMEM;
    add_u64(e, "index", c);
    add_u64(e, "budget_us", cs.config.budget_us);
    add_u64(e, "quantum_bytes", cs.config.quantum_bytes);
    add_u64(e, "rx_ring", cs.config.rx_ring);
    add_u64(e, "tx_ring", cs.config.tx_ring);
    rte_tel_data_add_dict_string(e, "expired", std::string(to_string(cs.config.expired)).c_str());
    add_u64(e, "default", cs.config.is_default ? 1 : 0);
    add_u64(e, "rx", cs.c.rx);
    add_u64(e, "rx_bytes", cs.c.rx_bytes);
    add_u64(e, "tx", cs.c.tx);
    add_u64(e, "tx_bytes", cs.c.tx_bytes);
    add_u64(e, "late", cs.c.late);
    add_u64(e, "misses", cs.c.misses);
    add_u64(e, "drops", cs.drops_total());
    for (size_t r = kFirstClassDrop; r < s.n_reasons(); ++r)
      add_u64(e, "drops_" + std::string(s.reason_name(r)), cs.c.drops[r]);
  }
  return 0;
}

int render_latency(const Snapshot& s, const std::string& want, rte_tel_data* d) {
  const auto it = std::find_if(s.classes.begin(), s.classes.end(), [&](const ClassSnapshot& c) { return c.config.name == want; });
  if (it == s.classes.end()) {
    rte_tel_data_start_dict(d);
    std::string err = want.empty() ? std::string("no class given") : "unknown class '" + want + "'";
    err += ": give a class name";
    if (!s.classes.empty()) err += ", e.g. /edfpipe/latency," + s.classes[0].config.name;
    rte_tel_data_add_dict_string(d, "error", err.c_str());
    return 0;
  }
  const Histogram& h = it->latency;
  const LatencySummary l = summarize(h);
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_string(d, "class", want.c_str());
  for (const LatencyFigure& f : kLatencyFigures) add_u64(d, std::string(f.name) + (f.in_ns ? "_ns" : ""), l.*f.value);
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

int render_queues(const Snapshot& s, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  for (const RingSnapshot& r : s.rings) {
    rte_tel_data* e = add_dict(d, r.name);
    if (!e) return -ENOMEM;
    add_u64(e, "count", r.count);
    add_u64(e, "capacity", r.capacity);
    add_u64(e, "high_water", r.high_water);
  }
  return 0;
}

int render_lcores(const Snapshot& s, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  for (const LcoreSnapshot& l : s.lcores) {
    rte_tel_data* e = add_dict(d, std::to_string(l.lcore));
    if (!e) return -ENOMEM;
    rte_tel_data_add_dict_string(e, "roles", l.roles.c_str());
    add_u64(e, "socket", l.socket);
    add_u64(e, "loops", l.loops);
    add_u64(e, "busy_cycles", l.busy_cycles);
    add_u64(e, "total_cycles", l.total_cycles);
    add_u64(e, "busy_permille", static_cast<uint64_t>(1000.0 * l.busy_share()));
    add_u64(e, "packets", l.packets);
    add_u64(e, "busy_cycles_per_packet", l.busy_cycles_per_packet());
    add_u64(e, "stalls", l.stalls);
    add_u64(e, "stall_max_us", l.stall_max_us);
    add_u64(e, "stall_total_us", l.stall_total_us);
    add_u64(e, "config_generation", l.config_generation);
  }
  return 0;
}

int cmd_stats(const char*, const char*, rte_tel_data* d) { return with_snapshot(d, render_stats); }
int cmd_classes(const char*, const char*, rte_tel_data* d) { return with_snapshot(d, render_classes); }
int cmd_queues(const char*, const char*, rte_tel_data* d) { return with_snapshot(d, render_queues); }
int cmd_lcores(const char*, const char*, rte_tel_data* d) { return with_snapshot(d, render_lcores); }
int cmd_latency(const char*, const char* params, rte_tel_data* d) {
  const std::string want = params ? params : "";
  return with_snapshot(d, [&](const Snapshot& s, rte_tel_data* out) { return render_latency(s, want, out); });
}

// DPDK telemetry drops what does not fit without a word: a string longer than
// RTE_TEL_MAX_STRING_LEN - 1 is cut, a dict or array past its entry limit loses the entry, and so
// does any part of a reply past the reply buffer (MAX_OUTPUT_LEN in DPDK's
// lib/telemetry/telemetry.c, 16 KiB, which /info reports as max_output_len). /edfpipe/config
// plans its reply against all of these before it builds anything.
constexpr size_t kTelStringMax = RTE_TEL_MAX_STRING_LEN - 1;
constexpr size_t kTelReplyMax = 16 * 1024 - 64;  // with room to spare for the JSON framing

// A value as telemetry carries it: one string if it fits, otherwise (a long list) runs of whole
// items, each a string that fits; joined with ',' they give the value. Empty if an item alone is
// too long (no value edfpipe writes has one).
std::vector<std::string> telemetry_parts(const std::string& value) {
  if (value.size() <= kTelStringMax) return {value};
  std::vector<std::string> parts;
  std::string run;
  for (size_t at = 0; at <= value.size();) {
    size_t comma = value.find(',', at);
    if (comma == std::string::npos) comma = value.size();
    const std::string item = value.substr(at, comma - at);
    if (item.size() > kTelStringMax) return {};
    if (!run.empty() && run.size() + 1 + item.size() > kTelStringMax) {
      parts.push_back(std::move(run));
      run.clear();
    }
    if (!run.empty()) run += ',';
    run += item;
    at = comma + 1;
  }
  parts.push_back(std::move(run));
  return parts;
}

int config_error(rte_tel_data* d, const std::string& why) {
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_string(d, "error", why.substr(0, kTelStringMax).c_str());
  return 0;
}

int render_config(const AppContext& app, rte_tel_data* d) {
  // The profile as --dump-profile writes it, read back by the INI reader: one source of truth.
  IniDocument doc;
  if (!parse_ini(profile_to_ini(app.profile), "running profile", doc).ok())
    return config_error(d, "cannot read back the running profile");

  // Plan: one dict per INI section (spaces in its name become '_': telemetry names allow letters,
  // digits, '_' and '/'), `key: value` inside, and the size of the JSON DPDK will write for it.
  struct Value {
    const std::string* key;
    std::vector<std::string> parts;  // one: a string; more: an array of runs of items
  };
  struct Section {
    std::string name;
    std::vector<Value> values;
  };
  std::vector<Section> plan;
  size_t json = std::strlen("{\"/edfpipe/config\":{}}");
  bool fits = doc.sections.size() <= RTE_TEL_MAX_DICT_ENTRIES;
  for (const IniSection& s : doc.sections) {
    Section sec{s.name, {}};
    std::replace(sec.name.begin(), sec.name.end(), ' ', '_');
    fits = fits && sec.name.size() <= kTelStringMax && s.entries.size() <= RTE_TEL_MAX_DICT_ENTRIES;
    json += sec.name.size() + std::strlen("\"\":{},");
    for (const IniEntry& e : s.entries) {
      Value v{&e.key, telemetry_parts(e.value)};
      fits = fits && e.key.size() <= kTelStringMax && !v.parts.empty() && v.parts.size() <= RTE_TEL_MAX_ARRAY_ENTRIES;
      json += e.key.size() + std::strlen("\"\":,") + (v.parts.size() > 1 ? std::strlen("[]") : 0);
      for (const std::string& part : v.parts) json += part.size() + std::strlen("\"\",");
      sec.values.push_back(std::move(v));
    }
    plan.push_back(std::move(sec));
  }
  if (!fits || json > kTelReplyMax)
    return config_error(d, "profile too large for a telemetry reply (" + std::to_string(json) + " of at most " +
                               std::to_string(kTelReplyMax) + " bytes): use the shell's show config");

  // Build. Every container is freed here if any step fails: DPDK frees them only while it
  // writes a reply.
  std::vector<rte_tel_data*> made;
  auto make = [&]() {
    rte_tel_data* c = rte_tel_data_alloc();
    if (c) made.push_back(c);
    return c;
  };
  bool ok = rte_tel_data_start_dict(d) == 0;
  for (const Section& sec : plan) {
    rte_tel_data* dict = ok ? make() : nullptr;
    ok = dict && rte_tel_data_start_dict(dict) == 0;
    for (const Value& v : sec.values) {
      if (!ok) break;
      if (v.parts.size() == 1) {
        ok = rte_tel_data_add_dict_string(dict, v.key->c_str(), v.parts[0].c_str()) == 0;
        continue;
      }
      rte_tel_data* array = make();
      ok = array && rte_tel_data_start_array(array, RTE_TEL_STRING_VAL) == 0;
      for (const std::string& part : v.parts) ok = ok && rte_tel_data_add_array_string(array, part.c_str()) == 0;
      ok = ok && rte_tel_data_add_dict_container(dict, v.key->c_str(), array, 0) == 0;
    }
    ok = ok && rte_tel_data_add_dict_container(d, sec.name.c_str(), dict, 0) == 0;
  }
  if (!ok) {
    for (rte_tel_data* c : made) rte_tel_data_free(c);
    return config_error(d, "cannot build the reply (out of memory?)");
  }
  return 0;
}

int cmd_config(const char*, const char*, rte_tel_data* d) { return with_app(d, render_config); }

}  // namespace

std::mutex& telemetry_lock() { return g_profile_lock; }

Status telemetry_attach(AppContext& app) {
  static bool registered = false;
  if (!registered) {
    struct Command {
      const char* name;
      telemetry_cb fn;
      const char* help;  // at most RTE_TEL_MAX_STRING_LEN - 1 characters, or DPDK refuses it
    };
    static const Command kCommands[] = {
        {"/edfpipe/stats", cmd_stats, "Totals: rx, tx, in_flight, drops by reason, uptime. No parameters"},
        {"/edfpipe/classes", cmd_classes, "Per traffic class: configuration and counters. No parameters"},
        {"/edfpipe/latency", cmd_latency,
         "Latency of one class, arrival to TX, ns: percentiles and histogram buckets. Parameters: class name"},
        {"/edfpipe/queues", cmd_queues, "Every ring: occupancy, capacity, high-water mark (packets). No parameters"},
        {"/edfpipe/lcores", cmd_lcores, "Per lcore: roles, busy and total cycles, packets handled. No parameters"},
        {"/edfpipe/config", cmd_config, "The running profile, by section. No parameters"},
    };
    for (const Command& c : kCommands)
      if (const int rc = rte_telemetry_register_cmd(c.name, c.fn, c.help); rc != 0)
        return Status::error(std::string("cannot register the telemetry command ") + c.name + ": " +
                             std::strerror(rc < 0 ? -rc : rc));
    registered = true;
  }
  g_app.store(&app, std::memory_order_release);
  return {};
}

void telemetry_detach() {
  // Under the lock: a command already running finishes before teardown goes on.
  std::lock_guard<std::mutex> guard(g_profile_lock);
  g_app.store(nullptr, std::memory_order_release);
}

}  // namespace edf
