#include "setup.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>

#include <atomic>
#include <string>
#include <vector>

#include "dataplane.h"
#include "init.h"
#include "process.h"
#include "stages.h"
#include "stats.h"

namespace edf {

Status prepare_profile(const AppOptions& opts, Profile& profile) {
  // Stage libraries first: the profile's processing and [stage NAME] keys may name their stages.
  for (const std::string& lib : opts.stage_libs)
    if (Status st = load_stage_library(lib); !st.ok()) return st;
  if (Status st = build_profile(opts, profile); !st.ok()) return st;
  return configure_stages(profile);
}

Status start_eal(int eal_argc, char** argv) {
  const std::vector<std::string> vdevs = net_vdev_names(eal_argc, argv);  // before EAL permutes argv
  EalLogCapture eal_log;
  if (rte_eal_init(eal_argc, argv) < 0) {
    std::string why = eal_log.errors();
    if (why.empty()) why = rte_errno ? rte_strerror(rte_errno) : "see EAL's messages above";
    return Status::error("EAL initialisation failed: " + why);
  }
  // EAL starts without a --vdev that failed to probe, and numbers the other ports as if it had
  // not been given: edfpipe would forward between the wrong ports. Refuse instead.
  if (const std::vector<std::string> missing = missing_devices(vdevs); !missing.empty()) {
    Status st;
    for (const std::string& name : missing)
      st.add_error("--vdev " + name + ": the device was not created" +
                   (eal_log.errors().empty() ? std::string(" (see EAL's messages above)") : ": " + eal_log.errors()));
    rte_eal_cleanup();
    return st;
  }
  return {};
}

Status launch_lcores(AppContext& app) {
  for (LcoreContext* c : app.lcores)
    if (int rc = rte_eal_remote_launch(lcore_main, c, c->lcore_id); rc != 0) {
      app.phase.store(Phase::kStop, std::memory_order_release);
      rte_eal_mp_wait_lcore();
      return Status::error("cannot launch lcore " + std::to_string(c->lcore_id) + ": " + rte_strerror(-rc));
    }
  return {};
}

bool drain(AppContext& app) {
  const uint64_t deadline = rte_rdtsc() + uint64_t{app.profile.pipeline.drain_ms} * app.tsc_hz / 1000;
  app.phase.store(Phase::kDrain, std::memory_order_release);
  bool rx_stopped = false;
  bool empty = false;
  do {
    if (!rx_stopped) {
      rx_stopped = true;
      for (const LcoreContext* c : app.lcores)
        if (c->has_rx() && !c->rx_stopped.load(std::memory_order_acquire)) rx_stopped = false;
    }
    // Only once RX has stopped is rx final, so in_flight == 0 cannot be a stale reading.
    if (rx_stopped && take_snapshot(app).in_flight() == 0) {
      empty = true;
      break;
    }
    rte_delay_us_sleep(1000);
  } while (rte_rdtsc() < deadline);
  app.phase.store(Phase::kStop, std::memory_order_release);
  rte_eal_mp_wait_lcore();
  return empty;
}

}  // namespace edf
