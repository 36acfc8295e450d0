// init.h: turn a validated profile into a ready pipeline after rte_eal_init: the mbuf dynamic
// field, lcore roles, one mempool per NUMA socket in use (as l3fwd does), rings, ports, and the
// per-lcore contexts. Also the matching teardown. Every failure is returned as a message naming
// the port, queue, lcore or ring and the DPDK error; nothing exits from here (STYLE rule 8).
// Control path, main lcore only.
#pragma once

#include <string>
#include <vector>

#include "app.h"
#include "stats.h"

namespace edf {

[[nodiscard]] Status init_app(AppContext& app);

// Frees what is still in the rings (counted as shutdown drops on the main lcore's stats).
// Call only after every worker lcore has returned.
void flush_rings(AppContext& app);

// Stops the processing stages, stops and closes the ports (so RX descriptors give their mbufs back),
// reports each pool, and frees the lcore contexts and the data path tables. Call only after every
// worker lcore has returned and telemetry is detached.
[[nodiscard]] std::vector<MempoolReport> close_ports_and_check_pools(AppContext& app);

// Frames received + transmitted so far: it stands still only when nothing moves. Cheap enough to
// poll from the main loop (no histograms).
[[nodiscard]] uint64_t total_moved(const AppContext& app);

}  // namespace edf
