#include "shell.h"

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <poll.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edf/file_write.h"
#include "process.h"
#include "runtime.h"
#include "shell_cmds.h"
#include "stats.h"
#include "telemetry.h"

namespace edf {

class Shell {
 public:
  AppContext* app = nullptr;
  cmdline* cl = nullptr;
  bool tty = false;
  bool done = false;
  Snapshot baseline;  // `clear stats`: show commands subtract this
  bool has_baseline = false;
  uint64_t sleep_until_tsc = 0;  // `sleep`: no input is run before this, the control loop goes on
  // Not a terminal: input not run yet (run a line at a time), and an over-long line being skipped
  // up to its newline (its first characters kept to echo).
  std::string pending;
  bool discarding = false;
  std::string discarded_head;
  // Not a terminal: replies not yet taken by stdout. Written without blocking from shell_poll;
  // while it holds more than kMaxUnsentBytes no further line runs (a reader that stops reading
  // pauses the script, not the control loop).
  std::string unsent;
};

// Bound on a line from a file or pipe (longer ones are refused, not cut). On a terminal, DPDK's
// rdline keeps at most 512 bytes of a line.
constexpr size_t kMaxLineBytes = 500;
constexpr size_t kEchoBytes = 60;  // of a refused over-long line
constexpr const char* kPrompt = "edfpipe> ";
constexpr size_t kMaxUnsentBytes = 64 * 1024;
constexpr int kFinalFlushMs = 2000;  // at shell_stop: what is still unsent may wait this long

namespace {

// cmdline callbacks take no context argument of ours: the one shell of the process lives here.
Shell* g_shell = nullptr;

void out(std::string_view s) {
  if (g_shell && !g_shell->tty) {  // written by shell_poll, never blocking the control loop
    g_shell->unsent.append(s);
    return;
  }
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size()) return;  // stdout gone: nothing to report to
  std::fflush(stdout);
}

// A Status as the shell prints it: one `error: ...` or `warning: ...` line each.
void out_errors(const Status& s) {
  for (const std::string& e : s.messages()) out("error: " + e + "\n");
}
void out_warnings(const Status& s) {
  for (const std::string& w : s.warnings()) out("warning: " + w + "\n");
}

Snapshot view(const Shell& sh) {
  const Snapshot now = take_snapshot(*sh.app);
  return sh.has_baseline ? diff_snapshot(now, sh.baseline) : now;
}

struct Setting {
  std::string section, key, value;
};

// Applies settings to a copy of the running profile and publishes it if all are valid; a refused
// value changes nothing. Prints the outcome.
void change(const std::vector<Setting>& settings) {
  AppContext& app = *g_shell->app;
  Profile next = app.profile;
  for (const Setting& st : settings)
    if (Status why = apply_setting(next, st.section, st.key, st.value); !why.ok()) {
      why.within("[" + st.section + "] " + st.key + " = " + st.value + ": ");
      for (const std::string& e : why.messages()) out("error: " + e + "; nothing changed\n");
      return;
    }
  if (const Status errs = validate_profile(next); !errs.ok()) {
    for (const std::string& e : errs.messages()) out("error: " + e + "; nothing changed\n");
    return;
  }
  const bool forwarding = current_runtime(app).forwarding;
  const Status r = publish_runtime(app, runtime_from_profile(app, next, forwarding));
  if (!r.ok()) {
    out_errors(r);
    return;
  }
  {
    std::lock_guard<std::mutex> g(telemetry_lock());
    app.profile = std::move(next);
  }
  out_warnings(r);
  for (const Setting& st : settings) out("ok: [" + st.section + "] " + st.key + " = " + st.value + "\n");
  for (const std::string& w : profile_warnings(app.profile)) out("warning: " + w + "\n");
}

void change(const std::string& section, const std::string& key, const std::string& value) {
  change(std::vector<Setting>{{section, key, value}});
}

bool class_exists(const std::string& name) {
  for (const ClassConfig& k : g_shell->app->profile.classes)
    if (k.name == name) return true;
  out("error: no class '" + name + "' (show classes lists them); nothing changed\n");
  return false;
}

bool is_output_port(uint16_t port) {
  for (const LcoreContext* lc : g_shell->app->lcores)
    for (const TxPortState& tp : lc->tx_ports())
      if (tp.port == port) return true;
  out("error: port " + std::to_string(port) + " transmits nothing (not a tx_port of any input); nothing changed\n");
  return false;
}

// ---------------------------------------------------------------- show
// Every `show` but `show config` renders a Snapshot (stats.h), as the table, the JSON report and
// telemetry do.

void show_classes(const Snapshot& s) {
  char line[512];
  std::snprintf(line, sizeof line, "%-12s %9s %8s %11s %8s %8s  %10s %10s %8s %8s %9s\n", "class", "budget_us",
                "expired", "quantum_B", "rx_ring", "tx_ring", "rx", "tx", "late", "misses", "drops");
  out(line);
  for (const ClassSnapshot& cs : s.classes) {
    const ClassConfig& k = cs.config;
    std::snprintf(line, sizeof line, "%-12s %9u %8s %11u %8u %8u  %10llu %10llu %8llu %8llu %9llu%s\n", k.name.c_str(),
                  k.budget_us, std::string(to_string(k.expired)).c_str(), k.quantum_bytes, k.rx_ring, k.tx_ring,
                  static_cast<unsigned long long>(cs.c.rx), static_cast<unsigned long long>(cs.c.tx),
                  static_cast<unsigned long long>(cs.c.late), static_cast<unsigned long long>(cs.c.misses),
                  static_cast<unsigned long long>(cs.drops_total()), k.is_default ? "  (default)" : "");
    out(line);
  }
}

void show_queues(const Snapshot& s) {
  char line[256];
  out("ring                       count  capacity  high_water\n");
  for (const RingSnapshot& r : s.rings) {
    std::snprintf(line, sizeof line, "%-24s %7llu %9llu %11llu\n", r.name.c_str(), static_cast<unsigned long long>(r.count),
                  static_cast<unsigned long long>(r.capacity), static_cast<unsigned long long>(r.high_water));
    out(line);
  }
}

void show_lcores(const Snapshot& s) {
  char line[256];
  out("lcore  roles        busy%   packets      busy_cycles/packet\n");
  for (const LcoreSnapshot& l : s.lcores) {
    std::snprintf(line, sizeof line, "%5u  %-11s %5.1f %11llu %18llu\n", l.lcore, l.roles.c_str(), 100.0 * l.busy_share(),
                  static_cast<unsigned long long>(l.packets), static_cast<unsigned long long>(l.busy_cycles_per_packet()));
    out(line);
  }
}

void show_port(uint16_t id) {
  if (!rte_eth_dev_is_valid_port(id)) {
    out("error: no port " + std::to_string(id) + "\n");
    return;
  }
  // Counters and settings as every view reads them; link and driver are the device's state now.
  const PortSnapshot p = take_port_snapshot(*g_shell->app, id);
  rte_eth_link link{};
  rte_eth_dev_info info{};
  const int link_rc = rte_eth_link_get_nowait(id, &link);
  const int info_rc = rte_eth_dev_info_get(id, &info);
  const PortConfig& pc = p.config;
  char line[512];
  std::snprintf(line, sizeof line,
                "port %u (%s): link %s %u Mbps\n  rx packets %llu bytes %llu missed %llu errors %llu no_mbuf %llu\n"
                "  tx packets %llu bytes %llu errors %llu stalls %llu\n  rx_queues %u  tx_port %s  rate_bps %llu  rate_burst_bytes %u\n",
                id, info_rc == 0 && info.driver_name ? info.driver_name : "?",
                link_rc != 0 ? "unknown" : link.link_status ? "up" : "down", link.link_speed,
                static_cast<unsigned long long>(p.nic.ipackets), static_cast<unsigned long long>(p.nic.ibytes),
                static_cast<unsigned long long>(p.nic.imissed), static_cast<unsigned long long>(p.nic.ierrors),
                static_cast<unsigned long long>(p.nic.rx_nombuf), static_cast<unsigned long long>(p.nic.opackets),
                static_cast<unsigned long long>(p.nic.obytes), static_cast<unsigned long long>(p.nic.oerrors),
                static_cast<unsigned long long>(p.tx_stalls), pc.rx_queues,
                pc.tx_port < 0 ? "same" : std::to_string(pc.tx_port).c_str(),
                static_cast<unsigned long long>(pc.rate_bps), pc.rate_burst_bytes);
  out(line);
  auto unavailable = [&](int rc, const char* what) {
    if (rc != 0) out("warning: port " + std::to_string(id) + ": " + what + " unavailable: " + rte_strerror(-rc) + "\n");
  };
  unavailable(p.counters_rc, "counters (shown as 0)");
  unavailable(link_rc, "link status");
  unavailable(info_rc, "device info");
}

}  // namespace

}  // namespace edf

