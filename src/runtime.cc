#include "runtime.h"

#include <rte_cycles.h>

#include "stages.h"

namespace edf {

RuntimeConfig runtime_from_profile(const AppContext& app, const Profile& p, bool forwarding) {
  RuntimeConfig rt;
  rt.forwarding = forwarding;
  rt.stage = stage_slot(app, p.pipeline.processing);
  rt.scheduling = p.pipeline.scheduling;
  rt.spin_base_ns = p.pipeline.spin_base_ns;
  rt.spin_per_byte_ns = p.pipeline.spin_per_byte_ns;
  for (size_t c = 0; c < p.classes.size() && c < kMaxClasses; ++c) {
    rt.budget_tsc[c] = app.tsc.us_to_cycles(p.classes[c].budget_us);
    rt.expired[c] = p.classes[c].expired;
    rt.quantum_bytes[c] = p.classes[c].quantum_bytes;
  }
  for (uint16_t port = 0; port < kMaxPorts; ++port) {
    const PortConfig pc = p.port(port);
    rt.rate_bps[port] = pc.rate_bps;
    rt.rate_burst_bytes[port] = pc.rate_burst_bytes;
  }
  return rt;
}

const RuntimeConfig& current_runtime(const AppContext& app) {
  return app.runtime[app.runtime_index.load(std::memory_order_relaxed)];
}

namespace {

// True once every lcore acknowledged `generation`, waiting at most `timeout_ms`.
bool wait_for_lcores(const AppContext& app, uint64_t generation, unsigned timeout_ms, unsigned& laggard) {
  const uint64_t deadline = rte_rdtsc() + uint64_t{timeout_ms} * app.tsc_hz / 1000;
  while (true) {
    bool all = true;
    for (const LcoreContext* lc : app.lcores)
      if (lc->config_seen.load(std::memory_order_acquire) < generation) {
        all = false;
        laggard = lc->lcore_id;
      }
    if (all) return true;
    if (rte_rdtsc() >= deadline) return false;
    rte_delay_us_sleep(200);
  }
}

}  // namespace

Status publish_runtime(AppContext& app, RuntimeConfig cfg) {
  const uint32_t cur = app.runtime_index.load(std::memory_order_relaxed);
  unsigned laggard = 0;
  // Nobody may still be copying the idle half: every lcore must have taken the current one.
  if (!wait_for_lcores(app, app.runtime[cur].generation, 1000, laggard))
    return Status::error("lcore " + std::to_string(laggard) + " has not picked up the previous configuration yet (a "
                         "slow spin stage?); nothing changed, try again");
  const uint32_t next = cur ^ 1u;
  cfg.generation = app.runtime[cur].generation + 1;
  app.runtime[next] = cfg;
  app.runtime_index.store(next, std::memory_order_release);
  Status published;
  if (app.phase.load(std::memory_order_relaxed) == Phase::kStop) return published;
  if (!wait_for_lcores(app, cfg.generation, 1000, laggard))
    published.add_warning("lcore " + std::to_string(laggard) + " has not acknowledged the change within 1 s; it "
                          "applies it at its next check");
  return published;
}

void runtime_poll(LcoreContext& lc) {
  const AppContext& app = *lc.app;
  const uint32_t idx = app.runtime_index.load(std::memory_order_acquire);
  const RuntimeConfig& pub = app.runtime[idx];
  if (pub.generation == lc.rt.generation) return;
  const RuntimeConfig old = lc.rt;
  lc.rt = pub;
  const bool first = old.generation == 0;
  for (TxPortState& tp : lc.tx_ports()) {
    // Only what changed is reset: new quanta restart the DRR deficits, a new rate refills the
    // bucket; anything else keeps both (a refill on every change would let bursts through).
    if (first || old.quantum_bytes != lc.rt.quantum_bytes) {
      std::array<uint32_t, kMaxClasses> quanta{};
      const size_t n = tp.egress.drr().size();
      for (size_t q = 0; q < n; ++q) quanta[q] = n == 1 ? 1 : lc.rt.quantum_bytes[q];  // fifo: one queue
      tp.egress.drr().set_quanta(std::span<const uint32_t>(quanta.data(), n));
    }
    if (first || old.rate_bps[tp.port] != lc.rt.rate_bps[tp.port] ||
        old.rate_burst_bytes[tp.port] != lc.rt.rate_burst_bytes[tp.port])
      tp.egress.bucket().configure(lc.rt.rate_bps[tp.port], lc.rt.rate_burst_bytes[tp.port], app.tsc_hz, rte_rdtsc());
  }
  lc.config_seen.store(lc.rt.generation, std::memory_order_release);
}

}  // namespace edf
