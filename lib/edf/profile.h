// profile.h: edfpipe's configuration model, its defaults, and strict validation.
//
// A profile is an INI document (conf/edfpipe.ini documents every key with its unit) that
// parse_ini() (ini.h) splits into an IniDocument; command-line options are applied through the
// same apply_setting() path, so a bad value is reported the same way wherever it came from.
// Names are taken exactly as written ("class  high" is not "class high", "port 00" is refused):
// two spellings never reach one class or port. Lists are limited to kMaxListChars as
// profile_to_ini() writes them, so every accepted profile dumps to lines the reader takes back.
// Validate, then commit (STYLE rule 7): load_profile() works on a copy and changes its output
// only when every key and every cross-check passed; otherwise its Status holds every problem as
// "file:line: [section] key = value: why". Checks that need EAL (does port 3 exist? is lcore 5
// enabled?) are made by src/ before anything starts. Control path only: allocates freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edf/policy.h"
#include "edf/status.h"

namespace edf {

struct IniEntry {
  std::string key;
  std::string value;
  int line = 0;  // 1-based line in the file, 0 when unknown
};

struct IniSection {
  std::string name;
  int line = 0;
  std::vector<IniEntry> entries;
};

struct IniDocument {
  std::string path;  // for messages
  std::vector<IniSection> sections;
};

enum class ExpiredPolicy : uint8_t { kDeliver, kDrop };
enum class IdlePolicy : uint8_t { kSpin, kYield, kSleep };
// `[pipeline] scheduling`: the EDF worker's policy (edf/policy.h; fifo also means one shared queue).
using Scheduling = Policy;

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
};

struct ClassConfig {
  std::string name;
  uint32_t budget_us = 0;              // latency budget: deadline = arrival + budget
  std::vector<PortRange> udp_dst_ports;  // classification by UDP destination port
  std::vector<uint8_t> dscp;           // classification by DSCP (takes precedence over ports)
  uint32_t quantum_bytes = 0;          // egress DRR quantum
  uint32_t rx_ring = 0;                // RX -> EDF ring capacity, packets
  uint32_t tx_ring = 0;                // EDF -> TX ring capacity, packets (one per output port)
  ExpiredPolicy expired = ExpiredPolicy::kDeliver;
  bool is_default = false;             // unmatched valid UDP goes here
};

struct PortConfig {
  uint16_t port_id = 0;
  uint16_t rx_queues = 1;
  int32_t tx_port = -1;              // output port for packets received here; -1: the same port
  uint64_t rate_bps = 0;             // egress token bucket, bits per second of L2 frame; 0 = off
  uint32_t rate_burst_bytes = 32768; // token bucket depth
  uint32_t rx_quantum_bytes = 16384; // ingress DRR quantum of each of this port's RX queues
};

struct PortMapRange {
  uint16_t in_first = 0;
  uint16_t in_last = 0;
  uint16_t out_first = 0;
};

inline constexpr int32_t kAutoLcore = -1;
inline constexpr size_t kMaxClassNameLen = 16;
inline constexpr size_t kMaxStageNameLen = 16;  // EDFPIPE_STAGE_NAME_MAX
// Longest list value (udp_dst_ports, dscp, udp_port_map) as profile_to_ini() writes it: with
// its key it stays under the INI reader's line limit (kMaxIniLineBytes, 4096).
inline constexpr size_t kMaxListChars = 4000;
// Packets in one burst at most: the pipeline's `burst` (rx_burst, ring dequeue, tx_burst) and
// edfgen's --burst; edfpipe's per-burst staging arrays have this size.
inline constexpr size_t kMaxBurst = 256;

// Lcores per role at most. The data path sizes per-role tables by them (one ring per RX lcore,
// worker and class; one per worker, port and class).
inline constexpr size_t kMaxRxLcores = 8;
inline constexpr size_t kMaxWorkers = 8;   // EDF lcores
inline constexpr size_t kMaxTxLcores = 8;

// Each role is a list of lcore ids, in the order given, no id twice within one role (an lcore may
// hold several roles); {kAutoLcore} alone (written `auto`) is the first worker lcore EAL enabled.
// Resolved against EAL by make_plan() (plan.h).
struct LcoreRoles {
  std::vector<int32_t> rx{kAutoLcore};   // RX lcores; inputs (port, queue) are dealt to them round robin
  std::vector<int32_t> edf{kAutoLcore};  // EDF workers
  std::vector<int32_t> tx{kAutoLcore};   // TX lcores; ports are dealt to them round robin
};

