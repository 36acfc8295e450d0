#include "args.h"

#include <getopt.h>

#include <cstdio>

#include "cfg_file.h"
#include "edf/ini.h"

namespace edf {
namespace {

enum Opt : int {
  kOptBurst = 256,
  kOptRxd,
  kOptTxd,
  kOptMbufs,
  kOptStatsPeriod,
  kOptDuration,
  kOptIdleExit,
  kOptDrain,
  kOptProcessing,
  kOptScheduling,
  kOptOtherTraffic,
  kOptSpinBase,
  kOptSpinPerByte,
  kOptIdle,
  kOptRxLcores,
  kOptEdfLcores,
  kOptEdfLcore,  // alias of --edf-lcores, kept from the one-EDF-lcore days
  kOptTxLcores,
  kOptTxLcore,   // alias of --tx-lcores
  kOptRate,
  kOptSet,
  kOptStatsJson,
  kOptStageLib,
  kOptCheck,
  kOptDump,
};

const option kLongOptions[] = {
    {"profile", required_argument, nullptr, 'f'},
    {"portmask", required_argument, nullptr, 'p'},
    {"burst", required_argument, nullptr, kOptBurst},
    {"rxd", required_argument, nullptr, kOptRxd},
    {"txd", required_argument, nullptr, kOptTxd},
    {"mbufs", required_argument, nullptr, kOptMbufs},
    {"stats-period", required_argument, nullptr, kOptStatsPeriod},
    {"duration", required_argument, nullptr, kOptDuration},
    {"idle-exit", required_argument, nullptr, kOptIdleExit},
    {"drain-ms", required_argument, nullptr, kOptDrain},
    {"processing", required_argument, nullptr, kOptProcessing},
    {"scheduling", required_argument, nullptr, kOptScheduling},
    {"other-traffic", required_argument, nullptr, kOptOtherTraffic},
    {"spin-base-ns", required_argument, nullptr, kOptSpinBase},
    {"spin-per-byte-ns", required_argument, nullptr, kOptSpinPerByte},
    {"idle", required_argument, nullptr, kOptIdle},
    {"rx-lcores", required_argument, nullptr, kOptRxLcores},
    {"edf-lcores", required_argument, nullptr, kOptEdfLcores},
    {"edf-lcore", required_argument, nullptr, kOptEdfLcore},
    {"tx-lcores", required_argument, nullptr, kOptTxLcores},
    {"tx-lcore", required_argument, nullptr, kOptTxLcore},
    {"rate", required_argument, nullptr, kOptRate},
    {"set", required_argument, nullptr, kOptSet},
    {"stats-json", required_argument, nullptr, kOptStatsJson},
    {"stage-lib", required_argument, nullptr, kOptStageLib},
    {"check-profile", no_argument, nullptr, kOptCheck},
    {"dump-profile", no_argument, nullptr, kOptDump},
    {"interactive", no_argument, nullptr, 'i'},
    {"help", no_argument, nullptr, 'h'},
    {nullptr, 0, nullptr, 0},
};

std::string option_name(int c) {
  for (const option& o : kLongOptions)
    if (o.name && o.val == c) return std::string("--") + o.name;
  return "?";
}

}  // namespace

void print_usage(const char* prog) {
  std::printf(
      "Usage: %s [EAL options] -- [options]\n"
      "\n"
      "edfpipe receives UDP traffic on DPDK ports, classifies it into traffic classes, schedules it\n"
      "earliest-deadline-first through a processing stage and transmits it with per-class deficit\n"
      "round robin. Options override the profile (-f); see docs/cli.md and docs/configuration.md.\n"
      "\n"
      "Profile:\n"
      "  -f, --profile FILE        INI profile (default: the built-in profile, = conf/edfpipe.ini)\n"
      "      --set 'SECTION.KEY=VALUE'  set any profile key, e.g. --set 'class high.budget_us=500'\n"
      "      --check-profile       validate the profile and options (no EAL, no devices), exit\n"
      "      --dump-profile        print the effective profile as INI and exit\n"
      "Ports and queues:\n"
      "  -p, --portmask MASK       hex mask of ports to use (default: every port)   [pipeline] portmask\n"
      "      --burst N             packets per burst, 1-256 (32)                     [pipeline] burst\n"
      "      --rxd N               RX descriptors per queue, 64-16384 (1024)         [pipeline] rxd\n"
      "      --txd N               TX descriptors per queue, 64-16384 (1024)         [pipeline] txd\n"
      "      --mbufs N             mbufs per NUMA node in use (16383)                [pipeline] mbufs\n"
      "      --rate PORT:BPS       egress rate limit of PORT in bit/s, 0 = off       [port N] rate_bps\n"
      "Lcores (default: every role on the first worker lcore):\n"
      "      --rx-lcores LIST      RX lcores, e.g. 1 or 1,2 (at most 8)              [lcores] rx\n"
      "      --edf-lcores LIST     EDF workers (at most 8); --edf-lcore N: the same  [lcores] edf\n"
      "      --tx-lcores LIST      TX lcores (at most 8); --tx-lcore N: the same     [lcores] tx\n"
      "      --idle spin|yield|sleep  what an lcore does after idle_polls empty polls [pipeline] idle\n"
      "Processing:\n"
      "      --scheduling NAME     edf|edf-plain|fifo|priority|llf (edf)            [pipeline] scheduling\n"
      "                            fifo: one shared ring, no DRR, no EDF (baseline)\n"
      "      --processing NAME     the stage: fwd (port map only), spin (simulated   [pipeline] processing\n"
      "                            work), crypto (AES-GCM), or a --stage-lib stage's\n"
      "      --stage-lib PATH.so   load a processing stage from a shared library (repeatable)\n"
      "      --other-traffic drop|CLASS  frames other than UDP over IPv4/IPv6 (ARP,   [pipeline] other_traffic\n"
      "                            ICMP, TCP, ...): dropped, or unchanged through CLASS (default class)\n"
      "      --spin-base-ns N      spin: fixed time per packet, ns (100000)          [pipeline] spin_base_ns\n"
      "      --spin-per-byte-ns N  spin: time per UDP payload byte, ns (71)          [pipeline] spin_per_byte_ns\n"
      "Run and report:\n"
      "      --stats-period S      print the per-class table every S seconds, 0 = off [pipeline] stats_period_s\n"
      "      --duration S          stop after S seconds, 0 = until SIGINT/SIGTERM   [pipeline] duration_s\n"
      "      --idle-exit MS        stop once no packet moved (rx, tx, drop) for MS ms [pipeline] idle_exit_ms\n"
      "      --drain-ms MS         at stop, time to drain queued packets (500)       [pipeline] drain_ms\n"
      "      --stats-json FILE     write the final statistics as JSON to FILE\n"
      "  -i, --interactive         a shell (show, set, clear stats, stop/start, save config, quit) on a\n"
      "                            terminal, or reading commands from a file or pipe: -i < script\n"
      "  -h, --help                this text\n"
      "\n"
      "Example (no NIC: replay a pcap through the pipeline, write the result to another pcap):\n"
      "  %s --no-huge -m 512 -l 0-1 --vdev 'net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap' -- --idle-exit 500\n",
      prog, prog);
}

Status parse_app_args(int argc, char** argv, AppOptions& out) {
  optind = 1;
  opterr = 0;
  int c;
  auto add = [&](int opt, const char* section, const char* key, const char* value) {
    out.overrides.push_back({option_name(opt) + " " + value, section, key, value});
  };
  while ((c = getopt_long(argc, argv, ":f:p:ih", kLongOptions, nullptr)) != -1) {
    switch (c) {
      case 'f':
        // An empty name would mean "no file": the built-in profile, without a word.
        if (*optarg == '\0') return Status::error("-f: empty file name (leave out -f for the built-in profile)");
        out.profile_path = optarg;
        break;
      case 'p': out.overrides.push_back({std::string("--portmask ") + optarg, "pipeline", "portmask", optarg}); break;
      case kOptBurst: add(c, "pipeline", "burst", optarg); break;
      case kOptRxd: add(c, "pipeline", "rxd", optarg); break;
      case kOptTxd: add(c, "pipeline", "txd", optarg); break;
      case kOptMbufs: add(c, "pipeline", "mbufs", optarg); break;
      case kOptStatsPeriod: add(c, "pipeline", "stats_period_s", optarg); break;
      case kOptDuration: add(c, "pipeline", "duration_s", optarg); break;
      case kOptIdleExit: add(c, "pipeline", "idle_exit_ms", optarg); break;
      case kOptDrain: add(c, "pipeline", "drain_ms", optarg); break;
      case kOptProcessing: add(c, "pipeline", "processing", optarg); break;
      case kOptScheduling: add(c, "pipeline", "scheduling", optarg); break;
      case kOptOtherTraffic: add(c, "pipeline", "other_traffic", optarg); break;
      case kOptSpinBase: add(c, "pipeline", "spin_base_ns", optarg); break;
      case kOptSpinPerByte: add(c, "pipeline", "spin_per_byte_ns", optarg); break;
      case kOptIdle: add(c, "pipeline", "idle", optarg); break;
      case kOptRxLcores: add(c, "lcores", "rx", optarg); break;
      case kOptEdfLcores:
      case kOptEdfLcore: add(c, "lcores", "edf", optarg); break;
      case kOptTxLcores:
      case kOptTxLcore: add(c, "lcores", "tx", optarg); break;
      case kOptRate: {
        const std::string v = optarg;
        const size_t colon = v.find(':');
        if (colon == std::string::npos || colon == 0)
          return Status::error("--rate " + v + ": expected PORT:BITS_PER_SECOND, e.g. --rate 0:1000000000");
        out.overrides.push_back({"--rate " + v, "port " + v.substr(0, colon), "rate_bps", v.substr(colon + 1)});
        break;
      }
      case kOptSet: {
        const std::string v = optarg;
        const size_t eq = v.find('=');
        const size_t dot = eq == std::string::npos ? std::string::npos : v.rfind('.', eq);
        if (eq == std::string::npos || dot == std::string::npos || dot == 0)
          return Status::error("--set " + v + ": expected SECTION.KEY=VALUE, e.g. --set 'class high.budget_us=500'");
        out.overrides.push_back({"--set " + v, v.substr(0, dot), v.substr(dot + 1, eq - dot - 1), v.substr(eq + 1)});
        break;
      }
      case kOptStageLib:
        if (*optarg == '\0') return Status::error("--stage-lib: empty file name");
        out.stage_libs.emplace_back(optarg);
        break;
      case kOptStatsJson:
        if (*optarg == '\0')
          return Status::error("--stats-json: empty file name (leave out --stats-json for no report)");
        out.stats_json = optarg;
        break;
      case kOptCheck: out.check_profile = true; break;
      case kOptDump: out.dump_profile = true; break;
      case 'i': out.interactive = true; break;
      case 'h': out.help = true; break;
      case ':': return Status::error(std::string("option ") + argv[optind - 1] + " needs a value (see --help)");
      default: return Status::error(std::string("unknown option ") + argv[optind - 1] + " (see --help)");
    }
  }
  if (optind < argc) return Status::error(std::string("unexpected argument '") + argv[optind] + "' (see --help)");
  return {};
}

Status build_profile(const AppOptions& opts, Profile& out) {
  Profile p = default_profile();
  Status st;
  if (!opts.profile_path.empty()) {
    IniDocument doc;
    st = read_ini(opts.profile_path, doc);
    if (st.ok()) st = load_profile(doc, p, p);
  }
  if (st.ok()) {
    for (const Override& o : opts.overrides) {
      if (Status why = apply_setting(p, o.section, o.key, o.value); !why.ok()) {
        st.add(why.within("command line: " + o.option + ": [" + o.section + "] " + o.key + ": "));
      } else if (std::string_view(o.section).starts_with("stage ")) {
        for (StageSetting& s : p.stage_settings)  // the stage names it in its own errors
          if ("stage " + s.stage == o.section && s.key == o.key) s.where = "command line: " + o.option;
      }
    }
  }
  if (st.ok()) st = validate_profile(p).within("profile after command-line options: ");
  if (st.ok()) {
    out = std::move(p);
    return st;
  }
  std::vector<std::string> errs = st.messages();
  cap_errors(errs);  // the first kMaxReportedErrors, then "... and N more errors"
  return Status::errors(std::move(errs));
}

}  // namespace edf
