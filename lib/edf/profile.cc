#include "edf/profile.h"

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "edf/classifier.h"
#include "edf/parse_num.h"

namespace edf {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <typename F>
Status for_each_item(std::string_view list, F&& f) {
  if (trim(list).empty()) return Status::error("empty list");
  while (true) {
    const size_t comma = list.find(',');
    if (Status e = f(trim(list.substr(0, comma))); !e.ok()) return e;
    if (comma == std::string_view::npos) return {};
    list.remove_prefix(comma + 1);
  }
}

std::string range_text(const PortRange& r) {
  return r.first == r.last ? std::to_string(r.first)
                           : std::to_string(r.first) + "-" + std::to_string(r.last);
}

// Lists as profile_to_ini() writes them (and as the list limit counts them).
std::string ports_text(const std::vector<PortRange>& v) {
  if (v.empty()) return "none";
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += range_text(v[i]);
  }
  return s;
}

std::string dscp_text(const std::vector<uint8_t>& v) {
  if (v.empty()) return "none";
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s;
}

std::string map_text(const std::vector<PortMapRange>& v) {
  if (v.empty()) return "none";
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    const PortMapRange& m = v[i];
    if (i) s += ',';
    s += std::to_string(m.in_first) + "-" + std::to_string(m.in_last) + ":" + std::to_string(m.out_first) + "-" +
         std::to_string(m.out_first + (m.in_last - m.in_first));
  }
  return s;
}

std::string lcore_text(int32_t id) { return id == kAutoLcore ? std::string("auto") : std::to_string(id); }

std::string lcores_text(const std::vector<int32_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += lcore_text(v[i]);
  }
  return s;
}

// A list longer than this, as written back, would make a line the INI reader refuses: every
// profile edfpipe accepts must dump and load back (docs/configuration.md, "File format").
Status check_list_length(const std::string& written) {
  if (written.size() <= kMaxListChars) return {};
  return Status::error("list too long: " + std::to_string(written.size()) +
                       " characters as --dump-profile writes it, at most " + std::to_string(kMaxListChars));
}

Status parse_range(std::string_view s, PortRange& r) {
  const size_t dash = s.find('-');
  if (dash == std::string_view::npos) {
    if (Status e = parse_uint<uint16_t>(s, 0, 65535, r.first); !e.ok())
      return e.within("port '" + std::string(s) + "': ");
    r.last = r.first;
    return {};
  }
  if (Status e = parse_uint<uint16_t>(trim(s.substr(0, dash)), 0, 65535, r.first); !e.ok())
    return e.within("range '" + std::string(s) + "': ");
  if (Status e = parse_uint<uint16_t>(trim(s.substr(dash + 1)), 0, 65535, r.last); !e.ok())
    return e.within("range '" + std::string(s) + "': ");
  if (r.last < r.first) return Status::error("range '" + std::string(s) + "' ends before it starts");
  return {};
}

Status parse_bool(std::string_view s, bool& out) {
  if (s == "yes" || s == "true" || s == "1" || s == "on") out = true;
  else if (s == "no" || s == "false" || s == "0" || s == "off") out = false;
  else return Status::error("expected yes or no");
  return {};
}

Status parse_lcore(std::string_view s, int32_t& out) {
  if (s == "auto") {
    out = kAutoLcore;
    return {};
  }
  uint32_t v = 0;
  if (Status e = parse_uint<uint32_t>(s, 0, 1023, v); !e.ok())
    return Status::error("lcore '" + std::string(s) + "': " + e.message() + " (or auto)");
  out = static_cast<int32_t>(v);
  return {};
}

