#include "stages.h"

#include <dlfcn.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "edf/file_write.h"

namespace edf {

namespace {

// ---------------------------------------------------------------- built-in stages

// fwd: no work of its own; the EDF loop applies [fwd] udp_port_map to every finished packet.
const edfpipe_stage_ops kFwdOps = {EDFPIPE_STAGE_ABI_VERSION, "fwd", nullptr, nullptr, nullptr,
                                   nullptr, nullptr, nullptr, nullptr};

// spin: busy-waits spin_base_ns + spin_per_byte_ns x payload bytes, the prototype's simulated
// work, in slices: *resume holds the TSC cycles still owed. Its settings are in [pipeline] (the
// shell changes them live): a worker's state is its LcoreContext, whose RuntimeConfig copy it
// reads. Its config is the AppContext (start_stages passes it).
void* spin_worker_start(void* config, unsigned worker, int, char* err, size_t err_len) {
  auto* app = static_cast<AppContext*>(config);
  for (LcoreContext* lc : app->lcores)
    if (lc->edf && lc->edf->worker == worker) return lc;
  std::snprintf(err, err_len, "no EDF worker %u", worker);
  return nullptr;
}

edfpipe_verdict spin_process(void* state, edfpipe_pkt* pkt, uint64_t* resume, uint64_t until_tsc, uint32_t*) {
  const LcoreContext& lc = *static_cast<const LcoreContext*>(state);
  uint64_t t = rte_rdtsc();
  const uint64_t left = *resume ? *resume : spin_work_tsc(lc.t->tsc, lc.rt, pkt->payload_len);
  const uint64_t end = std::min(t + left, until_tsc);
  const uint64_t start = t;
  while (t < end) {
    rte_pause();
    t = rte_rdtsc();
  }
  if (t - start >= left) return EDFPIPE_DONE;
  *resume = left - (t - start);
  return EDFPIPE_YIELD;
}

const edfpipe_stage_ops kSpinOps = {EDFPIPE_STAGE_ABI_VERSION, "spin", nullptr, nullptr, nullptr,
                                    spin_worker_start, spin_process, nullptr, nullptr};

// ---------------------------------------------------------------- the registry

struct Registered {
  const edfpipe_stage_ops* ops;
  std::string origin;  // "built in" or the library's path
  void* handle;        // dlopen handle (never closed: its code may run until exit)
};

std::vector<Registered>& registry() {
  static std::vector<Registered> r = {{&kFwdOps, "built in", nullptr},
                                      {&kSpinOps, "built in", nullptr},
                                      {crypto_stage_ops(), "built in", nullptr}};
  return r;
}

// The configuration configure_stages() built for the profile's stage, for start_stages().
void* g_profile_stage_config = nullptr;

bool valid_name(const char* n) {
  if (!n) return false;
  const size_t len = strnlen(n, EDFPIPE_STAGE_NAME_MAX + 1);
  return len > 0 && len <= EDFPIPE_STAGE_NAME_MAX && valid_stage_name(std::string_view(n, len));
}

std::string err_text(const std::array<char, EDFPIPE_STAGE_ERR_MAX>& err) {
  const std::string s(err.data(), strnlen(err.data(), err.size()));
  return s.empty() ? "failed (the stage gave no reason)" : s;
}

}  // namespace

uint64_t spin_work_tsc(const TscScale& tsc, const RuntimeConfig& rt, uint32_t payload_len) {
  const uint64_t ns = rt.spin_base_ns + uint64_t{rt.spin_per_byte_ns} * payload_len;
  return tsc.ns_to_cycles(ns);
}

Status load_stage_library(const std::string& path) {
  const std::string where = "--stage-lib " + path + ": ";
  // dlopen reads the file: a FIFO would block it forever, a directory or device give odd errors.
  struct stat file {};
  if (stat(path.c_str(), &file) != 0) return Status::error(where + "cannot load it: " + std::strerror(errno));
  if (!S_ISREG(file.st_mode))
    return Status::error(where + kind_of(file.st_mode) + ", not a shared library: --stage-lib takes a regular file");
  // RTLD_NOW: an unresolved symbol is found now, not on the first packet.
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    return Status::error(where + "cannot load it: " + (e ? e : "unknown error"));
  }
  dlerror();
  auto fn = reinterpret_cast<edfpipe_stage_fn>(dlsym(h, "edfpipe_stage"));
  if (!fn) {
    dlclose(h);
    return Status::error(where + "no function edfpipe_stage in it (a stage library exports "
                         "`const struct edfpipe_stage_ops *edfpipe_stage(void)`, edfpipe/stage.h)");
  }
  const edfpipe_stage_ops* ops = fn();
  Status st;
  if (!ops) {
    st.add_error(where + "edfpipe_stage() returned NULL");
  } else if (ops->abi_version != EDFPIPE_STAGE_ABI_VERSION) {
    st.add_error(where + "stage ABI version " + std::to_string(ops->abi_version) + ", edfpipe has version " +
                 std::to_string(EDFPIPE_STAGE_ABI_VERSION) + " (rebuild the stage against this edfpipe's edfpipe/stage.h)");
  } else if (!valid_name(ops->name)) {
    st.add_error(where + "the stage's name must be 1-" + std::to_string(EDFPIPE_STAGE_NAME_MAX) + " characters of a-z, 0-9, _");
  } else if (find_stage(ops->name)) {
    st.add_error(where + "a stage named " + ops->name + " exists already (" + stage_names() + ")");
  } else if (ops->drop_reasons) {
    size_t n = 0;
    for (const char* const* r = ops->drop_reasons; *r; ++r, ++n) {
      if (n == EDFPIPE_STAGE_MAX_DROP_REASONS) {
        st.add_error(where + "more than " + std::to_string(EDFPIPE_STAGE_MAX_DROP_REASONS) + " drop reasons");
        break;
      }
      if (!valid_name(*r)) {
        st.add_error(where + "drop reason " + std::to_string(n) + " must be 1-" + std::to_string(EDFPIPE_STAGE_NAME_MAX) +
                     " characters of a-z, 0-9, _");
        break;
      }
      if (std::find(kDropReasonNames.begin(), kDropReasonNames.end(), std::string_view(*r)) != kDropReasonNames.end()) {
        st.add_error(where + "drop reason " + *r + " is one of edfpipe's own");
        break;
      }
    }
  }
  if (!st.ok()) {
    dlclose(h);
    return st;
  }
  registry().push_back({ops, path, h});
  return {};
}

