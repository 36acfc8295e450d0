// edfpipe: a DPDK pipeline that keeps latency-critical UDP classes inside their deadlines.
// main() owns start-up and shutdown; see docs/architecture.md for the data path.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pdump.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "app.h"
#include "args.h"
#include "dataplane.h"
#include "init.h"
#include "stats.h"
#include "shell.h"
#include "telemetry.h"

namespace {

volatile std::sig_atomic_t g_signal = 0;  // written by the signal handler, read by main's loop

void on_signal(int sig) { g_signal = sig; }

int fail(const std::vector<std::string>& errs) {
  for (const std::string& e : errs) std::fprintf(stderr, "edfpipe: error: %s\n", e.c_str());
  return EXIT_FAILURE;
}

uint32_t logtype = RTE_LOGTYPE_USER1;  // edfpipe.main once registered

#define EDF_LOG(level, fmt, ...) rte_log(RTE_LOG_##level, logtype, "edfpipe: " fmt "\n" __VA_OPT__(, ) __VA_ARGS__)

// Runs until a signal, --duration, --idle-exit or the shell's quit; prints the live table every
// stats period; with a shell, waits on its input instead of sleeping.
void control_loop(edf::AppContext& app, edf::Shell* shell) {
  const edf::PipelineConfig& pc = app.profile.pipeline;
  const uint64_t hz = app.tsc_hz;
  const uint64_t start = app.start_tsc;
  uint64_t next_stats = start + uint64_t{pc.stats_period_s} * hz;
  uint64_t last_moved = 0, last_rx_change = start;
  while (g_signal == 0) {
    if (shell) {
      if (!edf::shell_poll(shell, 10)) {
        EDF_LOG(INFO, "shell closed, stopping");
        break;
      }
    } else {
      rte_delay_us_sleep(10000);
    }
    const uint64_t now = rte_rdtsc();
    if (pc.duration_s && now - start >= uint64_t{pc.duration_s} * hz) {
      EDF_LOG(INFO, "duration of %u s reached", pc.duration_s);
      break;
    }
    if (pc.idle_exit_ms) {
      const uint64_t moved = edf::total_moved(app);
      if (moved != last_moved) {
        last_moved = moved;
        last_rx_change = now;
      } else if (now - last_rx_change >= uint64_t{pc.idle_exit_ms} * hz / 1000) {
        EDF_LOG(INFO, "no packet received, sent or dropped for %u ms, stopping", pc.idle_exit_ms);
        break;
      }
    }
    if (pc.stats_period_s && now >= next_stats) {
      edf::print_table(stdout, app, edf::take_snapshot(app), "edfpipe");
      next_stats += uint64_t{pc.stats_period_s} * hz;
    }
  }
  if (g_signal) EDF_LOG(INFO, "signal %d received, stopping", static_cast<int>(g_signal));
}

// Stop RX, let EDF and TX empty the pipeline for at most drain_ms, then stop every lcore.
// Returns true when the pipeline emptied in time.
bool drain(edf::AppContext& app) {
  const uint64_t deadline = rte_rdtsc() + uint64_t{app.profile.pipeline.drain_ms} * app.tsc_hz / 1000;
  app.phase.store(edf::Phase::kDrain, std::memory_order_release);
  bool rx_stopped = false;
  bool empty = false;
  do {
    if (!rx_stopped) {
      rx_stopped = true;
      for (const edf::LcoreContext* c : app.lcores)
        if (c->has_rx && !c->rx_stopped.load(std::memory_order_acquire)) rx_stopped = false;
    }
    // Only once RX has stopped is rx final, so in_flight == 0 cannot be a stale reading.
    if (rx_stopped && edf::take_snapshot(app).in_flight() == 0) {
      empty = true;
      break;
    }
    rte_delay_us_sleep(1000);
  } while (rte_rdtsc() < deadline);
  app.phase.store(edf::Phase::kStop, std::memory_order_release);
  rte_eal_mp_wait_lcore();
  return empty;
}

}  // namespace

