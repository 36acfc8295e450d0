// ini.h: edfpipe's INI reader: the bytes of a profile file -> an IniDocument, strictly.
//
// The grammar (docs/configuration.md, "File format"): lines end in LF or CRLF; `;` starts a
// comment; `[NAME]` opens a section; `KEY = VALUE` sets a key in the open section; spaces and tabs
// around names and values are ignored; blank lines too. Nothing is normalised into something
// valid: a malformed or look-alike header, a malformed key name, a second '=', a control character
// (anything below 0x20 but tab, and 0x7f) anywhere, or a byte above 0x7f outside a comment is an
// error, and that line is left out. Unlike rte_cfgfile it has no limit on names or values within
// a line (rte_cfgfile cuts values at 255 characters and names at 63 without a word); its limits
// are kMaxIniBytes per file and kMaxIniLineBytes per line, both reported. What the names and
// values mean (known sections and keys, repeats) is load_profile()'s business (profile.h).
//
// Messages: "FILE:LINE: [SECTION] KEY: why" when the line is an entry with a well-formed key,
// "FILE:LINE: 'TEXT': why" otherwise (TEXT with other than printable ASCII as \xNN, cut at 60).
// Linear in the size of the text. Control path only: allocates; needs no EAL.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "edf/profile.h"
#include "edf/status.h"

namespace edf {

inline constexpr size_t kMaxIniBytes = size_t{1} << 20;  // 1 MiB per file
inline constexpr size_t kMaxIniLineBytes = 4096;          // per line, without its LF or CRLF
inline constexpr size_t kMaxReportedErrors = 20;          // then one "... and N more errors"

// Splits `text` (the contents of the file `path`, which is used in messages only) into sections
// and entries, in file order, with 1-based line numbers; a section given twice appears twice.
// Returns OK and sets `out`, or returns the problems found (at most kMaxReportedErrors, then
// "... and N more errors") and leaves `out` untouched.
[[nodiscard]] Status parse_ini(std::string_view text, const std::string& path, IniDocument& out);

// Keeps the first `max` messages and replaces the rest with one "... and N more errors".
void cap_errors(std::vector<std::string>& errs, size_t max = kMaxReportedErrors);

}  // namespace edf
