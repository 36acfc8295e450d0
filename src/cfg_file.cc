#include "cfg_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "edf/ini.h"

namespace edf {
namespace {

// OK, or why a file of this type and size cannot be a profile.
Status refuse(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISDIR(st.st_mode)    ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    return Status::error(path + ": " + kind + ", not a profile: -f takes a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxIniBytes)
    return Status::error(path + ": " + std::to_string(st.st_size) + " bytes, larger than the limit of 1 MiB (" +
                         std::to_string(kMaxIniBytes) + " bytes) for a profile");
  return {};
}

Status system_error(const std::string& path, const char* what) {
  return Status::error(path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

Status read_ini(const std::string& path, IniDocument& out) {
  // stat first: opening a FIFO for reading would wait for a writer.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return system_error(path, "cannot open");
  if (Status why = refuse(path, st); !why.ok()) return why;
  // O_NONBLOCK: should the path have become a FIFO since stat, open returns at once; fstat
  // then tells what was opened.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return system_error(path, "cannot open");
  std::string text;
  Status err;
  if (::fstat(fd, &st) != 0) err = system_error(path, "cannot stat");
  else err = refuse(path, st);
  if (err.ok()) {
    // Read at most one byte past the limit: a file that grows while read (or a /proc file whose
    // size says 0) is refused, not read on.
    text.resize(kMaxIniBytes + 1);
    size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = system_error(path, "cannot read");
        break;
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    text.resize(got);
    if (err.ok() && got > kMaxIniBytes)
      err = Status::error(path + ": larger than the limit of 1 MiB (" + std::to_string(kMaxIniBytes) +
                          " bytes) for a profile" +
                          (st.st_size == 0 ? " (its size was not known in advance: a /proc or /sys file?)"
                                           : " (it grew while being read)"));
  }
  ::close(fd);
  if (!err.ok()) return err;
  return parse_ini(text, path, out);
}

}  // namespace edf
