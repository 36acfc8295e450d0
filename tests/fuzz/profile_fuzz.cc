// profile_fuzz: libFuzzer target for the profile path a user's file takes: the bytes are an INI
// file, read by src/cfg_file.cc (file checks, then edf::parse_ini), then edf::load_profile,
// validate_profile, and the round trip profile_to_ini -> read_ini -> load_profile must give the
// same INI. Every message must be non-empty, printable ASCII or tab (no other byte of the input
// leaks raw into a terminal), and there are at most kMaxReportedErrors + 1 of them from the reader.
//
// The file lives in a memfd (no disk I/O, nothing left behind); read_ini opens it by its
// /proc/self/fd path as edfpipe opens -f FILE. No EAL.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cfg_file.h"
#include "edf/ini.h"
#include "edf/profile.h"

namespace {

int memfd() {
  static const int fd = memfd_create("profile_fuzz.ini", 0);
  if (fd < 0) std::abort();
  return fd;
}

void check(bool cond, const char* what, const std::string& detail = {}) {
  if (!cond) {
    __builtin_printf("profile_fuzz: check failed: %s\n%s\n", what, detail.c_str());
    std::abort();
  }
}

void check_messages(const std::vector<std::string>& errs) {
  for (const std::string& e : errs) {
    check(!e.empty(), "empty error message");
    for (char c : e) check((c >= 0x20 && c < 0x7f) || c == '\t', "message with a byte that is not printable ASCII", e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // a profile is a small text file
  const int fd = memfd();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  const std::string path = "/proc/self/fd/" + std::to_string(fd);

  edf::IniDocument doc;
  if (const std::vector<std::string> errs = edf::read_ini(path, doc).messages(); !errs.empty()) {
    check_messages(errs);
    check(errs.size() <= edf::kMaxReportedErrors + 1, "more messages than the cap");
    return 0;
  }
  const edf::Profile base = edf::default_profile();
  edf::Profile p;
  const std::vector<std::string> errs = edf::load_profile(doc, base, p).messages();
  if (!errs.empty()) {
    check_messages(errs);
    return 0;
  }
  check(edf::validate_profile(p).ok(), "load_profile accepted a profile validate_profile refuses");
  check(!p.classes.empty() && p.classes.size() <= 8, "class count out of range");
  check(p.default_class() < p.classes.size(), "default class out of range");

  // Round trip: the dumped profile reads back to the same profile.
  const std::string ini = edf::profile_to_ini(p);
  if (ftruncate(fd, 0) != 0 || pwrite(fd, ini.data(), ini.size(), 0) != static_cast<ssize_t>(ini.size()))
    std::abort();
  edf::IniDocument doc2;
  const std::vector<std::string> errs1 = edf::read_ini(path, doc2).messages();
  check(errs1.empty(), "dumped profile cannot be read back", (errs1.empty() ? "" : errs1[0]) + "\n--- dump ---\n" + ini);
  edf::Profile p2;
  const std::vector<std::string> errs2 = edf::load_profile(doc2, base, p2).messages();
  std::string all;
  for (const std::string& e : errs2) all += e + "\n";
  check(errs2.empty(), "dumped profile does not load", all + "--- dump ---\n" + ini);
  check(edf::profile_to_ini(p2) == ini, "round trip changed the profile", ini + "--- second ---\n" + edf::profile_to_ini(p2));
  return 0;
}