// ---------------------------------------------------------------- the commands (shell_cmds.c calls these)

using edf::g_shell;
using edf::out;

void edf_shell_show(const char* what_c) noexcept {
  const std::string_view what = what_c;
  edf::Shell& sh = *g_shell;
  if (what == "stats") {
    edf::TextBuffer text;
    if (text.file()) {
      edf::print_table(text.file(), edf::view(sh), sh.has_baseline ? "stats since clear" : "stats since start");
      edf::out(text.take());
    }
    out(edf::current_runtime(*sh.app).forwarding ? "forwarding: started\n"
                                                 : "forwarding: STOPPED (arrivals counted as 'stopped')\n");
  } else if (what == "classes") {
    edf::show_classes(edf::view(sh));
  } else if (what == "queues") {
    edf::show_queues(edf::view(sh));  // occupancy and high-water marks are now's, also after a clear
  } else if (what == "lcores") {
    edf::show_lcores(edf::view(sh));  // since start, also after a clear
  } else if (what == "config") {
    out(edf::profile_to_ini(sh.app->profile));
  }
}

void edf_shell_show_port(uint16_t port) noexcept { edf::show_port(port); }

void edf_shell_set_class_num(const char* cls, const char* what, uint32_t value) noexcept {
  if (!edf::class_exists(cls)) return;
  const std::string key = std::string_view(what) == "quantum" ? "quantum_bytes" : "budget_us";
  edf::change(std::string("class ") + cls, key, std::to_string(value));
}