const edfpipe_stage_ops* find_stage(std::string_view name) {
  for (const Registered& r : registry())
    if (name == r.ops->name) return r.ops;
  return nullptr;
}

std::string stage_names() {
  std::string s;
  for (const Registered& r : registry()) s.append(s.empty() ? "" : ", ").append(r.ops->name);
  return s;
}

Status configure_stages(const Profile& p) {
  Status st;
  const edfpipe_stage_ops* chosen = find_stage(p.pipeline.processing);
  if (!chosen)
    st.add_error("[pipeline] processing = " + p.pipeline.processing + ": no such stage (" + stage_names() +
                 "; --stage-lib PATH.so adds one)");
  std::vector<std::string> sections;
  for (const StageSetting& s : p.stage_settings)
    if (std::find(sections.begin(), sections.end(), s.stage) == sections.end()) sections.push_back(s.stage);
  for (const std::string& name : sections) {
    const edfpipe_stage_ops* ops = find_stage(name);
    void* config = nullptr;
    for (const StageSetting& s : p.stage_settings) {
      if (s.stage != name) continue;
      const std::string loc = (s.where.empty() ? std::string() : s.where + ": ") + "[stage " + name + "] " + s.key +
                              " = " + s.value + ": ";
      if (!ops) {
        st.add_error(loc + "no such stage (" + stage_names() + ")");
        break;  // one message per unknown section
      }
      if (!ops->configure) {
        st.add_error(loc + "stage " + name + " takes no keys" +
                     (name == "spin" ? " (its settings are [pipeline] spin_base_ns and spin_per_byte_ns)" : ""));
        continue;
      }
      std::array<char, EDFPIPE_STAGE_ERR_MAX> err{};
      if (ops->configure(&config, s.key.c_str(), s.value.c_str(), err.data(), err.size()) != 0)
        st.add_error(loc + err_text(err));
    }
    if (ops == chosen && st.ok()) {
      g_profile_stage_config = config;
    } else if (ops && ops->stop && config) {
      ops->stop(config);  // only checked: not run
    }
  }
  return st;
}

