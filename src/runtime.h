// runtime.h: publishing a new RuntimeConfig (app.h) to running lcores, and picking it up.
//
// Control plane: runtime_from_profile() derives the lcores' view from a validated profile;
// publish_runtime() writes it into the idle half of the double buffer, flips the index and waits
// (bounded) until every lcore acknowledged it. Data plane: runtime_poll() is called every
// kConfigCheckLoops loop iterations or 1 ms, whichever comes first; it copies a newer version and applies it (DRR quanta, token
// buckets) between bursts, so no packet sees half a configuration. No locks on the data path.
#pragma once

#include <string>

#include "app.h"

namespace edf {

[[nodiscard]] RuntimeConfig runtime_from_profile(const AppContext& app, const Profile& p, bool forwarding);

// Publishes `cfg`. An error (nothing changes) if an lcore has not yet taken the previous version;
// OK with a warning if an lcore does not acknowledge the new one within 1 s (a very slow spin
// stage). Main lcore only.
[[nodiscard]] Status publish_runtime(AppContext& app, RuntimeConfig cfg);

// The configuration currently published (main lcore only).
[[nodiscard]] const RuntimeConfig& current_runtime(const AppContext& app);

// Data plane: applies a newer published configuration to this lcore, if any.
void runtime_poll(LcoreContext& lc);

}  // namespace edf
