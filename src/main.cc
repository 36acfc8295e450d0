// edfpipe: a DPDK pipeline that keeps latency-critical UDP classes inside their deadlines.
// main() owns start-up and shutdown (the steps it shares with tests/bench/path_bench.cc are in
// setup.cc); see docs/architecture.md for the data path.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pdump.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "app.h"
#include "args.h"
#include "edf/eal_args.h"
#include "edf/file_write.h"
#include "init.h"
#include "process.h"
#include "setup.h"
#include "stages.h"
#include "stats.h"
#include "shell.h"
#include "telemetry.h"

namespace {

int fail(const edf::Status& st) {
  for (const std::string& e : st.messages()) std::fprintf(stderr, "edfpipe: error: %s\n", e.c_str());
  return EXIT_FAILURE;
}

uint32_t logtype = RTE_LOGTYPE_USER1;  // edfpipe.main once registered

#define EDF_LOG(level, fmt, ...) rte_log(RTE_LOG_##level, logtype, "edfpipe: " fmt "\n" __VA_OPT__(, ) __VA_ARGS__)

// How long a table may wait for stdout to take it: the live table is skipped past this, the final
// report given up. A pipe whose reader stopped reading must not hold the control loop or the exit.
constexpr int kLiveTableWaitMs = 100;
constexpr int kReportWaitMs = 2000;

// Prints the live table. A reader of stdout that went away (EPIPE) ends the run, as the end of the
// shell's input does; a reader that does not keep up gets fewer tables; any other write error
// ends the tables. Returns false to stop.
bool print_live_table(edf::AppContext& app, bool& tables_on, bool& warned_slow) {
  edf::TextBuffer text;
  if (!text.file()) return true;
  edf::print_table(text.file(), edf::take_snapshot(app), "edfpipe");
  switch (edf::write_stdout(text.take(), kLiveTableWaitMs)) {
    case edf::WriteStatus::kOk: return true;
    case edf::WriteStatus::kClosed:
      EDF_LOG(NOTICE, "stdout closed, stopping");
      return false;
    case edf::WriteStatus::kTimedOut:
      if (!warned_slow) EDF_LOG(WARNING, "stdout is not being read: statistics tables are skipped until it is");
      warned_slow = true;
      return true;
    case edf::WriteStatus::kError:
      EDF_LOG(WARNING, "cannot write the statistics table to stdout (%s); no more tables", std::strerror(errno));
      tables_on = false;
      return true;
  }
  return true;
}

// Runs until a signal, --duration, --idle-exit, the shell's quit or a closed stdout; prints the
// live table every stats period; with a shell, waits on its input instead of sleeping.
void control_loop(edf::AppContext& app, edf::Shell* shell) {
  const edf::PipelineConfig& pc = app.profile.pipeline;
  const uint64_t hz = app.tsc_hz;
  const uint64_t start = app.start_tsc;
  uint64_t next_stats = start + uint64_t{pc.stats_period_s} * hz;
  uint64_t last_moved = 0, last_rx_change = start;
  bool tables_on = pc.stats_period_s != 0, warned_slow = false;
  while (edf::stop_signal() == 0) {
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
    if (tables_on && now >= next_stats) {
      if (!print_live_table(app, tables_on, warned_slow)) break;
      next_stats += uint64_t{pc.stats_period_s} * hz;
    }
  }
  if (const int sig = edf::stop_signal(); sig != 0) {
    const char* name = sigabbrev_np(sig);
    const std::string label = name ? std::string("SIG") + name : "SIGRTMIN+" + std::to_string(sig - SIGRTMIN);
    EDF_LOG(INFO, "signal %d received (%s), stopping", sig, label.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything opens a file: a closed 0, 1 or 2 would be reused by EAL's shared memory.
  if (!edf::ensure_std_fds()) return EXIT_FAILURE;
  // EAL options come before "--", edfpipe's after; parse ours first so that --help and profile
  // errors need no EAL (and no hugepages).
  edf::EalArgs args = edf::split_eal_args(argc, argv);
  edf::AppOptions opts;
  if (edf::Status st = edf::parse_app_args(args.own_argc(), args.own.data(), opts); !st.ok()) return fail(st);
  if (opts.help) {
    edf::print_usage(argv[0]);
    return EXIT_SUCCESS;
  }
  edf::AppContext app;
  if (edf::Status st = edf::prepare_profile(opts, app.profile); !st.ok()) return fail(st);
  if (opts.dump_profile) {
    std::fputs(edf::profile_to_ini(app.profile).c_str(), stdout);
    return EXIT_SUCCESS;
  }
  for (const std::string& w : edf::profile_warnings(app.profile)) std::fprintf(stderr, "edfpipe: warning: %s\n", w.c_str());
  // The report is written at exit; a target that cannot take it is refused now, not after the run.
  if (!opts.stats_json.empty())
    if (edf::Status st = edf::check_replaceable(opts.stats_json); !st.ok()) return fail(st.within("--stats-json: "));
  if (opts.check_profile) {
    std::printf("%s: profile OK (%zu classes)\n", app.profile.source.c_str(), app.profile.classes.size());
    return EXIT_SUCCESS;
  }

  // Before EAL starts threads, so that they inherit the dispositions; a stop signal during
  // start-up is acted on as soon as the pipeline runs.
  if (edf::Status st = edf::install_stop_signals(); !st.ok()) return fail(st);
  if (edf::Status st = edf::start_eal(args.eal_argc, argv); !st.ok()) return fail(st);
  if (int t = rte_log_register_type_and_pick_level("edfpipe.main", RTE_LOG_INFO); t >= 0) logtype = static_cast<uint32_t>(t);
  // Lets dpdk-dumpcap / dpdk-pdump (secondary processes) capture our ports. Needs the shared
  // memory of a primary: not available with --in-memory or --no-shconf, which is not an error.
  const bool pdump = rte_pdump_init() == 0;
  if (!pdump) EDF_LOG(INFO, "packet capture (rte_pdump) not available: %s", rte_strerror(rte_errno));

  // A start-up failure after EAL: undo what exists (nothing of it has run) and say why.
  auto abort_start = [&](const edf::Status& st) {
    edf::telemetry_detach();  // commands registered before a failure must not reach app
    (void)edf::close_ports_and_check_pools(app);
    if (pdump) (void)rte_pdump_uninit();
    rte_eal_cleanup();
    return fail(st);
  };
  if (edf::Status st = edf::init_app(app); !st.ok()) return abort_start(st);
  EDF_LOG(INFO, "profile %s: %zu classes, %zu ports, %zu lcores with roles, processing %s", app.profile.source.c_str(),
          app.n_classes, app.ports.size(), app.lcores.size(), app.profile.pipeline.processing.c_str());
  for (const edf::LcoreContext* c : app.lcores)
    EDF_LOG(INFO, "lcore %u:%s%s%s (%zu inputs, %zu output ports)", c->lcore_id, c->has_rx() ? " rx" : "",
            c->has_edf() ? " edf" : "", c->has_tx() ? " tx" : "", c->rx_inputs().size(), c->tx_ports().size());

  app.start_tsc = rte_rdtsc();
  if (edf::Status st = edf::telemetry_attach(app); !st.ok()) return abort_start(st);
  // From here every way out -- a failed launch included -- goes through the same teardown: the
  // final report, telemetry detached before the context goes, ports closed, mbufs counted.
  const edf::Status launched = edf::launch_lcores(app);
  if (launched.ok()) {
    edf::Shell* shell = nullptr;
    if (opts.interactive && !(shell = edf::shell_start(app))) EDF_LOG(ERR, "cannot start the shell; running without it");
    control_loop(app, shell);
    edf::shell_stop(shell);
    if (!edf::drain(app))
      EDF_LOG(WARNING, "pipeline not empty after %u ms; the rest is counted as shutdown drops", app.profile.pipeline.drain_ms);
  } else {
    (void)fail(launched);
  }
  edf::flush_rings(app);

  const edf::Snapshot snap = edf::take_snapshot(app);
  edf::TextBuffer report;  // the final table and the checks, written to stdout in one bounded write
  FILE* out = report.file() ? report.file() : stdout;
  edf::print_table(out, snap, "edfpipe final");
  edf::telemetry_detach();
  const std::vector<edf::MempoolReport> pools = edf::close_ports_and_check_pools(app);

  int rc = launched.ok() ? EXIT_SUCCESS : EXIT_FAILURE;
  if (snap.in_flight() != 0) {
    std::fprintf(stderr, "edfpipe: error: accounting: rx %llu != tx %llu + drops %llu\n",
                 static_cast<unsigned long long>(snap.rx), static_cast<unsigned long long>(snap.tx),
                 static_cast<unsigned long long>(snap.drops));
    rc = 3;
  } else {
    std::fprintf(out, "accounting: rx %llu = tx %llu + drops %llu\n", static_cast<unsigned long long>(snap.rx),
                 static_cast<unsigned long long>(snap.tx), static_cast<unsigned long long>(snap.drops));
  }
  for (const edf::MempoolReport& p : pools) {
    const bool ok = p.available == p.size;
    std::fprintf(ok ? out : stderr, "%smempool %s: %u of %u mbufs returned\n", ok ? "" : "edfpipe: error: ",
                 p.name.c_str(), p.available, p.size);
    if (!ok) rc = 3;
  }
  if (!opts.stats_json.empty()) {
    if (edf::Status st = edf::write_file_replace(opts.stats_json, edf::report_json(snap, pools)); !st.ok()) {
      (void)fail(st.within("--stats-json: "));
      if (rc == EXIT_SUCCESS) rc = EXIT_FAILURE;
    }
  }
  if (out != stdout) {
    // A reader that went away is how a run may have ended (EPIPE): not an error. Anything else
    // that loses the report (a full disk, /dev/full) is, as for --stats-json.
    switch (edf::write_stdout(report.take(), kReportWaitMs)) {
      case edf::WriteStatus::kOk:
      case edf::WriteStatus::kClosed: break;
      case edf::WriteStatus::kTimedOut:
        std::fprintf(stderr, "edfpipe: warning: stdout is not being read: the final report was not printed in full\n");
        break;
      case edf::WriteStatus::kError:
        std::fprintf(stderr, "edfpipe: error: cannot write the final report to stdout: %s\n", std::strerror(errno));
        if (rc == EXIT_SUCCESS) rc = EXIT_FAILURE;
        break;
    }
  }
  std::fflush(stdout);
  if (pdump) (void)rte_pdump_uninit();
  rte_eal_cleanup();
  return rc;
}