struct PipelineConfig {
  uint64_t portmask = 0;  // 0: every port EAL found
  uint32_t burst = 32;    // packets per rx_burst, ring dequeue and tx_burst
  uint16_t rxd = 1024;    // RX descriptors per queue
  uint16_t txd = 1024;    // TX descriptors per queue
  uint32_t mbufs = 16383; // mbufs per NUMA node in use
  uint32_t mbuf_cache = 256;
  Scheduling scheduling = Scheduling::kEdf;  // policy.h; fifo: one shared ring, no DRR, no EDF (a baseline)
  // The processing stage by name (edfpipe/stage.h): fwd, spin, crypto, or one a --stage-lib adds.
  // Checked against the stages edfpipe has by the caller (src/stages.h): lib/ does not know them.
  std::string processing = "fwd";
  uint32_t spin_base_ns = 100000;  // spin stage: base_ns + per_byte_ns * UDP payload bytes
  uint32_t spin_per_byte_ns = 71;  // 71 ns * 1400 B ~= 100 us, the prototype's size term
  uint32_t edf_slice_us = 20;      // spin: a poll spins at most this long (preemption granularity)
  IdlePolicy idle = IdlePolicy::kYield;
  uint32_t idle_polls = 64;        // empty polls before the idle policy applies
  uint32_t idle_sleep_us = 20;     // sleep length for idle = sleep
  uint32_t tx_retry_us = 100;      // how long TX retries what the NIC refused, then drops it
  uint32_t drain_ms = 500;         // shutdown: time to drain rings before flushing them
  uint32_t stats_period_s = 0;     // live table period; 0 = only the final table
  uint32_t duration_s = 0;         // stop after this long; 0 = run until a signal
  uint32_t idle_exit_ms = 0;       // stop once no packet was received, sent or dropped this long; 0 = never
  // Frames that are not UDP over IPv4/IPv6 but well-formed (ARP, ICMP, TCP, ...; packet_parse.h):
  // "drop", or the name of the class that carries them unchanged; empty: the default class.
  std::string other_traffic;
};

// One key of a [stage NAME] section: the stage itself checks it (its configure call), so the
// profile keeps it as written, with where it came from for the stage's error message.
struct StageSetting {
  std::string stage, key, value;
  std::string where;  // "file:line" or "command line: --set ..."; empty when set in code
};

struct Profile {
  std::string source = "built-in default";
  PipelineConfig pipeline;
  std::vector<ClassConfig> classes;
  std::vector<PortConfig> ports;  // ports with settings; others use PortConfig{} defaults
  std::vector<PortMapRange> udp_port_map;
  LcoreRoles lcores;
  std::vector<StageSetting> stage_settings;  // [stage NAME] keys, in the order given; a key once per stage

  [[nodiscard]] PortConfig port(uint16_t id) const;
  [[nodiscard]] size_t default_class() const;
  // The class index that carries other traffic, or nullopt when it is dropped (other_traffic =
  // drop, or a class name the profile does not have: validate_profile() refuses that).
  [[nodiscard]] std::optional<size_t> other_class() const;
};

// The built-in profile: the prototype's classes (high 8080-8081 1 ms, medium 8082-8083 10 ms,
// low 8084-8085 100 ms, best_effort the rest, 1 s) and its port map 8080-8085 -> 9080-9085.
[[nodiscard]] Profile default_profile();

// Applies every entry of `doc` on top of `base`. On success returns OK and sets `out`; otherwise
// returns every problem found and leaves `out` untouched. A profile that has any [class ...]
// section replaces the default classes with its own, in file order. A section or a key within a
// section given twice is an error. Linear in the number of entries.
[[nodiscard]] Status load_profile(const IniDocument& doc, const Profile& base, Profile& out);

// Sets one key. Returns OK, or one message saying why the value is refused but not where
// ("out of range 1..256"): the caller knows the file line or option and places it with
// Status::within(). `section` is as in the INI file ("pipeline", "class high", "port 0",
// "lcores", "fwd"). Creates a class or port on first use.
[[nodiscard]] Status apply_setting(Profile& p, std::string_view section, std::string_view key,
                                   std::string_view value);

// Cross-checks that span keys: class count, unique names, one default class, overlapping port
// ranges or DSCP values between classes, port map ranges, lcore lists (length, an id twice, auto
// mixed with ids: apply_setting() refuses these too; this catches a Profile built in code).
// Returns OK, or one message per clash, naming what clashes (without a file name: the caller adds
// where the profile came from).
[[nodiscard]] Status validate_profile(const Profile& p);

// What is valid but probably not meant: with scheduling = edf or priority, class order is priority
// (EDF's overload rule or strict priority; egress recovery after a stall), so a class listed after
// one with a looser budget is warned about. One message per such class. Warnings, not errors: the
// profile is valid (hence a list, not a Status), and the caller prints them with its own
// "warning: " prefix.
[[nodiscard]] std::vector<std::string> profile_warnings(const Profile& p);

// The profile as INI text that parse_ini() + load_profile() read back to an equal profile.
[[nodiscard]] std::string profile_to_ini(const Profile& p);

[[nodiscard]] std::string_view to_string(ExpiredPolicy v);
[[nodiscard]] std::string_view to_string(IdlePolicy v);
// A stage name: what edfpipe/stage.h allows (1-16 of a-z, 0-9, _).
[[nodiscard]] bool valid_stage_name(std::string_view n);
// to_string(Scheduling): edf/policy.h.

}  // namespace edf
