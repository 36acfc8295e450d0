#include "edf/file_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace edf {

namespace {

std::string errno_text(int err) {
  char buf[128];
  return strerror_r(err, buf, sizeof buf);  // GNU strerror_r: returns the text, thread-safe
}

// Removes a temporary file after a failure; says so when it cannot.
std::string remove_temp(const std::string& tmp) {
  if (unlink(tmp.c_str()) == 0) return "";
  return " (and the temporary file " + tmp + " could not be removed: " + errno_text(errno) + ")";
}

// What the path names now, into `target` (the file a link points to), `st` and `exists`. Only its
// metadata is read: opening a FIFO or a device could block. Returns "" or why it cannot be replaced.
std::string resolve_target(const std::string& path, std::string& target, struct stat& st, bool& exists) {
  const std::string what = "cannot write " + path + ": ";
  if (path.empty()) return "cannot write a file with an empty name";
  if (path.find('\0') != std::string::npos) return what + "the name contains a NUL byte";
  target = path;
  exists = false;
  if (lstat(path.c_str(), &st) == 0) {
    exists = true;
    if (S_ISLNK(st.st_mode)) {
      char* real = realpath(path.c_str(), nullptr);
      if (!real) {
        const int err = errno;
        // /dev/stdout -> /proc/self/fd/1 -> "pipe:[N]": realpath fails, but the link leads somewhere.
        struct stat lst{};
        if (stat(path.c_str(), &lst) == 0 && !S_ISREG(lst.st_mode))
          return what + "a symbolic link to something that is not a regular file (" + kind_of(lst.st_mode) + ")";
        return what + (err == ENOENT ? "a symbolic link to a file that does not exist" : "a symbolic link: " + errno_text(err));
      }
      target = real;
      std::free(real);
      if (stat(target.c_str(), &st) != 0) return what + target + ": " + errno_text(errno);
      if (!S_ISREG(st.st_mode))
        return what + "a symbolic link to " + target + ", which is not a regular file (" + kind_of(st.st_mode) + ")";
    } else if (!S_ISREG(st.st_mode)) {
      return what + "not a regular file (" + kind_of(st.st_mode) + ")";
    }
  } else if (errno != ENOENT) {
    return what + errno_text(errno);  // a component is not a directory, no permission, ...
  }
  if (target.back() == '/') return what + "the name ends in '/'";
  return "";
}

std::string dir_of(const std::string& target) {
  const size_t slash = target.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : target.substr(0, slash);
}

}  // namespace

const char* kind_of(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "an unknown kind of file";
}

Status check_replaceable(const std::string& path) {
  std::string target;
  struct stat st{};
  bool exists = false;
  if (std::string err = resolve_target(path, target, st, exists); !err.empty()) return Status::error(err);
  const std::string dir = dir_of(target);
  struct stat dst{};
  if (stat(dir.c_str(), &dst) != 0) return Status::error("cannot write " + path + ": " + dir + ": " + errno_text(errno));
  if (!S_ISDIR(dst.st_mode)) return Status::error("cannot write " + path + ": " + dir + " is not a directory");
  if (access(dir.c_str(), W_OK | X_OK) != 0) return Status::error("cannot write " + path + ": " + dir + ": " + errno_text(errno));
  return {};
}

Status write_file_replace(const std::string& path, std::string_view content) {
  const std::string what = "cannot write " + path + ": ";
  std::string target;
  struct stat st{};
  bool exists = false;
  if (std::string err = resolve_target(path, target, st, exists); !err.empty()) return Status::error(err);

  // The temporary file: in the target's directory (so that rename() replaces within one file
  // system), named after it, and created new (O_EXCL also refuses a link planted under its name).
  const size_t slash = target.rfind('/');
  const std::string dir_prefix = slash == std::string::npos ? "" : target.substr(0, slash + 1);
  const std::string dir = dir_of(target);
  const std::string base = target.substr(slash == std::string::npos ? 0 : slash + 1);
  static std::atomic<unsigned> counter{0};
  std::string tmp;
  int fd = -1;
  int open_err = 0;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = dir_prefix + "." + base.substr(0, 100) + ".tmp" + std::to_string(getpid()) + "_" +
          std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
    fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
    open_err = errno;
    if (fd < 0 && open_err != EEXIST) break;
  }
  if (fd < 0) return Status::error(what + "cannot create a file in " + dir + ": " + errno_text(open_err));

  std::string failure;
  if (exists && fchmod(fd, st.st_mode & 07777) != 0) failure = "cannot set the mode of " + tmp + ": " + errno_text(errno);
  for (size_t done = 0; failure.empty() && done < content.size();) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failure = "writing " + tmp + ": " + (n < 0 ? errno_text(errno) : std::string("nothing written"));
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0 && failure.empty()) failure = "writing " + tmp + ": " + errno_text(errno);
  if (failure.empty() && rename(tmp.c_str(), target.c_str()) != 0)
    failure = "cannot rename " + tmp + " to " + target + ": " + errno_text(errno);
  if (failure.empty()) return {};
  return Status::error(what + failure + remove_temp(tmp));
}

}  // namespace edf