int main(int argc, char** argv) {
  // EAL options come before "--", edfpipe's after; parse ours first so that --help and profile
  // errors need no EAL (and no hugepages).
  int eal_argc = argc;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) {
      eal_argc = i;
      break;
    }
  std::vector<char*> app_argv{argv[0]};
  for (int i = eal_argc + 1; i < argc; ++i) app_argv.push_back(argv[i]);
  edf::AppOptions opts;
  if (std::string err = edf::parse_app_args(static_cast<int>(app_argv.size()), app_argv.data(), opts); !err.empty())
    return fail({err});
  if (opts.help) {
    edf::print_usage(argv[0]);
    return EXIT_SUCCESS;
  }
  edf::AppContext app;
  if (auto errs = edf::build_profile(opts, app.profile); !errs.empty()) return fail(errs);
  if (opts.dump_profile) {
    std::fputs(edf::profile_to_ini(app.profile).c_str(), stdout);
    return EXIT_SUCCESS;
  }
  for (const std::string& w : edf::profile_warnings(app.profile)) std::fprintf(stderr, "edfpipe: warning: %s\n", w.c_str());
  if (opts.check_profile) {
    std::printf("%s: profile OK (%zu classes)\n", app.profile.source.c_str(), app.profile.classes.size());
    return EXIT_SUCCESS;
  }

  if (rte_eal_init(eal_argc, argv) < 0) return fail({std::string("EAL initialisation failed: ") + rte_strerror(rte_errno)});
  if (int t = rte_log_register_type_and_pick_level("edfpipe.main", RTE_LOG_INFO); t >= 0) logtype = static_cast<uint32_t>(t);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Lets dpdk-dumpcap / dpdk-pdump (secondary processes) capture our ports. Needs the shared
  // memory of a primary: not available with --in-memory or --no-shconf, which is not an error.
  const bool pdump = rte_pdump_init() == 0;
  if (!pdump) EDF_LOG(INFO, "packet capture (rte_pdump) not available: %s", rte_strerror(rte_errno));

  if (std::string err = edf::init_app(app); !err.empty()) {
    (void)edf::close_ports_and_check_pools(app);
    rte_eal_cleanup();
    return fail({err});
  }
  EDF_LOG(INFO, "profile %s: %zu classes, %zu ports, %zu lcores with roles, processing %s", app.profile.source.c_str(),
          app.n_classes, app.ports.size(), app.lcores.size(), std::string(edf::to_string(app.profile.pipeline.processing)).c_str());
  for (const edf::LcoreContext* c : app.lcores)
    EDF_LOG(INFO, "lcore %u:%s%s%s (%zu inputs, %zu output ports)", c->lcore_id, c->has_rx ? " rx" : "",
            c->has_edf ? " edf" : "", c->has_tx ? " tx" : "", c->inputs.size(), c->tx_ports.size());

  app.start_tsc = rte_rdtsc();
  edf::telemetry_attach(app);
  for (edf::LcoreContext* c : app.lcores)
    if (int rc = rte_eal_remote_launch(edf::lcore_main, c, c->lcore_id); rc != 0) {
      app.phase.store(edf::Phase::kStop);
      rte_eal_mp_wait_lcore();
      return fail({"cannot launch lcore " + std::to_string(c->lcore_id) + ": " + rte_strerror(-rc)});
    }

  edf::Shell* shell = nullptr;
  if (opts.interactive && !(shell = edf::shell_start(app))) EDF_LOG(ERR, "cannot start the shell; running without it");
  control_loop(app, shell);
  edf::shell_stop(shell);
  const bool drained = drain(app);
  edf::flush_rings(app);
  if (!drained) EDF_LOG(WARNING, "pipeline not empty after %u ms; the rest is counted as shutdown drops", app.profile.pipeline.drain_ms);

  const edf::Snapshot snap = edf::take_snapshot(app);
  edf::print_table(stdout, app, snap, "edfpipe final");
  edf::telemetry_detach();
  const std::vector<edf::MempoolReport> pools = edf::close_ports_and_check_pools(app);

  int rc = EXIT_SUCCESS;
  if (snap.in_flight() != 0) {
    std::fprintf(stderr, "edfpipe: error: accounting: rx %llu != tx %llu + drops %llu\n",
                 static_cast<unsigned long long>(snap.rx), static_cast<unsigned long long>(snap.tx),
                 static_cast<unsigned long long>(snap.drops));
    rc = 3;
  } else {
    std::printf("accounting: rx %llu = tx %llu + drops %llu\n", static_cast<unsigned long long>(snap.rx),
                static_cast<unsigned long long>(snap.tx), static_cast<unsigned long long>(snap.drops));
  }
  for (const edf::MempoolReport& p : pools) {
    const bool ok = p.available == p.size;
    std::fprintf(ok ? stdout : stderr, "%smempool %s: %u of %u mbufs returned\n", ok ? "" : "edfpipe: error: ",
                 p.name.c_str(), p.available, p.size);
    if (!ok) rc = 3;
  }
  if (!opts.stats_json.empty()) {
    std::ofstream js(opts.stats_json);
    js << edf::report_json(app, snap, pools);
    if (!js) {
      std::fprintf(stderr, "edfpipe: error: cannot write %s\n", opts.stats_json.c_str());
      if (rc == EXIT_SUCCESS) rc = EXIT_FAILURE;
    }
  }
  std::fflush(stdout);
  if (pdump) (void)rte_pdump_uninit();
  rte_eal_cleanup();
  return rc;
}
