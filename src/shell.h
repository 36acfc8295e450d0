// shell.h: the interactive shell (`edfpipe ... -- -i`), in the style of testpmd, on DPDK's
// cmdline library: completion and help on a terminal, and the same commands from a file or a
// pipe (`-i < script`), where end of input means quit. docs/cli.md lists every command.
//
// `set` commands go through the profile validator (edf::apply_setting) on a copy of the running
// profile, and only a valid result is published to the lcores (runtime.h); a refused value
// prints why and changes nothing. Main lcore only: the shell is polled from the control loop.
#pragma once

#include "app.h"

namespace edf {

class Shell;

// Creates the shell on stdin/stdout. Returns nullptr if the cmdline library cannot start.
[[nodiscard]] Shell* shell_start(AppContext& app);
// Reads what stdin has (waiting at most wait_ms) and runs complete lines. Returns false once
// the shell is done (`quit` or end of input).
[[nodiscard]] bool shell_poll(Shell* sh, int wait_ms);
void shell_stop(Shell* sh);

}  // namespace edf
