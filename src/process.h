// process.h: what edfpipe does as a Unix process before and around EAL: standard descriptors that
// may have been closed by the parent, the signals that stop it, and EAL's start-up messages.
//
// - Descriptors 0-2: a parent may start edfpipe with one closed (`>&-`). The next open() would
//   then return that number, and EAL's shared config mapping became fd 1: the final table was
//   written into EAL's memory. ensure_std_fds() opens /dev/null on any closed one first.
// - Signals: every signal whose default action ends the process without a fault (SIGINT, SIGTERM,
//   SIGHUP, SIGQUIT, SIGUSR1/2, SIGALRM, SIGXCPU, real-time signals, ...) only records itself; the
//   main loop then stops through the drain, the final report and the mbuf check. SIGPIPE is
//   ignored: a telemetry client or a reader of stdout that goes away gives EPIPE to the write,
//   which the caller handles. Faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS)
//   keep their default action: after one, no count can be trusted.
// - EAL's messages: EalLogCapture tees EAL's log to stderr (where EAL's own stream writes) while
//   rte_eal_init runs and keeps its error-level lines (they do not reach syslog meanwhile), so a failed init can say why rather than
//   print rte_errno, which EAL often leaves at 0 ("Success").
// Main thread, before and around rte_eal_init; the signal handler is async-signal-safe.
#pragma once

#include <csignal>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "edf/status.h"

namespace edf {

// Opens /dev/null on each of descriptors 0, 1 and 2 that is closed. Returns false if it cannot.
[[nodiscard]] bool ensure_std_fds();

// Installs the handlers described above; an error names each signal it could not handle.
[[nodiscard]] Status install_stop_signals();
// The last stop signal received, 0 if none (written by the handler, read by the main loop).
[[nodiscard]] int stop_signal();

// Writes `text` to descriptor 1 without ever waiting more than `timeout_ms` for it to take the
// next chunk (a pipe whose reader stopped reading would otherwise hold the caller for ever).
// Chunks are at most PIPE_BUF bytes, written only once poll() says the descriptor takes them, so
// a write to a pipe never blocks. Anything buffered in stdout is flushed first.
enum class WriteStatus { kOk, kClosed /* EPIPE: nobody reads */, kTimedOut, kError };
[[nodiscard]] WriteStatus write_stdout(std::string_view text, int timeout_ms);

// Writes as much of `buf` to descriptor 1 as it takes without waiting, and erases that much from
// `buf`. kOk also when some is left (the caller retries later).
[[nodiscard]] WriteStatus write_stdout_nowait(std::string& buf);

// What print-style code writes to a FILE, collected into a string (open_memstream).
class TextBuffer {
 public:
  TextBuffer();
  ~TextBuffer();
  TextBuffer(const TextBuffer&) = delete;
  TextBuffer& operator=(const TextBuffer&) = delete;
  [[nodiscard]] FILE* file() const { return f_; }  // nullptr if it could not be created
  [[nodiscard]] std::string take();                // everything written so far

 private:
  FILE* f_ = nullptr;
  char* data_ = nullptr;
  size_t size_ = 0;
};

// The network devices named by --vdev in EAL's arguments (net_* and eth_* names), in order. Read
// them before rte_eal_init, which permutes and overwrites argv.
[[nodiscard]] std::vector<std::string> net_vdev_names(int eal_argc, char* const* argv);
// Those of `names` that EAL did not create (after rte_eal_init): a device that fails to probe is
// only logged by EAL, and the ports after it are renumbered.
[[nodiscard]] std::vector<std::string> missing_devices(const std::vector<std::string>& names);

class EalLogCapture {
 public:
  // Routes rte_log to the tee until the destructor; call before rte_eal_init.
  EalLogCapture();
  ~EalLogCapture();
  EalLogCapture(const EalLogCapture&) = delete;
  EalLogCapture& operator=(const EalLogCapture&) = delete;
  // The error-level lines EAL logged (at most kMaxLines, each at most kMaxLine bytes), joined.
  [[nodiscard]] std::string errors() const;

  static constexpr size_t kMaxLines = 4;
  static constexpr size_t kMaxLine = 400;

 private:
  static ssize_t write_cb(void* self, const char* buf, size_t n);
  FILE* stream_ = nullptr;
  std::string partial_;              // the current line, until its '\n'
  bool partial_is_error_ = false;
  std::vector<std::string> errors_;
};

}  // namespace edf
