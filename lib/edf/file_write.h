// file_write.h: write a whole file from a control path without ever blocking on what its path
// names (`save config`, the --stats-json report, edfgen's --json report).
//
// The content goes to a new temporary file in the target's directory, created with
// O_CREAT|O_EXCL (never an existing file, FIFO or link), which is then renamed over the target:
// a reader sees the old file or the new one, never half of one, and a failure leaves the target
// as it was and no temporary file behind. The target itself is never opened, so a FIFO without a
// reader, a device or a hung terminal cannot stall the caller. An existing target must be a
// regular file, or a symbolic link to one (the file it points to is replaced, the link stays);
// anything else (directory, FIFO, character or block device, socket, a link to one of these, a
// dangling link) is refused. The new file keeps the mode of the one it replaces (a new one gets
// 0666 less the umask). No fsync: replacing is atomic for readers, not durable across a power
// loss. Replacing needs write permission on the directory, not on the old file.
//
// Control path only (it allocates and makes system calls); safe from any thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "edf/status.h"

namespace edf {

// Replaces (or creates) the regular file `path` with `content`. Returns OK, or one error that
// names the path and says why, e.g.
// "cannot write /tmp/p: not a regular file (a FIFO)".
// "a directory", "a FIFO", ...: a file type (st_mode) for messages.
[[nodiscard]] const char* kind_of(mode_t mode);

[[nodiscard]] Status write_file_replace(const std::string& path, std::string_view content);

// What write_file_replace would refuse before writing anything, plus a directory that is missing
// or not writable: for checking a target at start-up (--stats-json) rather than at exit.
[[nodiscard]] Status check_replaceable(const std::string& path);

}  // namespace edf
