// telemetry.h: edfpipe's DPDK telemetry commands (/edfpipe/...), read with dpdk-telemetry.py or
// any client of /var/run/dpdk/<prefix>/dpdk_telemetry.v2. docs/telemetry.md lists every field.
//
// Callbacks run on DPDK's telemetry thread. They only read: each command that shows counters
// renders one take_snapshot() (stats.h: per-lcore counters with relaxed loads, ring counts), and
// /edfpipe/config the profile, which the main lcore changes only under telemetry_lock() (the
// shell's `set` commands); a snapshot reads the profile too. Every command runs under
// that lock, so telemetry_detach() (which takes it) waits for a command in progress before
// teardown. No lock touches the data path. Control path only.
#pragma once

#include <mutex>
#include <string>

#include "app.h"

namespace edf {

// Registers the commands (once per process) and points them at `app`, which must outlive them
// (until telemetry_detach()). Returns "" or why a command could not be registered, in which case
// the commands answer "not running". (Not [[nodiscard]] yet only so that a caller not updated
// still builds: check the result.)
[[nodiscard]] Status telemetry_attach(AppContext& app);
// Makes every command answer "not running" from now on (called before teardown).
void telemetry_detach();
// Held by the control plane while it changes app.profile, and by callbacks while reading it.
std::mutex& telemetry_lock();

}  // namespace edf
