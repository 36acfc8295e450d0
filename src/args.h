// args.h: edfpipe's own command line (after EAL's `--`), in the style of testpmd and l3fwd.
//
// Options that set profile keys are kept as (section, key, value) overrides and applied after the
// profile through edf::apply_setting, so the command line and the INI file share one validator.
// Control path only.
#pragma once

#include <string>
#include <vector>

#include "edf/profile.h"
#include "edf/status.h"

namespace edf {

struct Override {
  std::string option;  // as the user wrote it, for messages ("--burst 0")
  std::string section;
  std::string key;
  std::string value;
};

struct AppOptions {
  std::string profile_path;  // -f; empty: the built-in default profile
  std::string stats_json;    // --stats-json: write the final report here
  std::vector<std::string> stage_libs;  // --stage-lib, in order: stage libraries to load (stages.h)
  bool interactive = false;  // -i: the shell (shell.h)
  bool check_profile = false;
  bool dump_profile = false;
  bool help = false;
  std::vector<Override> overrides;
};

// Parses the application arguments (argv[0] is the program name). Returns OK, or the first
// mistake (one message).
[[nodiscard]] Status parse_app_args(int argc, char** argv, AppOptions& out);

// Loads the profile file (if any), applies the overrides and validates. Returns OK and sets `out`,
// or every problem, at most kMaxReportedErrors (edf/ini.h) of them, then one "... and N more
// errors", leaving `out` untouched.
[[nodiscard]] Status build_profile(const AppOptions& opts, Profile& out);

void print_usage(const char* prog);

}  // namespace edf
