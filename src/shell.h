// shell.h: the interactive shell (`edfpipe ... -- -i`), in the style of testpmd, on DPDK's
// cmdline library (the command table is in shell_cmds.c): on a terminal, DPDK's line editor with
// completion and help; from a file or a pipe (`-i < script`), the same commands read as plain
// lines (bounded, a line with a control character refused) and handed to cmdline_parse(), so no
// byte is an editing key; end of input means quit. docs/cli.md lists every command.
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
// Reads what stdin has (waiting at most wait_ms) and runs complete lines. Besides that wait, a
// command waits only for the lcores to take a `set` (bounded, runtime.h) and for stdout; it never
// opens what could block (`save config` refuses a FIFO or a device). Returns false once the shell
// is done (`quit` or end of input).
[[nodiscard]] bool shell_poll(Shell* sh, int wait_ms);
void shell_stop(Shell* sh);

}  // namespace edf