// Class names become parts of ring names ("edf_out_p15_" + name must fit DPDK's 28-character
// ring names) and telemetry keys (letters, digits and '_' only).
bool valid_class_name(std::string_view n) {
  if (n.empty() || n.size() > kMaxClassNameLen) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

ClassConfig make_class(std::string name, uint32_t budget_us, std::vector<PortRange> ports,
                       uint32_t quantum, bool is_default) {
  ClassConfig c;
  c.name = std::move(name);
  c.budget_us = budget_us;
  c.udp_dst_ports = std::move(ports);
  c.quantum_bytes = quantum;
  c.rx_ring = 1024;
  c.tx_ring = 1024;
  c.is_default = is_default;
  return c;
}

Status apply_pipeline(PipelineConfig& c, std::string_view key, std::string_view v) {
  if (key == "portmask") {  // hexadecimal with or without 0x, as testpmd and l3fwd read it
    const std::string hex = v.starts_with("0x") || v.starts_with("0X") ? std::string(v) : "0x" + std::string(v);
    if (Status e = parse_uint<uint64_t>(hex, 0, UINT64_MAX, c.portmask, true); !e.ok())
      return e.within("hexadecimal port mask: ");
    return {};
  }
  if (key == "burst") return parse_uint<uint32_t>(v, 1, uint32_t{kMaxBurst}, c.burst);
  if (key == "rxd") return parse_uint<uint16_t>(v, 64, 16384, c.rxd);
  if (key == "txd") return parse_uint<uint16_t>(v, 64, 16384, c.txd);
  if (key == "mbufs") return parse_uint<uint32_t>(v, 1024, 16777215, c.mbufs);
  if (key == "mbuf_cache") return parse_uint<uint32_t>(v, 0, 512, c.mbuf_cache);
  if (key == "scheduling") {
    const std::optional<Policy> p = policy_from_name(v);
    if (!p) return Status::error("expected one of " + policy_name_list());
    c.scheduling = *p;
    return {};
  }
  if (key == "processing") {  // which stages exist is checked once --stage-lib libraries are loaded
    if (!valid_stage_name(v))
      return Status::error("expected a stage name (fwd, spin, crypto, or a --stage-lib stage's): 1-" +
                           std::to_string(kMaxStageNameLen) + " of a-z, 0-9, _");
    c.processing = std::string(v);
    return {};
  }
  if (key == "spin_base_ns") return parse_uint<uint32_t>(v, 0, 100000000, c.spin_base_ns);
  if (key == "spin_per_byte_ns") return parse_uint<uint32_t>(v, 0, 1000000, c.spin_per_byte_ns);
  if (key == "edf_slice_us") return parse_uint<uint32_t>(v, 1, 1000000, c.edf_slice_us);
  if (key == "idle") {
    if (v == "spin") c.idle = IdlePolicy::kSpin;
    else if (v == "yield") c.idle = IdlePolicy::kYield;
    else if (v == "sleep") c.idle = IdlePolicy::kSleep;
    else return Status::error("expected spin, yield or sleep");
    return {};
  }
  if (key == "idle_polls") return parse_uint<uint32_t>(v, 1, 1000000000, c.idle_polls);
  if (key == "idle_sleep_us") return parse_uint<uint32_t>(v, 1, 1000000, c.idle_sleep_us);
  if (key == "tx_retry_us") return parse_uint<uint32_t>(v, 0, 1000000, c.tx_retry_us);
  if (key == "drain_ms") return parse_uint<uint32_t>(v, 0, 60000, c.drain_ms);
  if (key == "stats_period_s") return parse_uint<uint32_t>(v, 0, 86400, c.stats_period_s);
  if (key == "duration_s") return parse_uint<uint32_t>(v, 0, 31536000, c.duration_s);
  if (key == "idle_exit_ms") return parse_uint<uint32_t>(v, 0, 86400000, c.idle_exit_ms);
  if (key == "other_traffic") {  // the class itself is checked by validate_profile(): classes come later
    if (v != "drop" && !valid_class_name(v))
      return Status::error("expected drop or a class name (lowercase letters, digits, '_', at most " +
                           std::to_string(kMaxClassNameLen) + " characters)");
    c.other_traffic = std::string(v);
    return {};
  }
  return Status::error("unknown key in [pipeline]");
}

Status apply_class(ClassConfig& c, std::string_view key, std::string_view v) {
  if (key == "budget_us") return parse_uint<uint32_t>(v, 1, 60000000, c.budget_us);
  if (key == "udp_dst_ports") {
    if (v == "none") {
      c.udp_dst_ports.clear();
      return {};
    }
    std::vector<PortRange> ranges;
    if (Status e = for_each_item(v, [&](std::string_view item) -> Status {
          PortRange r;
          if (Status e2 = parse_range(item, r); !e2.ok()) return e2;
          ranges.push_back(r);
          return {};
        });
        !e.ok())
      return e;
    if (Status e = check_list_length(ports_text(ranges)); !e.ok()) return e;
    c.udp_dst_ports = std::move(ranges);
    return {};
  }
  if (key == "dscp") {
    if (v == "none") {
      c.dscp.clear();
      return {};
    }
    std::vector<uint8_t> values;
    if (Status e = for_each_item(v, [&](std::string_view item) -> Status {
          uint8_t d = 0;
          if (Status e2 = parse_uint<uint8_t>(item, 0, 63, d); !e2.ok())
            return e2.within("DSCP '" + std::string(item) + "': ");
          values.push_back(d);
          return {};
        });
        !e.ok())
      return e;
    if (Status e = check_list_length(dscp_text(values)); !e.ok()) return e;
    c.dscp = std::move(values);
    return {};
  }
  if (key == "quantum_bytes") {
    if (v == "0") return Status::error("DRR quantum cannot be zero");
    return parse_uint<uint32_t>(v, 64, 16777216, c.quantum_bytes);
  }
  if (key == "rx_ring") return parse_uint<uint32_t>(v, 64, 1048576, c.rx_ring);
  if (key == "tx_ring") return parse_uint<uint32_t>(v, 64, 1048576, c.tx_ring);
  if (key == "expired") {
    if (v == "deliver") c.expired = ExpiredPolicy::kDeliver;
    else if (v == "drop") c.expired = ExpiredPolicy::kDrop;
    else return Status::error("expected deliver or drop");
    return {};
  }
  if (key == "default") return parse_bool(v, c.is_default);
  return Status::error("unknown key in a [class ...] section");
}

Status apply_port(PortConfig& c, std::string_view key, std::string_view v) {
  if (key == "rx_queues") return parse_uint<uint16_t>(v, 1, 16, c.rx_queues);
  if (key == "tx_port") {
    if (v == "same") {
      c.tx_port = -1;
      return {};
    }
    uint16_t p = 0;
    if (Status e = parse_uint<uint16_t>(v, 0, 1023, p); !e.ok()) return Status::error(e.message() + " (or same)");
    c.tx_port = p;
    return {};
  }
  if (key == "rate_bps") return parse_uint<uint64_t>(v, 0, 400000000000ull, c.rate_bps);
  if (key == "rate_burst_bytes") return parse_uint<uint32_t>(v, 2048, 16777216, c.rate_burst_bytes);
  if (key == "rx_quantum_bytes") {
    if (v == "0") return Status::error("DRR quantum cannot be zero");
    return parse_uint<uint32_t>(v, 64, 16777216, c.rx_quantum_bytes);
  }
  return Status::error("unknown key in a [port N] section");
}

Status apply_fwd(Profile& p, std::string_view key, std::string_view v) {
  if (key != "udp_port_map") return Status::error("unknown key in [fwd]");
  std::vector<PortMapRange> map;
  if (v != "none") {
    if (Status e = for_each_item(v, [&](std::string_view item) -> Status {
          const size_t colon = item.find(':');
          if (colon == std::string_view::npos)
            return Status::error("map '" + std::string(item) + "': expected IN_FIRST-IN_LAST:OUT_FIRST[-OUT_LAST]");
          PortRange in, out;
          if (Status e2 = parse_range(trim(item.substr(0, colon)), in); !e2.ok()) return e2;
          if (Status e2 = parse_range(trim(item.substr(colon + 1)), out); !e2.ok()) return e2;
          const bool out_is_range = item.substr(colon + 1).find('-') != std::string_view::npos;
          if (out_is_range && out.last - out.first != in.last - in.first)
            return Status::error("map '" + std::string(item) + "': input and output ranges differ in width");
          if (uint32_t{out.first} + (in.last - in.first) > 65535)
            return Status::error("map '" + std::string(item) + "': output range runs past port 65535");
          map.push_back({in.first, in.last, out.first});
          return {};
        });
        !e.ok())
      return e;
    if (Status e = check_list_length(map_text(map)); !e.ok()) return e;
  }
  p.udp_port_map = std::move(map);
  return {};
}

// What is wrong with a role's lcore list, or nothing: ids 0..1023 or `auto` alone, none twice, at
// most `max` of them. One pass.
Status check_lcore_list(const std::vector<int32_t>& ids, size_t max, const char* what) {
  if (ids.empty()) return Status::error("empty list");
  std::bitset<1024> listed;  // lcore ids are 0..1023
  bool has_auto = false;
  for (int32_t id : ids) {
    if (id == kAutoLcore) {
      if (has_auto) return Status::error("lcore auto listed twice");
      has_auto = true;
      continue;
    }
    if (id < 0 || id > 1023) return Status::error("lcore " + std::to_string(id) + ": out of range 0..1023 (or auto)");
    if (listed.test(static_cast<size_t>(id))) return Status::error("lcore " + std::to_string(id) + " listed twice");
    listed.set(static_cast<size_t>(id));
  }
  if (ids.size() > 1 && has_auto) return Status::error("auto cannot be mixed with lcore ids");
  if (ids.size() > max)
    return Status::error(std::to_string(ids.size()) + " lcores listed, at most " + std::to_string(max) + " " + what);
  return {};
}

Status apply_lcores(LcoreRoles& r, std::string_view key, std::string_view v) {
  std::vector<int32_t>* list = key == "rx" ? &r.rx : key == "edf" ? &r.edf : key == "tx" ? &r.tx : nullptr;
  if (!list) return Status::error("unknown key in [lcores] (expected rx, edf, tx)");
  std::vector<int32_t> ids;
  if (Status e = for_each_item(v, [&](std::string_view item) -> Status {
        int32_t id = 0;
        if (Status e2 = parse_lcore(item, id); !e2.ok()) return e2;
        ids.push_back(id);
        return {};
      });
      !e.ok())
    return e;
  const bool rx = key == "rx", edf = key == "edf";
  if (Status e = check_lcore_list(ids, rx ? kMaxRxLcores : edf ? kMaxWorkers : kMaxTxLcores,
                                  rx ? "RX lcores" : edf ? "EDF workers" : "TX lcores");
      !e.ok())
    return e;
  *list = std::move(ids);
  return {};
}

// The port id of a `port N` section, N exactly as written: "port 00" or "port  0" is refused
// rather than read as port 0, so that two spellings cannot reach one port (a class name is
// likewise taken as written: "class  high" names " high", which valid_class_name() refuses).
Status parse_port_id(std::string_view text, uint16_t& id) {
  if (text.size() > 1 && text.front() == '0' && (text[1] == 'x' || text[1] == 'X'))
    return Status::error("port id '" + std::string(text) + "': a decimal number is expected, e.g. [port 1]");
  if (text.size() > 1 && text.front() == '0')
    return Status::error("port id '" + std::string(text) + "': write it without leading zeros");
  if (Status e = parse_uint<uint16_t>(text, 0, 1023, id); !e.ok()) return e.within("port id ");
  return {};
}

// Why a section name is not one edfpipe reads, or nothing. apply_setting() makes the same checks
// on the way to a key; this serves sections that hold no key, so a misspelt one is not ignored.
Status check_section_name(std::string_view section) {
  if (section == "pipeline" || section == "lcores" || section == "fwd") return {};
  if (section.starts_with("stage ")) {
    if (!valid_stage_name(section.substr(6)))
      return Status::error("stage name must be 1-" + std::to_string(kMaxStageNameLen) + " characters of a-z, 0-9 or _");
    return {};
  }
  if (section.starts_with("class ")) {
    if (!valid_class_name(section.substr(6)))
      return Status::error("class name must be 1-" + std::to_string(kMaxClassNameLen) + " characters of a-z, 0-9 or _");
    return {};
  }
  if (section.starts_with("port ")) {
    uint16_t id = 0;
    return parse_port_id(section.substr(5), id);
  }
  return Status::error("unknown section (expected pipeline, lcores, fwd, class NAME, port N, stage NAME)");
}

bool ranges_overlap(const PortRange& a, const PortRange& b) {
  return a.first <= b.last && b.first <= a.last;
}

// A port range and where it was written: its class (or 0 for the port map) and its position.
struct RangeAt {
  PortRange r;
  size_t owner = 0;
  size_t pos = 0;
};

bool written_before(const RangeAt& a, const RangeAt& b) { return std::tie(a.owner, a.pos) < std::tie(b.owner, b.pos); }

// Overlapping ranges in O(n log n): sorted by start, each range is compared with the one that
// reaches furthest among those before it, so every range that overlaps an earlier one is
// reported once. (Not every pair: 2000 copies of one port would make two million messages.)
// Each pair is (written first, written later); pairs come sorted by where their first was written.
std::vector<std::pair<RangeAt, RangeAt>> find_overlaps(std::vector<RangeAt> v) {
  std::sort(v.begin(), v.end(), [](const RangeAt& a, const RangeAt& b) {
    return std::tie(a.r.first, a.owner, a.pos) < std::tie(b.r.first, b.owner, b.pos);
  });
  std::vector<std::pair<RangeAt, RangeAt>> out;
  for (size_t i = 1, reach = 0; i < v.size(); ++i) {
    if (ranges_overlap(v[reach].r, v[i].r))
      out.push_back(written_before(v[reach], v[i]) ? std::pair{v[reach], v[i]} : std::pair{v[i], v[reach]});
    if (v[i].r.last > v[reach].r.last) reach = i;
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return written_before(x.first, y.first) || (!written_before(y.first, x.first) && written_before(x.second, y.second));
  });
  return out;
}

}  // namespace