void edf_shell_set_class_expired(const char* cls, const char* policy) noexcept {
  if (!edf::class_exists(cls)) return;
  edf::change(std::string("class ") + cls, "expired", policy);
}

void edf_shell_set_port_rate(uint16_t port, uint64_t rate_bps) noexcept {
  if (!edf::is_output_port(port)) return;
  edf::change("port " + std::to_string(port), "rate_bps", std::to_string(rate_bps));
}

void edf_shell_set_port_link(uint16_t port, const char* state) noexcept {
  const edf::AppContext& app = *g_shell->app;
  if (std::find(app.ports.begin(), app.ports.end(), port) == app.ports.end()) {
    out("error: port " + std::to_string(port) + " is not in use\n");
    return;
  }
  // A link taken down makes the port refuse packets: TX retries them for tx_retry_us, then counts
  // them as tx_failed, and the class rings fill behind (tx_ring_full). Not every driver can.
  const bool up = std::string_view(state) == "up";
  const int rc = up ? rte_eth_dev_set_link_up(port) : rte_eth_dev_set_link_down(port);
  if (rc != 0) {
    out("error: port " + std::to_string(port) + ": set link " + state + ": " + rte_strerror(-rc) + "\n");
    return;
  }
  out("ok: port " + std::to_string(port) + " link " + state + "\n");
}

void edf_shell_set_processing_fwd() noexcept { edf::change("pipeline", "processing", "fwd"); }

void edf_shell_set_processing_spin(uint32_t base_ns, uint32_t per_byte_ns) noexcept {
  edf::change({{"pipeline", "spin_base_ns", std::to_string(base_ns)},
               {"pipeline", "spin_per_byte_ns", std::to_string(per_byte_ns)},
               {"pipeline", "processing", "spin"}});
}

void edf_shell_set_scheduling(const char* name) noexcept {
  const std::optional<edf::Policy> next = edf::policy_from_name(name);
  if (!next) {
    out(std::string("error: no scheduling policy '") + name + "' (expected one of " + edf::policy_name_list() +
        "); nothing changed\n");
    return;
  }
  // The policies share the queues, so a worker switches at its next configuration check; fifo's
  // one shared queue is a different ring layout, built at start.
  if (!edf::policy_switch_is_live(g_shell->app->profile.pipeline.scheduling, *next)) {
    out("error: scheduling fifo uses one shared queue: restart edfpipe to switch to or from it; nothing changed\n");
    return;
  }
  edf::change("pipeline", "scheduling", name);
}

