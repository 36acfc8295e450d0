// stats.h: sum the per-lcore counters on read and print them (the live table, the final table,
// the JSON report).
//
// Lcores write their own LcoreStats with relaxed single-writer stores; a snapshot reads them
// with relaxed loads from the main lcore (or the telemetry thread) at any time. rx is read last,
// so a snapshot taken while packets flow may show in_flight a little too high, never too low.
// Control path only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"

namespace edf {

struct ClassSnapshot {
  ClassCounters c{};
  Histogram latency;
  uint64_t rx_ring_used = 0, rx_ring_size = 0;
  uint64_t tx_ring_used = 0, tx_ring_size = 0;  // summed over output ports
  uint64_t drops_total() const;
};

// What the NIC counted: packets it dropped before edfpipe received them (imissed, rx_nombuf)
// are outside edfpipe's accounting, which starts at rx_burst.
struct PortSnapshot {
  uint16_t port = 0;
  uint64_t ipackets = 0, imissed = 0, ierrors = 0, rx_nombuf = 0, opackets = 0, oerrors = 0;
  uint64_t tx_stalls = 0;  // edfpipe's own: outages of the port as an output (TxMode::kStalled)
};

struct Snapshot {
  double uptime_s = 0;
  uint64_t rx = 0, rx_bytes = 0, tx = 0, drops = 0;
  std::array<uint64_t, kDropReasonCount> drops_by_reason{};  // parse and class drops together
  std::array<uint64_t, kDropReasonCount> no_class_drops{};   // before classification (parse, RX staging at stop)
  std::vector<ClassSnapshot> classes;
  std::vector<PortSnapshot> ports;
  int64_t in_flight() const { return static_cast<int64_t>(rx) - static_cast<int64_t>(tx + drops); }
};

[[nodiscard]] Snapshot take_snapshot(const AppContext& app);

// now - base, counter by counter (the shell's view after `clear stats`); uptime is the time
// between the two; ring occupancy is now's.
[[nodiscard]] Snapshot diff_snapshot(const Snapshot& now, const Snapshot& base);

// A per-class table, as printed every --stats-period seconds and at exit.
void print_table(FILE* out, const AppContext& app, const Snapshot& s, const char* title);

struct MempoolReport {
  std::string name;
  unsigned size = 0;
  unsigned available = 0;
};

// The final report as JSON (docs/cli.md describes the fields).
// "rx edf tx", or the subset of roles the lcore has.
[[nodiscard]] std::string roles_of(const LcoreContext& lc);

[[nodiscard]] std::string report_json(const AppContext& app, const Snapshot& s,
                                      const std::vector<MempoolReport>& pools);

}  // namespace edf