std::string_view to_string(ExpiredPolicy v) { return v == ExpiredPolicy::kDrop ? "drop" : "deliver"; }
std::string_view to_string(IdlePolicy v) {
  return v == IdlePolicy::kSpin ? "spin" : v == IdlePolicy::kYield ? "yield" : "sleep";
}
bool valid_stage_name(std::string_view n) {
  if (n.empty() || n.size() > kMaxStageNameLen) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

PortConfig Profile::port(uint16_t id) const {
  for (const auto& p : ports)
    if (p.port_id == id) return p;
  PortConfig d;
  d.port_id = id;
  return d;
}

std::optional<size_t> Profile::other_class() const {
  const std::string& o = pipeline.other_traffic;
  if (o == "drop") return std::nullopt;
  if (o.empty()) return default_class();
  for (size_t i = 0; i < classes.size(); ++i)
    if (classes[i].name == o) return i;
  return std::nullopt;
}

size_t Profile::default_class() const {
  for (size_t i = 0; i < classes.size(); ++i)
    if (classes[i].is_default) return i;
  return classes.empty() ? 0 : classes.size() - 1;
}

Profile default_profile() {
  Profile p;
  p.classes.push_back(make_class("high", 1000, {{8080, 8081}}, 4096, false));
  p.classes.push_back(make_class("medium", 10000, {{8082, 8083}}, 4096, false));
  p.classes.push_back(make_class("low", 100000, {{8084, 8085}}, 4096, false));
  p.classes.push_back(make_class("best_effort", 1000000, {}, 4096, true));
  p.udp_port_map.push_back({8080, 8085, 9080});
  return p;
}

Status apply_setting(Profile& p, std::string_view section, std::string_view key, std::string_view value) {
  section = trim(section);
  key = trim(key);
  value = trim(value);
  if (section == "pipeline") return apply_pipeline(p.pipeline, key, value);
  if (section == "lcores") return apply_lcores(p.lcores, key, value);
  if (section == "fwd") return apply_fwd(p, key, value);
  if (section.starts_with("class ")) {
    const std::string_view name = section.substr(6);  // as written: see parse_port_id()
    if (!valid_class_name(name))
      return Status::error("class name '" + std::string(name) + "' must be 1-" + std::to_string(kMaxClassNameLen) +
                           " characters of a-z, 0-9 or _");
    auto it = std::find_if(p.classes.begin(), p.classes.end(),
                           [&](const ClassConfig& c) { return c.name == name; });
    if (it == p.classes.end()) {
      if (p.classes.size() >= kMaxClasses)
        return Status::error("too many classes (at most " + std::to_string(kMaxClasses) + ")");
      p.classes.push_back(make_class(std::string(name), 0, {}, 4096, false));
      it = p.classes.end() - 1;
    }
    return apply_class(*it, key, value);
  }
  if (section.starts_with("port ")) {
    uint16_t id = 0;
    if (Status e = parse_port_id(section.substr(5), id); !e.ok())
      return e.within("section [" + std::string(section) + "]: ");
    auto it = std::find_if(p.ports.begin(), p.ports.end(),
                           [&](const PortConfig& c) { return c.port_id == id; });
    if (it == p.ports.end()) {
      PortConfig c;
      c.port_id = id;
      p.ports.push_back(c);
      it = p.ports.end() - 1;
    }
    return apply_port(*it, key, value);
  }
  if (section.starts_with("stage ")) {  // kept as written: the stage checks it (StageSetting)
    const std::string_view name = section.substr(6);
    if (!valid_stage_name(name))
      return Status::error("stage name '" + std::string(name) + "' must be 1-" + std::to_string(kMaxStageNameLen) +
                           " characters of a-z, 0-9 or _");
    if (key.empty()) return Status::error("empty key");
    for (StageSetting& s : p.stage_settings)
      if (s.stage == name && s.key == key) {  // a later source (the command line) overrides
        s.value = std::string(value);
        s.where.clear();
        return {};
      }
    p.stage_settings.push_back({std::string(name), std::string(key), std::string(value), {}});
    return {};
  }
  return Status::error("unknown section [" + std::string(section) +
                       "] (expected pipeline, lcores, fwd, class NAME, port N, stage NAME)");
}

std::vector<std::string> profile_warnings(const Profile& p) {
  std::vector<std::string> warns;
  // Class order is priority for edf's overload rule and for strict priority.
  if (p.pipeline.scheduling != Scheduling::kEdf && p.pipeline.scheduling != Scheduling::kPriority) return warns;
  for (size_t j = 1; j < p.classes.size(); ++j) {
    const ClassConfig& b = p.classes[j];
    for (size_t i = 0; i < j; ++i) {
      const ClassConfig& a = p.classes[i];
      if (b.budget_us >= a.budget_us) continue;
      warns.push_back("[class " + b.name + "] budget_us = " + std::to_string(b.budget_us) + " is tighter than [class " +
                      a.name + "] budget_us = " + std::to_string(a.budget_us) + ", listed before it: class order " +
                      "is priority under overload and after an output stall; list the tightest budget first");
      break;
    }
  }
  return warns;
}

Status validate_profile(const Profile& p) {
  Status errs;
  if (p.classes.empty()) errs.add_error("no traffic classes: define at least one [class NAME]");
  std::vector<RangeAt> ranges;
  std::vector<uint64_t> dscp_mask(p.classes.size(), 0);  // bit d: the class claims DSCP d
  for (size_t i = 0; i < p.classes.size(); ++i) {
    for (size_t k = 0; k < p.classes[i].udp_dst_ports.size(); ++k) ranges.push_back({p.classes[i].udp_dst_ports[k], i, k});
    for (uint8_t d : p.classes[i].dscp) dscp_mask[i] |= uint64_t{1} << (d & 63);
  }
  const std::vector<std::pair<RangeAt, RangeAt>> overlaps = find_overlaps(std::move(ranges));
  auto overlap_text = [&](const std::pair<RangeAt, RangeAt>& o) {
    const std::string& a = p.classes[o.first.owner].name;
    const std::string& b = p.classes[o.second.owner].name;
    return "[class " + a + "] udp_dst_ports " + range_text(o.first.r) + " overlaps " +
           (o.first.owner == o.second.owner ? "" : "[class " + b + "] udp_dst_ports ") + range_text(o.second.r);
  };
  std::string defaults;
  size_t n_defaults = 0;
  size_t next_overlap = 0;  // overlaps come sorted by the first range's class
  for (size_t i = 0; i < p.classes.size(); ++i) {
    const ClassConfig& a = p.classes[i];
    if (a.is_default) {
      defaults += (n_defaults++ ? ", " : "") + a.name;
    }
    if (a.budget_us == 0) errs.add_error("[class " + a.name + "] budget_us is missing (microseconds, > 0)");
    const size_t first_overlap = next_overlap;
    while (next_overlap < overlaps.size() && overlaps[next_overlap].first.owner == i) ++next_overlap;
    for (size_t o = first_overlap; o < next_overlap; ++o)  // with later classes first, then within this one
      if (overlaps[o].second.owner != i) errs.add_error(overlap_text(overlaps[o]));
    for (size_t j = i + 1; j < p.classes.size(); ++j) {
      uint64_t shared = dscp_mask[i] & dscp_mask[j];
      for (uint8_t d : a.dscp)
        if (shared & (uint64_t{1} << (d & 63))) {
          shared &= ~(uint64_t{1} << (d & 63));  // once per value, however often it is listed
          errs.add_error("[class " + a.name + "] and [class " + p.classes[j].name + "] both claim dscp " +
                         std::to_string(d));
        }
    }
    for (size_t o = first_overlap; o < next_overlap; ++o)
      if (overlaps[o].second.owner == i) errs.add_error(overlap_text(overlaps[o]));
  }
  if (n_defaults > 1) errs.add_error("more than one class has default = yes: " + defaults);
  if (const std::string& o = p.pipeline.other_traffic; !o.empty() && o != "drop" && !p.other_class())
    errs.add_error("[pipeline] other_traffic = " + o + ": no such class (expected drop or one of the profile's classes)");
  // A class with no rule that is not the default can never receive a packet: most likely a
  // misspelt name in --set 'class NAME.KEY=...' that created a new class.
  for (size_t i = 0; i < p.classes.size() && n_defaults <= 1; ++i) {
    const ClassConfig& k = p.classes[i];
    if (k.udp_dst_ports.empty() && k.dscp.empty() && i != p.default_class())
      errs.add_error("[class " + k.name + "] has no udp_dst_ports, no dscp and is not the default class: no " +
                     "packet can reach it (a misspelt class name?)");
  }
  std::vector<RangeAt> inputs;
  for (size_t i = 0; i < p.udp_port_map.size(); ++i)
    inputs.push_back({{p.udp_port_map[i].in_first, p.udp_port_map[i].in_last}, 0, i});
  for (const auto& [a, b] : find_overlaps(std::move(inputs)))
    errs.add_error("[fwd] udp_port_map input ranges " + range_text(a.r) + " and " + range_text(b.r) + " overlap");
  const std::pair<const char*, const std::vector<int32_t>*> roles[] = {
      {"rx", &p.lcores.rx}, {"edf", &p.lcores.edf}, {"tx", &p.lcores.tx}};
  const size_t max_of[] = {kMaxRxLcores, kMaxWorkers, kMaxTxLcores};
  const char* what_of[] = {"RX lcores", "EDF workers", "TX lcores"};
  for (size_t i = 0; i < 3; ++i)
    if (Status e = check_lcore_list(*roles[i].second, max_of[i], what_of[i]); !e.ok())
      errs.add(e.within(std::string("[lcores] ") + roles[i].first + " = " + lcores_text(*roles[i].second) + ": "));
  if (p.pipeline.mbuf_cache > p.pipeline.mbufs / 4)
    errs.add_error("[pipeline] mbuf_cache = " + std::to_string(p.pipeline.mbuf_cache) +
                   ": larger than mbufs / 4 (" + std::to_string(p.pipeline.mbufs / 4) + ")");
  return errs;
}

Status load_profile(const IniDocument& doc, const Profile& base, Profile& out) {
  Profile p = base;
  p.source = doc.path;
  Status errs;
  auto where = [&](int line) {
    return line > 0 ? doc.path + ":" + std::to_string(line) : doc.path;
  };
  auto first_at = [](int line) { return line > 0 ? " (first at line " + std::to_string(line) + ")" : std::string(); };
  bool classes_replaced = false;
  // Hash maps, not lists: a file of 100000 keys loads in linear time.
  std::unordered_map<std::string_view, int> seen_sections;  // name -> line of its first header
  for (const IniSection& s : doc.sections) {
    if (auto [it, fresh] = seen_sections.try_emplace(s.name, s.line); !fresh) {
      errs.add_error(where(s.line) + ": [" + s.name + "] appears twice" + first_at(it->second));
      continue;
    }
    if (s.name.starts_with("class ") && !classes_replaced) {
      p.classes.clear();  // a profile's classes replace the defaults, in file order
      classes_replaced = true;
    }
    if (s.entries.empty()) {
      if (Status e = check_section_name(s.name); !e.ok()) {
        errs.add(e.within(where(s.line) + ": [" + s.name + "]: "));
        continue;
      }
    }
    if (s.name.starts_with("class ") && s.entries.empty()) {
      if (Status e = apply_setting(p, s.name, "default", "no"); !e.ok())  // creates the class
        errs.add(e.within(where(s.line) + ": [" + s.name + "]: "));
    }
    std::unordered_map<std::string_view, int> seen_keys;  // key -> line of its first occurrence
    for (const IniEntry& e : s.entries) {
      const std::string loc = where(e.line) + ": [" + s.name + "] " + e.key + " = " + e.value + ": ";
      if (auto [it, fresh] = seen_keys.try_emplace(e.key, e.line); !fresh) {
        errs.add_error(loc + "key given twice in this section" + first_at(it->second));
        continue;
      }
      if (Status why = apply_setting(p, s.name, e.key, e.value); !why.ok()) errs.add(why.within(loc));
      else if (s.name.starts_with("stage ")) p.stage_settings.back().where = where(e.line);
    }
  }
  // Cross-checks only on a profile whose every value parsed: a bad value already said why.
  if (errs.ok()) errs.add(validate_profile(p).within(doc.path + ": "));
  if (errs.ok()) out = std::move(p);
  return errs;
}

std::string profile_to_ini(const Profile& p) {
  std::ostringstream o;
  const PipelineConfig& c = p.pipeline;
  o << "[pipeline]\n"
    << "portmask = 0x" << std::hex << c.portmask << std::dec << "\n"
    << "burst = " << c.burst << "\n"
    << "rxd = " << c.rxd << "\n"
    << "txd = " << c.txd << "\n"
    << "mbufs = " << c.mbufs << "\n"
    << "mbuf_cache = " << c.mbuf_cache << "\n"
    << "scheduling = " << to_string(c.scheduling) << "\n"
    << "processing = " << c.processing << "\n"
    << "spin_base_ns = " << c.spin_base_ns << "\n"
    << "spin_per_byte_ns = " << c.spin_per_byte_ns << "\n"
    << "edf_slice_us = " << c.edf_slice_us << "\n"
    << "idle = " << to_string(c.idle) << "\n"
    << "idle_polls = " << c.idle_polls << "\n"
    << "idle_sleep_us = " << c.idle_sleep_us << "\n"
    << "tx_retry_us = " << c.tx_retry_us << "\n"
    << "drain_ms = " << c.drain_ms << "\n"
    << "stats_period_s = " << c.stats_period_s << "\n"
    << "duration_s = " << c.duration_s << "\n"
    << "idle_exit_ms = " << c.idle_exit_ms << "\n";
  // Written as it resolves (an unset key means the default class), so a reader sees which class.
  const std::optional<size_t> oc = p.other_class();
  o << "other_traffic = " << (oc && *oc < p.classes.size() ? p.classes[*oc].name : std::string("drop")) << "\n";
  o << "\n[lcores]\nrx = " << lcores_text(p.lcores.rx) << "\nedf = " << lcores_text(p.lcores.edf)
    << "\ntx = " << lcores_text(p.lcores.tx) << "\n";
  o << "\n[fwd]\nudp_port_map = " << map_text(p.udp_port_map) << "\n";
  for (const ClassConfig& k : p.classes) {
    o << "\n[class " << k.name << "]\n"
      << "budget_us = " << k.budget_us << "\n"
      << "udp_dst_ports = " << ports_text(k.udp_dst_ports) << "\n"
      << "dscp = " << dscp_text(k.dscp) << "\n"
      << "quantum_bytes = " << k.quantum_bytes << "\n"
      << "rx_ring = " << k.rx_ring << "\n"
      << "tx_ring = " << k.tx_ring << "\n"
      << "expired = " << to_string(k.expired) << "\n"
      << "default = " << (k.is_default ? "yes" : "no") << "\n";
  }
  for (const PortConfig& q : p.ports) {
    o << "\n[port " << q.port_id << "]\n"
      << "rx_queues = " << q.rx_queues << "\n"
      << "tx_port = " << (q.tx_port < 0 ? std::string("same") : std::to_string(q.tx_port)) << "\n"
      << "rate_bps = " << q.rate_bps << "\n"
      << "rate_burst_bytes = " << q.rate_burst_bytes << "\n"
      << "rx_quantum_bytes = " << q.rx_quantum_bytes << "\n";
  }
  std::vector<std::string> stages;  // sections in order of first appearance
  for (const StageSetting& s : p.stage_settings)
    if (std::find(stages.begin(), stages.end(), s.stage) == stages.end()) stages.push_back(s.stage);
  for (const std::string& st : stages) {
    o << "\n[stage " << st << "]\n";
    for (const StageSetting& s : p.stage_settings)
      if (s.stage == st) o << s.key << " = " << s.value << "\n";
  }
  return o.str();
}

}  // namespace edf
