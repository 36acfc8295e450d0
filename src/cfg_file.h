// cfg_file.h: read a profile file (-f FILE) into an edf::IniDocument.
//
// The file rules (docs/configuration.md, "File format"): FILE, after following symlinks, must be
// a regular file of at most kMaxIniBytes (1 MiB); a directory, FIFO, socket or device is refused
// by name before anything is read from it, so reading never blocks (FIFO) or runs on (/dev/zero).
// The bytes are then split by edf::parse_ini (edf/ini.h), whose messages name FILE:LINE.
// Control path only; needs no EAL.
#pragma once

#include <string>

#include "edf/profile.h"
#include "edf/status.h"

namespace edf {

// Returns OK and sets `out`, or why the file could not be read, one problem per message (at most
// kMaxReportedErrors, then "... and N more errors"), leaving `out` untouched.
[[nodiscard]] Status read_ini(const std::string& path, IniDocument& out);

}  // namespace edf