void edf_shell_word(const char* word) noexcept {
  const std::string_view w = word;
  edf::AppContext& app = *g_shell->app;
  if (w == "quit") {
    g_shell->done = true;
    cmdline_quit(g_shell->cl);  // on a terminal: the rest of what was typed is not run
  } else if (w == "stop" || w == "start") {
    edf::RuntimeConfig rt = edf::current_runtime(app);
    rt.forwarding = w == "start";
    const edf::Status r = edf::publish_runtime(app, rt);
    if (!r.ok()) {
      edf::out_errors(r);
      return;
    }
    edf::out_warnings(r);
    out(w == "stop" ? "forwarding stopped: arrivals are counted as 'stopped' drops; queued packets still leave\n"
                    : "forwarding started\n");
  } else if (w == "help") {
    out("commands (on a terminal, TAB completes and ? lists what fits here):\n"
        "  show stats|classes|queues|lcores|config     show port <id>\n"
        "  set class <name> quantum <bytes>             set class <name> budget <us>\n"
        "  set class <name> expired deliver|drop        set port <id> rate <bits/s>|off\n"
        "  set port <id> link up|down\n"
        "  set processing fwd                           set processing spin <base_ns> <per_byte_ns>\n"
        "  set scheduling edf|edf-plain|priority|llf    (fifo only at start: one shared queue)\n"
        "  clear stats    stop    start    save config <file>    sleep <ms>    quit\n");
  }
}

void edf_shell_clear_stats() noexcept {
  g_shell->baseline = edf::take_snapshot(*g_shell->app);
  g_shell->has_baseline = true;
  out("statistics cleared for the shell (telemetry and the final report keep counting from start)\n");
}

void edf_shell_save_config(const char* file) noexcept {
  // Never blocks: a FIFO, device or directory is refused, and the file is replaced by a rename.
  const edf::Status saved = edf::write_file_replace(
      file, "; edfpipe profile saved by `save config` from the running state\n" + edf::profile_to_ini(g_shell->app->profile));
  if (saved.ok())
    out("saved " + std::string(file) + "\n");
  else
    edf::out_errors(saved);
}

void edf_shell_sleep(uint32_t ms) noexcept {
  // For scripts (`-i < script`): let traffic flow between commands. Bounded to a minute, and a
  // longer one is refused rather than cut short. The shell only stops reading input; the control
  // loop keeps serving signals and --duration.
  constexpr uint32_t kMaxSleepMs = 60000;
  if (ms > kMaxSleepMs) {
    out("error: sleep " + std::to_string(ms) + ": at most " + std::to_string(kMaxSleepMs) +
        " ms; nothing changed\n");
    return;
  }
  g_shell->sleep_until_tsc = rte_rdtsc() + uint64_t{ms} * rte_get_tsc_hz() / 1000;
}

namespace edf {

Shell* shell_start(AppContext& app) {
  auto* sh = new Shell();
  sh->app = &app;
  sh->tty = isatty(STDIN_FILENO) != 0;
  g_shell = sh;
  // On a terminal: DPDK's line editor in raw mode (editing, history, completion). From a file or
  // a pipe: the shell reads lines itself and hands each to cmdline_parse(); the cmdline instance
  // only holds the command table, and reads and writes nothing (no descriptors).
  sh->cl = sh->tty ? cmdline_stdin_new(edf_shell_ctx, kPrompt) : cmdline_new(edf_shell_ctx, kPrompt, -1, -1);
  if (!sh->cl) {
    delete sh;
    g_shell = nullptr;
    return nullptr;
  }
  if (!sh->tty) out(kPrompt);
  return sh;
}

namespace {

bool is_control(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

// The line as echoed: control characters written as \xNN, so that none reaches the output.
std::string printable(std::string_view line) {
  std::string s;
  for (const char ch : line) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_control(c)) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      s += hex;
    } else {
      s += ch;
    }
  }
  return s;
}

// Runs one line from a file or pipe (without its newline): echoes it after the prompt printed
// before, runs it, prints the next prompt. Tabs separate words; any other control character
// (NUL, ESC, Ctrl-D, ...) makes the whole line refused, as no command contains one.
void run_line(Shell* sh, std::string line, bool overlong) {
  if (!line.empty() && line.back() == '\r') line.pop_back();  // a script with CR LF line ends
  if (overlong || line.size() > kMaxLineBytes) {
    out(printable(std::string_view(line).substr(0, kEchoBytes)) + "...\n");
    out("error: line longer than " + std::to_string(kMaxLineBytes) + " characters: ignored, nothing changed\n");
    out(kPrompt);
    return;
  }
  out(printable(line) + "\n");
  const auto bad = std::find_if(line.begin(), line.end(), [](char c) { return is_control(static_cast<unsigned char>(c)); });
  if (bad != line.end()) {
    char msg[128];
    std::snprintf(msg, sizeof msg, "error: control character 0x%02x in the line (column %zu): ignored, nothing changed\n",
                  static_cast<unsigned char>(*bad), static_cast<size_t>(bad - line.begin()) + 1);
    out(msg);
  } else {
    line += '\n';  // cmdline_parse() runs only a line that has its end
    switch (cmdline_parse(sh->cl, line.c_str())) {
      case CMDLINE_PARSE_AMBIGUOUS: out("Ambiguous command\n"); break;
      case CMDLINE_PARSE_NOMATCH: out("Command not found\n"); break;
      case CMDLINE_PARSE_BAD_ARGS: out("Bad arguments\n"); break;
      default: break;  // >= 0: the command ran (or the line was empty or a comment)
    }
  }
  if (!sh->done) out(kPrompt);
}

