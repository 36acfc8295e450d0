// stages.h: the processing stages edfpipe can run on its EDF workers, by name (edfpipe/stage.h).
//
// Built in: `fwd` (no work: edfpipe's port map only), `spin` (the simulated work, [pipeline]
// spin_base_ns and spin_per_byte_ns) and `crypto` (AES-GCM through rte_cryptodev,
// src/stage_crypto.cc). `--stage-lib PATH.so` adds the stage a shared library exports. The
// profile's [pipeline] processing names the stage; its [stage NAME] keys go to that stage.
//
// Life cycle, all on the main lcore: load_stage_library() while options are read (before EAL);
// configure_stages() once the profile is built (before EAL, so --check-profile checks stage keys
// too); start_stages() after the lcore contexts exist and before launch: fwd, spin and the
// profile's stage are started (the shell may switch between them), each with one state per EDF
// worker; stop_stages() after the workers returned, or after a failed start. Control path only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app.h"
#include "edf/status.h"
#include "edfpipe/stage.h"

namespace edf {

// Slots of AppContext::stages: fwd and spin always, then the profile's stage if it is another.
inline constexpr uint8_t kStageFwd = 0;
inline constexpr uint8_t kStageSpin = 1;

// The built-in crypto stage (stage_crypto.cc).
[[nodiscard]] const edfpipe_stage_ops* crypto_stage_ops();

// Loads a stage library: dlopen, the `edfpipe_stage` symbol, its ABI version, a valid and new name,
// valid drop reason names. An error names the file and what is wrong.
[[nodiscard]] Status load_stage_library(const std::string& path);

// The stage called `name` (built in or loaded), or nullptr.
[[nodiscard]] const edfpipe_stage_ops* find_stage(std::string_view name);
// "fwd, spin, crypto, NAME ...": for messages.
[[nodiscard]] std::string stage_names();

// Checks that the profile's processing names a stage and that every [stage NAME] section names
// one, and gives each key to its stage's configure (a stage that is not run is configured and
// stopped again, so that its keys are checked too). Errors say file:line, section, key, value and
// the stage's own message.
[[nodiscard]] Status configure_stages(const Profile& p);

// Starts fwd, spin and the profile's stage for app.n_workers workers (EdfRole::worker), fills
// AppContext::stages and stage_drop_names and each worker's stage_state. On failure, what was
// started is stopped again.
[[nodiscard]] Status start_stages(AppContext& app);
void stop_stages(AppContext& app);

// The spin stage's work for a packet of `payload_len` UDP payload bytes, in TSC cycles.
[[nodiscard]] uint64_t spin_work_tsc(const TscScale& tsc, const RuntimeConfig& rt, uint32_t payload_len);

// The slot of the stage a profile's processing names among the started ones (kStageFwd if none).
[[nodiscard]] uint8_t stage_slot(const AppContext& app, std::string_view name);

}  // namespace edf
