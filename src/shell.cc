#include "shell.h"

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <poll.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "edf/counter.h"
#include "runtime.h"
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
  std::string pending;           // file/pipe input not run yet (run a line at a time)
  bool discarding = false;       // inside an over-long line, until its newline
};

// DPDK's rdline keeps 512 bytes of a line and runs what it kept: longer lines are refused here.
constexpr size_t kMaxLineBytes = 500;
constexpr const char* kPrompt = "edfpipe> ";

namespace {

// cmdline callbacks take no context argument of ours: the one shell of the process lives here.
Shell* g_shell = nullptr;

// cmdline_parse_inst_t ends in a flexible array of tokens, which C++ cannot initialise: Inst<N>
// has the same layout with room for N tokens (the last one nullptr), and is handed to cmdline
// through a cast.
template <size_t N>
struct Inst {
  void (*f)(void*, cmdline*, void*);
  void* data;
  const char* help_str;
  cmdline_parse_token_hdr_t* tokens[N];
};
static_assert(offsetof(Inst<2>, tokens) == offsetof(cmdline_parse_inst_t, tokens));
static_assert(offsetof(Inst<2>, help_str) == offsetof(cmdline_parse_inst_t, help_str));

void out(const std::string& s) {
  std::fputs(s.c_str(), stdout);
  std::fflush(stdout);
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
    if (auto why = apply_setting(next, st.section, st.key, st.value)) {
      out("error: [" + st.section + "] " + st.key + " = " + st.value + ": " + *why + "; nothing changed\n");
      return;
    }
  if (auto errs = validate_profile(next); !errs.empty()) {
    for (const std::string& e : errs) out("error: " + e + "; nothing changed\n");
    return;
  }
  const bool forwarding = current_runtime(app).forwarding;
  const PublishResult r = publish_runtime(app, runtime_from_profile(app, next, forwarding));
  if (!r.published) {
    out("error: " + r.message + "\n");
    return;
  }
  {
    std::lock_guard<std::mutex> g(telemetry_lock());
    app.profile = std::move(next);
  }
  if (!r.message.empty()) out("warning: " + r.message + "\n");
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
    for (const TxPortState& tp : lc->tx_ports)
      if (tp.port == port) return true;
  out("error: port " + std::to_string(port) + " transmits nothing (not a tx_port of any input); nothing changed\n");
  return false;
}

// ---------------------------------------------------------------- show

struct ShowResult {
  cmdline_fixed_string_t show;
  cmdline_fixed_string_t what;
};

void show_classes(const Snapshot& s) {
  const AppContext& app = *g_shell->app;
  char line[512];
  std::snprintf(line, sizeof line, "%-12s %9s %8s %11s %8s %8s  %10s %10s %8s %8s %9s\n", "class", "budget_us",
                "expired", "quantum_B", "rx_ring", "tx_ring", "rx", "tx", "late", "misses", "drops");
  out(line);
  for (size_t c = 0; c < app.n_classes; ++c) {
    const ClassConfig& k = app.profile.classes[c];
    const ClassSnapshot& cs = s.classes[c];
    std::snprintf(line, sizeof line, "%-12s %9u %8s %11u %8u %8u  %10llu %10llu %8llu %8llu %9llu%s\n", k.name.c_str(),
                  k.budget_us, std::string(to_string(k.expired)).c_str(), k.quantum_bytes, k.rx_ring, k.tx_ring,
                  static_cast<unsigned long long>(cs.c.rx), static_cast<unsigned long long>(cs.c.tx),
                  static_cast<unsigned long long>(cs.c.late), static_cast<unsigned long long>(cs.c.misses),
                  static_cast<unsigned long long>(cs.drops_total()), k.is_default ? "  (default)" : "");
    out(line);
  }
}

void show_queues() {
  const AppContext& app = *g_shell->app;
  char line[256];
  out("ring                       count  capacity  high_water\n");
  auto row = [&](const rte_ring* r, uint64_t hwm) {
    std::snprintf(line, sizeof line, "%-24s %7u %9u %11llu\n", r->name, rte_ring_count(r), rte_ring_get_capacity(r),
                  static_cast<unsigned long long>(hwm));
    out(line);
  };
  for (size_t q = 0; q < app.n_queues; ++q) {
    uint64_t hwm = 0;
    for (const LcoreContext* lc : app.lcores) hwm = std::max(hwm, counter_read(lc->stats->edf_ring_hwm[q]));
    row(app.edf_ring[q], hwm);
    for (uint16_t p : app.ports)
      if (const rte_ring* r = app.tx_ring[p][q]) {
        uint64_t h = 0;
        for (const LcoreContext* lc : app.lcores) h = std::max(h, counter_read(lc->stats->tx_ring_hwm[p][q]));
        row(r, h);
      }
  }
}

void show_lcores() {
  const AppContext& app = *g_shell->app;
  char line[256];
  out("lcore  roles        busy%   packets      busy_cycles/packet\n");
  for (const LcoreContext* lc : app.lcores) {
    const uint64_t busy = counter_read(lc->stats->busy_cycles), total = counter_read(lc->stats->total_cycles);
    const uint64_t work = counter_read(lc->stats->work);
    std::string roles = std::string(lc->has_rx ? "rx " : "") + (lc->has_edf ? "edf " : "") + (lc->has_tx ? "tx" : "");
    std::snprintf(line, sizeof line, "%5u  %-11s %5.1f %11llu %18llu\n", lc->lcore_id, roles.c_str(),
                  total ? 100.0 * static_cast<double>(busy) / static_cast<double>(total) : 0.0,
                  static_cast<unsigned long long>(work), static_cast<unsigned long long>(work ? busy / work : 0));
    out(line);
  }
}

void cmd_show(void* parsed, cmdline*, void*) {
  const std::string what = static_cast<ShowResult*>(parsed)->what;
  Shell& sh = *g_shell;
  if (what == "stats") {
    print_table(stdout, *sh.app, view(sh), sh.has_baseline ? "stats since clear" : "stats since start");
    out(current_runtime(*sh.app).forwarding ? "forwarding: started\n" : "forwarding: STOPPED (arrivals counted as 'stopped')\n");
  } else if (what == "classes") {
    show_classes(view(sh));
  } else if (what == "queues") {
    show_queues();
  } else if (what == "lcores") {
    show_lcores();
  } else if (what == "config") {
    out(profile_to_ini(sh.app->profile));
  }
}

cmdline_parse_token_string_t show_tok0 = TOKEN_STRING_INITIALIZER(ShowResult, show, "show");
cmdline_parse_token_string_t show_tok1 = TOKEN_STRING_INITIALIZER(ShowResult, what, "stats#classes#queues#lcores#config");
Inst<3> cmd_show_inst = {
    cmd_show, nullptr, "show stats|classes|queues|lcores|config: counters (since clear stats), classes, rings, lcores, running profile",
    {&show_tok0.hdr, &show_tok1.hdr, nullptr}};

struct ShowPortResult {
  cmdline_fixed_string_t show;
  cmdline_fixed_string_t port;
  uint16_t id;
};

void cmd_show_port(void* parsed, cmdline*, void*) {
  const uint16_t id = static_cast<ShowPortResult*>(parsed)->id;
  if (!rte_eth_dev_is_valid_port(id)) {
    out("error: no port " + std::to_string(id) + "\n");
    return;
  }
  rte_eth_stats es{};
  rte_eth_link link{};
  rte_eth_dev_info info{};
  (void)rte_eth_stats_get(id, &es);
  (void)rte_eth_link_get_nowait(id, &link);
  (void)rte_eth_dev_info_get(id, &info);
  const PortConfig pc = g_shell->app->profile.port(id);
  uint64_t stalls = 0;
  if (id < kMaxPorts)  // EAL may know more ports than edfpipe can use; those never transmit
    for (const LcoreContext* lc : g_shell->app->lcores) stalls += counter_read(lc->stats->tx_stalls[id]);
  char line[512];
  std::snprintf(line, sizeof line,
                "port %u (%s): link %s %u Mbps\n  rx packets %llu bytes %llu missed %llu errors %llu no_mbuf %llu\n"
                "  tx packets %llu bytes %llu errors %llu stalls %llu\n  rx_queues %u  tx_port %s  rate_bps %llu  rate_burst_bytes %u\n",
                id, info.driver_name, link.link_status ? "up" : "down", link.link_speed,
                static_cast<unsigned long long>(es.ipackets), static_cast<unsigned long long>(es.ibytes),
                static_cast<unsigned long long>(es.imissed), static_cast<unsigned long long>(es.ierrors),
                static_cast<unsigned long long>(es.rx_nombuf), static_cast<unsigned long long>(es.opackets),
                static_cast<unsigned long long>(es.obytes), static_cast<unsigned long long>(es.oerrors),
                static_cast<unsigned long long>(stalls), pc.rx_queues,
                pc.tx_port < 0 ? "same" : std::to_string(pc.tx_port).c_str(),
                static_cast<unsigned long long>(pc.rate_bps), pc.rate_burst_bytes);
  out(line);
}

cmdline_parse_token_string_t show_port_tok0 = TOKEN_STRING_INITIALIZER(ShowPortResult, show, "show");
cmdline_parse_token_string_t show_port_tok1 = TOKEN_STRING_INITIALIZER(ShowPortResult, port, "port");
cmdline_parse_token_num_t show_port_tok2 = TOKEN_NUM_INITIALIZER(ShowPortResult, id, RTE_UINT16);
Inst<4> cmd_show_port_inst = {
    cmd_show_port, nullptr, "show port <id>: NIC counters, link and the port's profile settings",
    {&show_port_tok0.hdr, &show_port_tok1.hdr,
     &show_port_tok2.hdr, nullptr}};

// ---------------------------------------------------------------- set class

struct SetClassNumResult {
  cmdline_fixed_string_t set;
  cmdline_fixed_string_t cls;
  cmdline_fixed_string_t name;
  cmdline_fixed_string_t what;
  uint32_t value;
};

void cmd_set_class_num(void* parsed, cmdline*, void*) {
  auto* r = static_cast<SetClassNumResult*>(parsed);
  if (!class_exists(r->name)) return;
  const std::string key = std::string(r->what) == "quantum" ? "quantum_bytes" : "budget_us";
  change(std::string("class ") + r->name, key, std::to_string(r->value));
}

cmdline_parse_token_string_t scn_tok0 = TOKEN_STRING_INITIALIZER(SetClassNumResult, set, "set");
cmdline_parse_token_string_t scn_tok1 = TOKEN_STRING_INITIALIZER(SetClassNumResult, cls, "class");
cmdline_parse_token_string_t scn_tok2 = TOKEN_STRING_INITIALIZER(SetClassNumResult, name, nullptr);
cmdline_parse_token_string_t scn_tok3 = TOKEN_STRING_INITIALIZER(SetClassNumResult, what, "quantum#budget");
cmdline_parse_token_num_t scn_tok4 = TOKEN_NUM_INITIALIZER(SetClassNumResult, value, RTE_UINT32);
Inst<6> cmd_set_class_num_inst = {
    cmd_set_class_num, nullptr, "set class <name> quantum <bytes> | budget <us>: egress DRR quantum, latency budget",
    {&scn_tok0.hdr, &scn_tok1.hdr, &scn_tok2.hdr,
     &scn_tok3.hdr, &scn_tok4.hdr, nullptr}};

struct SetClassExpiredResult {
  cmdline_fixed_string_t set;
  cmdline_fixed_string_t cls;
  cmdline_fixed_string_t name;
  cmdline_fixed_string_t expired;
  cmdline_fixed_string_t policy;
};

void cmd_set_class_expired(void* parsed, cmdline*, void*) {
  auto* r = static_cast<SetClassExpiredResult*>(parsed);
  if (!class_exists(r->name)) return;
  change(std::string("class ") + r->name, "expired", r->policy);
}

cmdline_parse_token_string_t sce_tok0 = TOKEN_STRING_INITIALIZER(SetClassExpiredResult, set, "set");
cmdline_parse_token_string_t sce_tok1 = TOKEN_STRING_INITIALIZER(SetClassExpiredResult, cls, "class");
cmdline_parse_token_string_t sce_tok2 = TOKEN_STRING_INITIALIZER(SetClassExpiredResult, name, nullptr);
cmdline_parse_token_string_t sce_tok3 = TOKEN_STRING_INITIALIZER(SetClassExpiredResult, expired, "expired");
cmdline_parse_token_string_t sce_tok4 = TOKEN_STRING_INITIALIZER(SetClassExpiredResult, policy, "deliver#drop");
Inst<6> cmd_set_class_expired_inst = {
    cmd_set_class_expired, nullptr, "set class <name> expired deliver|drop: what EDF does with a packet past its deadline",
    {&sce_tok0.hdr, &sce_tok1.hdr, &sce_tok2.hdr,
     &sce_tok3.hdr, &sce_tok4.hdr, nullptr}};

// ---------------------------------------------------------------- set port rate

struct SetRateResult {
  cmdline_fixed_string_t set;
  cmdline_fixed_string_t port;
  uint16_t id;
  cmdline_fixed_string_t rate;
  uint64_t bps;
};

void cmd_set_rate(void* parsed, cmdline*, void*) {
  auto* r = static_cast<SetRateResult*>(parsed);
  if (!is_output_port(r->id)) return;
  change("port " + std::to_string(r->id), "rate_bps", std::to_string(r->bps));
}

cmdline_parse_token_string_t sr_tok0 = TOKEN_STRING_INITIALIZER(SetRateResult, set, "set");
cmdline_parse_token_string_t sr_tok1 = TOKEN_STRING_INITIALIZER(SetRateResult, port, "port");
cmdline_parse_token_num_t sr_tok2 = TOKEN_NUM_INITIALIZER(SetRateResult, id, RTE_UINT16);
cmdline_parse_token_string_t sr_tok3 = TOKEN_STRING_INITIALIZER(SetRateResult, rate, "rate");
cmdline_parse_token_num_t sr_tok4 = TOKEN_NUM_INITIALIZER(SetRateResult, bps, RTE_UINT64);
Inst<6> cmd_set_rate_inst = {
    cmd_set_rate, nullptr, "set port <id> rate <bits/s>: egress token bucket rate of an output port",
    {&sr_tok0.hdr, &sr_tok1.hdr, &sr_tok2.hdr,
     &sr_tok3.hdr, &sr_tok4.hdr, nullptr}};

struct SetRateOffResult {
  cmdline_fixed_string_t set;
  cmdline_fixed_string_t port;
  uint16_t id;
  cmdline_fixed_string_t rate;
  cmdline_fixed_string_t off;
};

void cmd_set_rate_off(void* parsed, cmdline*, void*) {
  auto* r = static_cast<SetRateOffResult*>(parsed);
  if (!is_output_port(r->id)) return;
  change("port " + std::to_string(r->id), "rate_bps", "0");
}

cmdline_parse_token_string_t sro_tok0 = TOKEN_STRING_INITIALIZER(SetRateOffResult, set, "set");
cmdline_parse_token_string_t sro_tok1 = TOKEN_STRING_INITIALIZER(SetRateOffResult, port, "port");
cmdline_parse_token_num_t sro_tok2 = TOKEN_NUM_INITIALIZER(SetRateOffResult, id, RTE_UINT16);
cmdline_parse_token_string_t sro_tok3 = TOKEN_STRING_INITIALIZER(SetRateOffResult, rate, "rate");
cmdline_parse_token_string_t sro_tok4 = TOKEN_STRING_INITIALIZER(SetRateOffResult, off, "off");
Inst<6> cmd_set_rate_off_inst = {
    cmd_set_rate_off, nullptr, "set port <id> rate off: remove the port's rate limit",
    {&sro_tok0.hdr, &sro_tok1.hdr, &sro_tok2.hdr,
     &sro_tok3.hdr, &sro_tok4.hdr, nullptr}};

// ---------------------------------------------------------------- set port link

struct SetLinkResult {
  cmdline_fixed_string_t set;
  cmdline_fixed_string_t port;
  uint16_t id;
  cmdline_fixed_string_t link;
  cmdline_fixed_string_t state;
};

void cmd_set_link(void* parsed, cmdline*, void*) {
  auto* r = static_cast<SetLinkResult*>(parsed);
  const AppContext& app = *g_shell->app;
  if (std::find(app.ports.begin(), app.ports.end(), r->id) == app.ports.end()) {
    out("error: port " + std::to_string(r->id) + " is not in use\n");
    return;
  }
  // A link taken down makes the port refuse packets: TX retries them for tx_retry_us, then counts
  // them as tx_failed, and the class rings fill behind (tx_ring_full). Not every driver can.
  const bool up = std::string(r->state) == "up";
  const int rc = up ? rte_eth_dev_set_link_up(r->id) : rte_eth_dev_set_link_down(r->id);
  if (rc != 0) {
    out("error: port " + std::to_string(r->id) + ": set link " + r->state + ": " + rte_strerror(-rc) + "\n");
    return;
  }
  out("ok: port " + std::to_string(r->id) + " link " + r->state + "\n");
}

cmdline_parse_token_string_t sl_tok0 = TOKEN_STRING_INITIALIZER(SetLinkResult, set, "set");
cmdline_parse_token_string_t sl_tok1 = TOKEN_STRING_INITIALIZER(SetLinkResult, port, "port");
cmdline_parse_token_num_t sl_tok2 = TOKEN_NUM_INITIALIZER(SetLinkResult, id, RTE_UINT16);
cmdline_parse_token_string_t sl_tok3 = TOKEN_STRING_INITIALIZER(SetLinkResult, link, "link");
cmdline_parse_token_string_t sl_tok4 = TOKEN_STRING_INITIALIZER(SetLinkResult, state, "up#down");
Inst<6> cmd_set_link_inst = {
    cmd_set_link, nullptr, "set port <id> link up|down: bring a port's link up or down (where the driver can)",
    {&sl_tok0.hdr, &sl_tok1.hdr, &sl_tok2.hdr,
     &sl_tok3.hdr, &sl_tok4.hdr, nullptr}};

// ---------------------------------------------------------------- set processing

struct SetFwdResult {
  cmdline_fixed_string_t set;
  cmdline_fixed_string_t processing;
  cmdline_fixed_string_t fwd;
};

void cmd_set_fwd(void*, cmdline*, void*) { change("pipeline", "processing", "fwd"); }

cmdline_parse_token_string_t sf_tok0 = TOKEN_STRING_INITIALIZER(SetFwdResult, set, "set");
cmdline_parse_token_string_t sf_tok1 = TOKEN_STRING_INITIALIZER(SetFwdResult, processing, "processing");
cmdline_parse_token_string_t sf_tok2 = TOKEN_STRING_INITIALIZER(SetFwdResult, fwd, "fwd");
Inst<4> cmd_set_fwd_inst = {
    cmd_set_fwd, nullptr, "set processing fwd: rewrite UDP ports only",
    {&sf_tok0.hdr, &sf_tok1.hdr, &sf_tok2.hdr, nullptr}};

struct SetSpinResult {
  cmdline_fixed_string_t set;
  cmdline_fixed_string_t processing;
  cmdline_fixed_string_t spin;
  uint32_t base_ns;
  uint32_t per_byte_ns;
};

void cmd_set_spin(void* parsed, cmdline*, void*) {
  auto* r = static_cast<SetSpinResult*>(parsed);
  change({{"pipeline", "spin_base_ns", std::to_string(r->base_ns)},
          {"pipeline", "spin_per_byte_ns", std::to_string(r->per_byte_ns)},
          {"pipeline", "processing", "spin"}});
}

cmdline_parse_token_string_t ss_tok0 = TOKEN_STRING_INITIALIZER(SetSpinResult, set, "set");
cmdline_parse_token_string_t ss_tok1 = TOKEN_STRING_INITIALIZER(SetSpinResult, processing, "processing");
cmdline_parse_token_string_t ss_tok2 = TOKEN_STRING_INITIALIZER(SetSpinResult, spin, "spin");
cmdline_parse_token_num_t ss_tok3 = TOKEN_NUM_INITIALIZER(SetSpinResult, base_ns, RTE_UINT32);
cmdline_parse_token_num_t ss_tok4 = TOKEN_NUM_INITIALIZER(SetSpinResult, per_byte_ns, RTE_UINT32);
Inst<6> cmd_set_spin_inst = {
    cmd_set_spin, nullptr, "set processing spin <base_ns> <per_byte_ns>: simulated work per packet, then fwd",
    {&ss_tok0.hdr, &ss_tok1.hdr, &ss_tok2.hdr,
     &ss_tok3.hdr, &ss_tok4.hdr, nullptr}};

// ---------------------------------------------------------------- one-word and two-word commands

struct WordResult {
  cmdline_fixed_string_t word;
};

void cmd_word(void* parsed, cmdline* cl, void*) {
  const std::string w = static_cast<WordResult*>(parsed)->word;
  AppContext& app = *g_shell->app;
  if (w == "quit") {
    g_shell->done = true;
    cmdline_quit(cl);
  } else if (w == "stop" || w == "start") {
    RuntimeConfig rt = current_runtime(app);
    rt.forwarding = w == "start";
    const PublishResult r = publish_runtime(app, rt);
    if (!r.published) {
      out("error: " + r.message + "\n");
      return;
    }
    if (!r.message.empty()) out("warning: " + r.message + "\n");
    out(w == "stop" ? "forwarding stopped: arrivals are counted as 'stopped' drops; queued packets still leave\n"
                    : "forwarding started\n");
  } else if (w == "help") {
    out("commands (TAB completes, ? lists what fits here):\n"
        "  show stats|classes|queues|lcores|config     show port <id>\n"
        "  set class <name> quantum <bytes>             set class <name> budget <us>\n"
        "  set class <name> expired deliver|drop        set port <id> rate <bits/s>|off\n"
        "  set port <id> link up|down\n"
        "  set processing fwd                           set processing spin <base_ns> <per_byte_ns>\n"
        "  clear stats    stop    start    save config <file>    sleep <ms>    quit\n");
  }
}

cmdline_parse_token_string_t word_tok0 = TOKEN_STRING_INITIALIZER(WordResult, word, "quit#stop#start#help");
Inst<2> cmd_word_inst = {
    cmd_word, nullptr, "quit | stop | start | help: leave (stops edfpipe), stop or start forwarding, list commands",
    {&word_tok0.hdr, nullptr}};

struct ClearResult {
  cmdline_fixed_string_t clear;
  cmdline_fixed_string_t stats;
};

void cmd_clear(void*, cmdline*, void*) {
  g_shell->baseline = take_snapshot(*g_shell->app);
  g_shell->has_baseline = true;
  out("statistics cleared for the shell (telemetry and the final report keep counting from start)\n");
}

cmdline_parse_token_string_t clear_tok0 = TOKEN_STRING_INITIALIZER(ClearResult, clear, "clear");
cmdline_parse_token_string_t clear_tok1 = TOKEN_STRING_INITIALIZER(ClearResult, stats, "stats");
Inst<3> cmd_clear_inst = {cmd_clear, nullptr, "clear stats: show counters from now on",
                                       {&clear_tok0.hdr, &clear_tok1.hdr, nullptr}};

struct SaveResult {
  cmdline_fixed_string_t save;
  cmdline_fixed_string_t config;
  cmdline_fixed_string_t file;
};

void cmd_save(void* parsed, cmdline*, void*) {
  const std::string file = static_cast<SaveResult*>(parsed)->file;
  std::ofstream f(file);
  f << "; edfpipe profile saved by `save config` from the running state\n" << profile_to_ini(g_shell->app->profile);
  f.close();
  out(f ? "saved " + file + "\n" : "error: cannot write " + file + "\n");
}

cmdline_parse_token_string_t save_tok0 = TOKEN_STRING_INITIALIZER(SaveResult, save, "save");
cmdline_parse_token_string_t save_tok1 = TOKEN_STRING_INITIALIZER(SaveResult, config, "config");
cmdline_parse_token_string_t save_tok2 = TOKEN_STRING_INITIALIZER(SaveResult, file, nullptr);
Inst<4> cmd_save_inst = {
    cmd_save, nullptr, "save config <file>: write a profile that reproduces the running state",
    {&save_tok0.hdr, &save_tok1.hdr, &save_tok2.hdr, nullptr}};

struct SleepResult {
  cmdline_fixed_string_t sleep;
  uint32_t ms;
};

void cmd_sleep(void* parsed, cmdline*, void*) {
  // For scripts (`-i < script`): let traffic flow between commands. Bounded to a minute. The
  // shell only stops reading input; the control loop keeps serving signals and --duration.
  const uint32_t ms = std::min<uint32_t>(static_cast<SleepResult*>(parsed)->ms, 60000);
  g_shell->sleep_until_tsc = rte_rdtsc() + uint64_t{ms} * rte_get_tsc_hz() / 1000;
}

cmdline_parse_token_string_t sleep_tok0 = TOKEN_STRING_INITIALIZER(SleepResult, sleep, "sleep");
cmdline_parse_token_num_t sleep_tok1 = TOKEN_NUM_INITIALIZER(SleepResult, ms, RTE_UINT32);
Inst<3> cmd_sleep_inst = {cmd_sleep, nullptr, "sleep <ms>: wait (for scripts), at most 60000",
                                       {&sleep_tok0.hdr, &sleep_tok1.hdr, nullptr}};

template <size_t N>
cmdline_parse_inst_t* as_inst(Inst<N>& i) {
  return reinterpret_cast<cmdline_parse_inst_t*>(&i);
}

cmdline_parse_ctx_t g_ctx[] = {
    as_inst(cmd_show_inst),     as_inst(cmd_show_port_inst), as_inst(cmd_set_class_num_inst),
    as_inst(cmd_set_class_expired_inst), as_inst(cmd_set_rate_inst), as_inst(cmd_set_rate_off_inst),
    as_inst(cmd_set_link_inst), as_inst(cmd_set_fwd_inst),  as_inst(cmd_set_spin_inst),  as_inst(cmd_word_inst),
    as_inst(cmd_clear_inst),    as_inst(cmd_save_inst),      as_inst(cmd_sleep_inst),
    nullptr,
};

}  // namespace

