#include "process.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace edf {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;  // written by the handler, read by the main loop

void on_stop_signal(int sig) { g_stop_signal = sig; }

// Default action "terminate" or "core" without being a fault of the program.
constexpr int kStopSignals[] = {SIGHUP,  SIGINT,  SIGQUIT,   SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,  SIGVTALRM,
                                SIGPROF, SIGXCPU, SIGXFSZ,   SIGIO,   SIGPWR,  SIGSTKFLT};

}  // namespace

bool ensure_std_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open() returns the lowest free descriptor: this one, since the lower ones are open.
    const int got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (got != fd) {
      if (got >= 0) close(got);
      return false;
    }
  }
  return true;
}

Status install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  // No SA_RESTART: a write to a stdout pipe nobody reads returns EINTR instead of blocking the
  // main loop through a stop signal.
  sa.sa_flags = 0;
  auto handle = [&](int sig) -> std::string {
    if (sigaction(sig, &sa, nullptr) == 0) return {};
    const char* name = sigabbrev_np(sig);
    return std::string("SIG") + (name ? name : std::to_string(sig).c_str()) + ": " + std::strerror(errno);
  };
  Status st;
  for (int sig : kStopSignals)
    if (std::string err = handle(sig); !err.empty()) st.add_error("cannot handle signal " + err);
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig)
    if (std::string err = handle(sig); !err.empty()) st.add_error("cannot handle signal " + err);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  if (sigaction(SIGPIPE, &ign, nullptr) != 0) st.add_error(std::string("cannot ignore SIGPIPE: ") + std::strerror(errno));
  return st;
}

int stop_signal() { return g_stop_signal; }

WriteStatus write_stdout(std::string_view text, int timeout_ms) {
  if (std::fflush(stdout) != 0) std::clearerr(stdout);
  while (!text.empty()) {
    pollfd pfd{1, POLLOUT, 0};
    const int ready = poll(&pfd, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) return WriteStatus::kTimedOut;  // a stop signal: do not wait on
    if (ready < 0) return WriteStatus::kError;
    if (ready == 0) return WriteStatus::kTimedOut;
    if (pfd.revents & (POLLERR | POLLHUP)) return WriteStatus::kClosed;
    const ssize_t n = write(1, text.data(), std::min<size_t>(text.size(), PIPE_BUF));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return errno == EPIPE ? WriteStatus::kClosed : WriteStatus::kError;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return WriteStatus::kOk;
}

WriteStatus write_stdout_nowait(std::string& buf) {
  size_t done = 0;
  WriteStatus status = WriteStatus::kOk;
  while (done < buf.size()) {
    pollfd pfd{1, POLLOUT, 0};
    const int ready = poll(&pfd, 1, 0);
    if (ready < 0 && errno == EINTR) break;
    if (ready < 0) {
      status = WriteStatus::kError;
      break;
    }
    if (ready == 0) break;
    if (pfd.revents & (POLLERR | POLLHUP)) {
      status = WriteStatus::kClosed;
      break;
    }
    const ssize_t n = write(1, buf.data() + done, std::min<size_t>(buf.size() - done, PIPE_BUF));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) break;
    if (n < 0) {
      status = errno == EPIPE ? WriteStatus::kClosed : WriteStatus::kError;
      break;
    }
    done += static_cast<size_t>(n);
  }
  buf.erase(0, done);
  return status;
}

TextBuffer::TextBuffer() : f_(open_memstream(&data_, &size_)) {}

TextBuffer::~TextBuffer() {
  if (f_) std::fclose(f_);
  std::free(data_);
}

std::string TextBuffer::take() {
  if (!f_ || std::fflush(f_) != 0) return {};
  return std::string(data_, size_);
}

std::vector<std::string> net_vdev_names(int eal_argc, char* const* argv) {
  std::vector<std::string> names;
  for (int i = 1; i < eal_argc; ++i) {
    const std::string arg = argv[i];
    std::string spec;
    if (arg == "--vdev" && i + 1 < eal_argc) spec = argv[++i];
    else if (arg.rfind("--vdev=", 0) == 0) spec = arg.substr(7);
    else continue;
    const std::string name = spec.substr(0, spec.find(','));
    if (name.rfind("net_", 0) == 0 || name.rfind("eth_", 0) == 0) names.push_back(name);  // not crypto, event, ...
  }
  return names;
}

std::vector<std::string> missing_devices(const std::vector<std::string>& names) {
  std::vector<std::string> missing;
  for (const std::string& name : names) {
    uint16_t port = 0;
    if (rte_eth_dev_get_port_by_name(name.c_str(), &port) != 0) missing.push_back(name);
  }
  return missing;
}

EalLogCapture::EalLogCapture() {
  cookie_io_functions_t io{};
  io.write = write_cb;
  stream_ = fopencookie(this, "w", io);
  if (stream_) {
    setvbuf(stream_, nullptr, _IONBF, 0);  // each rte_log call reaches write_cb at once
    if (rte_openlog_stream(stream_) != 0) {
      std::fclose(stream_);
      stream_ = nullptr;
    }
  }
}

EalLogCapture::~EalLogCapture() {
  if (!stream_) return;
  (void)rte_openlog_stream(nullptr);  // back to EAL's own console stream
  std::fclose(stream_);
}

ssize_t EalLogCapture::write_cb(void* self, const char* buf, size_t n) {
  auto& cap = *static_cast<EalLogCapture*>(self);
  // EAL's console stream writes to stderr (and syslog); the tee writes to stderr.
  (void)std::fwrite(buf, 1, n, stderr);
  (void)std::fflush(stderr);
  if (rte_log_cur_msg_loglevel() <= static_cast<int>(RTE_LOG_ERR)) cap.partial_is_error_ = true;
  for (size_t i = 0; i < n; ++i) {
    if (buf[i] != '\n') {
      if (cap.partial_.size() < kMaxLine) cap.partial_ += buf[i];
      continue;
    }
    if (cap.partial_is_error_ && !cap.partial_.empty() && cap.errors_.size() < kMaxLines) {
      std::string line = cap.partial_;
      if (line.rfind("EAL: ", 0) == 0) line.erase(0, 5);
      if (std::find(cap.errors_.begin(), cap.errors_.end(), line) == cap.errors_.end()) cap.errors_.push_back(line);
    }
    cap.partial_.clear();
    cap.partial_is_error_ = false;
  }
  return static_cast<ssize_t>(n);
}

std::string EalLogCapture::errors() const {
  std::string all;
  for (const std::string& e : errors_) all += (all.empty() ? "" : "; ") + e;
  return all;
}

}  // namespace edf
