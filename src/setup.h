// setup.h: the steps of edfpipe's start and stop that main() shares with the benchmark of the whole
// data path (tests/bench/path_bench.cc), so that both build and run the pipeline the same way:
//   prepare_profile  before EAL: stage libraries, the profile and its overrides, the stages' keys
//   start_eal        rte_eal_init, refusing a run in which a --vdev was not created
//   (init_app, init.h)
//   launch_lcores    every lcore with a role runs edf::lcore_main
//   drain            stop RX, let EDF and TX empty the pipeline, stop every lcore
// Control path, main lcore only. Errors are returned, never printed here (the caller says them).
#pragma once

#include "app.h"
#include "args.h"
#include "edf/status.h"

namespace edf {

// Loads the --stage-lib libraries, builds the profile from the options (edf::build_profile) into
// `profile` and checks the profile's stage keys with their stages (edf::configure_stages).
[[nodiscard]] Status prepare_profile(const AppOptions& opts, Profile& profile);

// rte_eal_init(eal_argc, argv). A failure says why from EAL's own error messages. A --vdev that
// EAL did not create is refused (EAL would number the other ports as if it had not been given, and
// edfpipe would forward between the wrong ports); EAL is cleaned up again then. Reads the --vdev
// names before EAL permutes argv.
[[nodiscard]] Status start_eal(int eal_argc, char** argv);

// Launches every lcore with a role. On a failure, stops those already running and says why.
[[nodiscard]] Status launch_lcores(AppContext& app);

// Stops RX, lets EDF and TX empty the pipeline for at most drain_ms, then stops every lcore and
// waits for them. Returns true when the pipeline emptied in time.
bool drain(AppContext& app);

}  // namespace edf