Shell* shell_start(AppContext& app) {
  auto* sh = new Shell();
  sh->app = &app;
  sh->tty = isatty(STDIN_FILENO) != 0;
  g_shell = sh;
  // On a terminal: raw mode for completion and editing. From a file or pipe: plain reads.
  sh->cl = sh->tty ? cmdline_stdin_new(g_ctx, kPrompt) : cmdline_new(g_ctx, kPrompt, STDIN_FILENO, STDOUT_FILENO);
  if (!sh->cl) {
    delete sh;
    g_shell = nullptr;
    return nullptr;
  }
  return sh;
}

namespace {

// Runs complete lines of sh->pending, one at a time, until input runs out or a `sleep` starts.
void run_pending_lines(Shell* sh) {
  while (!sh->done && rte_rdtsc() >= sh->sleep_until_tsc) {
    const size_t nl = sh->pending.find('\n');
    if (nl == std::string::npos) {
      if (sh->pending.size() > kMaxLineBytes) {  // a line already too long: drop it up to its newline
        sh->pending.clear();
        sh->discarding = true;
      }
      return;
    }
    std::string line = sh->pending.substr(0, nl + 1);
    sh->pending.erase(0, nl + 1);
    if (sh->discarding || line.size() > kMaxLineBytes + 1) {
      sh->discarding = false;
      out(line.substr(0, 60) + "...\n");  // echo it, as rdline echoes the lines it runs
      out("error: line longer than " + std::to_string(kMaxLineBytes) + " characters: ignored, nothing changed\n");
      out(kPrompt);  // rdline never saw the line, so it prints no new prompt
      continue;
    }
    if (cmdline_in(sh->cl, line.data(), static_cast<int>(line.size())) < 0) sh->done = true;
  }
}

}  // namespace

bool shell_poll(Shell* sh, int wait_ms) {
  if (sh->done) return false;
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
  if (poll(&pfd, 1, wait_ms) <= 0) return true;
  char buf[512];
  const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
  if (n <= 0) {  // end of input: a script ran out, or the terminal closed
    if (!sh->tty && !sh->pending.empty()) {
      sh->pending += '\n';  // a last line without its newline still runs
      run_pending_lines(sh);
      if (!sh->done && rte_rdtsc() < sh->sleep_until_tsc) return true;  // finish the sleep first
    }
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
  if (sh->tty)
    cmdline_stdin_exit(sh->cl);
  else
    cmdline_free(sh->cl);
  g_shell = nullptr;
  delete sh;
}

}  // namespace edf
