// stats.h: the one statistics view of a running pipeline, and its text and JSON renderings.
//
// Every reader that shows statistics -- the live and final table, the JSON report, every
// /edfpipe/* telemetry command that shows counters, the shell's `show` commands -- renders a
// Snapshot, and take_snapshot() is where the lcores' counters are read and summed for them (the
// one other reader is init.cc's total_moved(), a cheap progress count for --idle-exit). A
// Snapshot holds each class (its running configuration, counters, latency, ring occupancy), every
// ring (occupancy, capacity, high-water mark), every worker lcore (roles, cycles, packets,
// stalls) and every port in use (the NIC's counters and edfpipe's TX stalls).
//
// Lcores write their own LcoreStats with relaxed single-writer stores; a snapshot reads them with
// relaxed loads from the main lcore or the telemetry thread at any time, and the running profile
// (class names and settings), which only the main lcore changes: the telemetry thread takes a
// snapshot under telemetry_lock(). rx is read last, so a snapshot taken while packets flow may
// show in_flight a little too high, never too low. Control path only: allocates.
#pragma once

#include <rte_ethdev.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "edf/latency_summary.h"

namespace edf {

struct ClassSnapshot {
  ClassConfig config;  // the class as the running profile has it (name, budget, quantum, rings, ...)
  ClassCounters c{};
  Histogram latency;  // arrival to TX, ns
  // Packets now in the rings of the queue shown on this class's row / their capacity; EDF -> TX
  // summed over output ports. With scheduling = fifo the one shared queue shows on the first row.
  uint64_t rx_ring_used = 0, rx_ring_size = 0;
  uint64_t tx_ring_used = 0, tx_ring_size = 0;

  [[nodiscard]] uint64_t drops_total() const;
  [[nodiscard]] LatencySummary latency_summary() const { return summarize(latency); }
};

// One rte_ring of the pipeline, in pipeline order: per queue, its RX -> EDF ring, then its
// EDF -> TX ring of each output port.
struct RingSnapshot {
  std::string name;  // edf_in_<class> (edf_in_w<worker>_<class> with several workers), edf_out_p<port>_<class> (or _fifo)
  uint64_t count = 0, capacity = 0;
  uint64_t high_water = 0;  // the most it held since start, as its producer saw after each enqueue
};

struct LcoreSnapshot {
  unsigned lcore = 0;
  std::string roles;  // "rx edf tx", or the subset of roles the lcore has
  unsigned socket = 0;
  uint64_t loops = 0, busy_cycles = 0, total_cycles = 0;
  uint64_t packets = 0;  // packets its roles handled, each role counting once
  // Loop iterations that began more than the stall threshold after the previous one; the longest
  // and the sum of those gaps, rounded to the nearest µs.
  uint64_t stalls = 0, stall_max_us = 0, stall_total_us = 0;
  uint64_t config_generation = 0;  // the runtime configuration generation the lcore applied (runtime.h)
  // The latest StallLog::kRecords gaps as [from, to) TSC, oldest first. Only the lcore itself
  // writes them, so they are read only once it stopped: filled in a snapshot the main lcore takes
  // after the workers returned (the final one), empty otherwise.
  std::vector<std::array<uint64_t, 2>> stall_records;

  [[nodiscard]] double busy_share() const;  // busy / total cycles, 0 before the first loop
  [[nodiscard]] uint64_t busy_cycles_per_packet() const { return packets ? busy_cycles / packets : 0; }
};

// What the NIC counted: packets it dropped before edfpipe received them (imissed, rx_nombuf)
// are outside edfpipe's accounting, which starts at rx_burst.
struct PortSnapshot {
  uint16_t port = 0;
  int counters_rc = 0;  // rte_eth_stats_get(): not 0 (a negative errno) leaves `nic` all 0
  rte_eth_stats nic{};
  uint64_t tx_stalls = 0;  // edfpipe's own: outages of the port as an output (egress kStalled)
  PortConfig config;       // the running profile's settings for the port
};

struct Snapshot {
  double uptime_s = 0;
  uint64_t rx = 0, rx_bytes = 0, tx = 0, drops = 0;
  std::array<uint64_t, kDropReasonCount> drops_by_reason{};  // parse and class drops together
  std::array<uint64_t, kDropReasonCount> no_class_drops{};   // before classification (parse, RX staging at stop)
  std::array<uint64_t, kFrameKindCount> kinds{};  // frames that entered a class, by kind (sum: classes' rx)
  uint64_t stall_threshold_us = 0;  // an lcore loop gap longer than this is a stall (rounded to µs)
  uint64_t config_generation = 0;   // the generation published to the lcores; each acknowledges it (LcoreSnapshot)
  std::vector<ClassSnapshot> classes;  // profile order
  std::vector<RingSnapshot> rings;
  std::vector<LcoreSnapshot> lcores;   // worker lcores with roles, in launch order
  std::vector<PortSnapshot> ports;     // ports in use, ascending
  // The running stage's own drop reasons (DropReason::kStage0 + i): only these stage slots exist.
  std::vector<std::string> stage_drop_names;
  [[nodiscard]] size_t n_reasons() const { return kFirstStageDrop + stage_drop_names.size(); }
  [[nodiscard]] std::string_view reason_name(size_t r) const {
    return r < kFirstStageDrop ? kDropReasonNames[r] : std::string_view(stage_drop_names[r - kFirstStageDrop]);
  }
  [[nodiscard]] int64_t in_flight() const { return static_cast<int64_t>(rx) - static_cast<int64_t>(tx + drops); }
};

[[nodiscard]] Snapshot take_snapshot(const AppContext& app);

// One port's counters as take_snapshot() reads them, for any port EAL knows (the shell's
// `show port` asks for ports edfpipe does not use too).
[[nodiscard]] PortSnapshot take_port_snapshot(const AppContext& app, uint16_t port);

// now - base, counter by counter (the shell's view after `clear stats`): totals, classes
// (latency included) and port counters. uptime is the time between the two; configuration, ring
// occupancy and high-water marks, and the lcores are now's.
[[nodiscard]] Snapshot diff_snapshot(const Snapshot& now, const Snapshot& base);

// A per-class table, as printed every --stats-period seconds and at exit (docs/cli.md).
void print_table(FILE* out, const Snapshot& s, const char* title);

struct MempoolReport {
  std::string name;
  unsigned size = 0;
  unsigned available = 0;
};

// The final report as JSON (docs/cli.md describes the fields).
[[nodiscard]] std::string report_json(const Snapshot& s, const std::vector<MempoolReport>& pools);

}  // namespace edf
