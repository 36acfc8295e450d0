// cfg_file.h: read an INI profile with rte_cfgfile into an edf::IniDocument.
//
// rte_cfgfile does the parsing (sections, `key = value`, `;` comments); it keeps no line numbers,
// so a second pass over the text finds the line of each section and entry, in order, for
// error messages. Control path only; needs no EAL.
#pragma once

#include <string>

#include "edf/profile.h"

namespace edf {

// Returns an empty string on success, otherwise why the file could not be read: one problem per
// line, each as FILE:LINE: 'text': why.
[[nodiscard]] std::string read_ini(const std::string& path, IniDocument& out);

}  // namespace edf