// Runs complete lines of sh->pending, one at a time, until input runs out or a `sleep` starts.
void run_pending_lines(Shell* sh) {
  while (!sh->done && rte_rdtsc() >= sh->sleep_until_tsc) {
    const size_t nl = sh->pending.find('\n');
    if (nl == std::string::npos) {
      if (sh->pending.size() > kMaxLineBytes + 1) {  // too long even with a CR: drop it up to its newline
        if (!sh->discarding) sh->discarded_head = sh->pending.substr(0, kEchoBytes);
        sh->pending.clear();
        sh->discarding = true;
      }
      return;
    }
    std::string line = sh->discarding ? sh->discarded_head : sh->pending.substr(0, nl);
    sh->pending.erase(0, nl + 1);
    const bool overlong = sh->discarding;
    sh->discarding = false;
    run_line(sh, std::move(line), overlong);
  }
}

}  // namespace

bool shell_poll(Shell* sh, int wait_ms) {
  if (sh->done) return false;
  if (!sh->unsent.empty()) {
    if (write_stdout_nowait(sh->unsent) == WriteStatus::kClosed) {
      sh->unsent.clear();  // nobody reads the replies: as if the input had ended
      sh->done = true;
      return false;
    }
    if (sh->unsent.size() > kMaxUnsentBytes) {  // the reader is behind: wait for it, run nothing
      pollfd pfd{STDOUT_FILENO, POLLOUT, 0};
      (void)poll(&pfd, 1, wait_ms);
      return true;
    }
  }
  const uint64_t now = rte_rdtsc();
  if (now < sh->sleep_until_tsc) {  // `sleep`: wait here in slices, read no input
    const uint64_t left_ms = (sh->sleep_until_tsc - now) * 1000 / rte_get_tsc_hz();
    rte_delay_us_sleep(static_cast<unsigned>(std::min<uint64_t>(left_ms + 1, static_cast<uint64_t>(wait_ms)) * 1000));
    return true;
  }
  if (!sh->tty && !sh->pending.empty()) {
    run_pending_lines(sh);
    if (sh->done) return false;
    if (rte_rdtsc() < sh->sleep_until_tsc) return true;
  }
  pollfd pfd{STDIN_FILENO, POLLIN, 0};
  if (poll(&pfd, 1, wait_ms) <= 0) return true;  // nothing yet, or a signal: the control loop goes on
  char buf[512];
  const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) {  // end of input (or stdin unreadable): a script ran out, or the terminal closed
    if (!sh->tty && (sh->discarding || (!sh->pending.empty() && sh->pending.back() != '\n'))) {
      sh->pending += '\n';  // a last line without its newline still runs
    }
    if (!sh->tty && !sh->pending.empty()) {
      run_pending_lines(sh);
      if (!sh->done && rte_rdtsc() < sh->sleep_until_tsc) return true;  // finish the sleep first
    }
    if (sh->done) return false;
    out("\n");
    sh->done = true;
    return false;
  }
  if (sh->tty) {
    // A terminal: characters go straight to rdline (editing, completion); Ctrl-D on an empty
    // line (end of input) or `quit` ends the shell.
    if (cmdline_in(sh->cl, buf, static_cast<int>(n)) < 0) sh->done = true;
  } else {
    sh->pending.append(buf, static_cast<size_t>(n));
    run_pending_lines(sh);
  }
  return !sh->done;
}

void shell_stop(Shell* sh) {
  if (!sh) return;
  if (!sh->unsent.empty()) (void)write_stdout(sh->unsent, kFinalFlushMs);
  if (sh->tty)
    cmdline_stdin_exit(sh->cl);
  else
    cmdline_free(sh->cl);
  g_shell = nullptr;
  delete sh;
}

}  // namespace edf