uint8_t stage_slot(const AppContext& app, std::string_view name) {
  for (size_t i = 0; i < app.stages.size(); ++i)
    if (name == app.stages[i].ops->name) return static_cast<uint8_t>(i);
  return kStageFwd;
}

Status start_stages(AppContext& app) {
  const edfpipe_stage_ops* chosen = find_stage(app.profile.pipeline.processing);
  if (!chosen) return Status::error("[pipeline] processing = " + app.profile.pipeline.processing + ": no such stage");
  app.stages = {{&kFwdOps, nullptr}, {&kSpinOps, &app}};
  if (chosen != &kFwdOps && chosen != &kSpinOps) app.stages.push_back({chosen, g_profile_stage_config});
  g_profile_stage_config = nullptr;  // app.stages owns it now
  app.stage_drop_names.clear();
  if (chosen->drop_reasons)
    for (const char* const* r = chosen->drop_reasons; *r && app.stage_drop_names.size() < kMaxStageDrops; ++r)
      app.stage_drop_names.emplace_back(*r);

  for (size_t slot = 0; slot < app.stages.size(); ++slot) {
    StageInstance& si = app.stages[slot];
    std::array<char, EDFPIPE_STAGE_ERR_MAX> err{};
    if (si.ops->start && si.ops->start(si.config, static_cast<unsigned>(app.n_workers), err.data(), err.size()) != 0) {
      const Status st = Status::error(std::string("stage ") + si.ops->name + ": " + err_text(err));
      const edfpipe_stage_ops* ops = si.ops;
      void* config = si.config;
      app.stages.resize(slot);  // not started: only its configuration is left to free
      if (ops->stop && config && ops != &kSpinOps) ops->stop(config);
      stop_stages(app);
      return st;
    }
    for (LcoreContext* lc : app.lcores) {
      if (!lc->edf) continue;
      void* state = si.config;
      if (si.ops->worker_start) {
        const int socket = static_cast<int>(rte_lcore_to_socket_id(lc->lcore_id));
        state = si.ops->worker_start(si.config, lc->edf->worker, socket, err.data(), err.size());
        if (!state) {
          const Status st = Status::error(std::string("stage ") + si.ops->name + " on EDF worker " +
                                          std::to_string(lc->edf->worker) + ": " + err_text(err));
          app.stages.resize(slot + 1);
          stop_stages(app);
          return st;
        }
      }
      lc->edf->stage_state[slot] = state;
    }
  }
  return {};
}

void stop_stages(AppContext& app) {
  for (StageInstance& si : app.stages) {
    if (!si.ops) continue;
    const size_t slot = static_cast<size_t>(&si - app.stages.data());
    for (LcoreContext* lc : app.lcores) {
      if (!lc->edf || !lc->edf->stage_state[slot]) continue;
      if (si.ops->worker_stop && si.ops->worker_start) si.ops->worker_stop(si.config, lc->edf->stage_state[slot]);
      lc->edf->stage_state[slot] = nullptr;
    }
    if (si.ops->stop && si.config && si.ops != &kSpinOps) si.ops->stop(si.config);
  }
  app.stages.clear();
}

}  // namespace edf
