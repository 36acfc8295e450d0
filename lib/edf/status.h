// status.h: the control path's one error type.
//
// Every control-path function that can fail -- reading and validating a profile, start-up, runtime
// publishing, the shell, telemetry registration, writing a file -- returns a Status: either OK, or
// the errors a user reads, each a complete message (`file:line: [section] key: why`, or naming the
// port, lcore, ring and the DPDK error), all of them rather than the first. A Status may also carry
// warnings: the operation took effect, and something deserves a word (an lcore that has not yet
// acknowledged a published change). As Linux's sch_drr/sch_etf return a negative errno with one
// extack message, but with the message as the value, since edfpipe's callers print, not branch.
// [[nodiscard]]: a Status that is dropped is a bug. Control path only: it allocates.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edf {

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  [[nodiscard]] static Status error(std::string message) {
    Status s;
    s.errors_.push_back(std::move(message));
    return s;
  }
  [[nodiscard]] static Status errors(std::vector<std::string> messages) {
    Status s;
    s.errors_ = std::move(messages);
    return s;
  }

  [[nodiscard]] bool ok() const { return errors_.empty(); }
  [[nodiscard]] const std::vector<std::string>& messages() const { return errors_; }
  [[nodiscard]] const std::vector<std::string>& warnings() const { return warnings_; }
  // The errors as one text, one per line (no trailing newline); "" when OK.
  [[nodiscard]] std::string message() const {
    std::string all;
    for (const std::string& e : errors_) all += (all.empty() ? "" : "\n") + e;
    return all;
  }

  Status& add_error(std::string message) {
    errors_.push_back(std::move(message));
    return *this;
  }
  Status& add_warning(std::string message) {
    warnings_.push_back(std::move(message));
    return *this;
  }
  // Appends another Status's errors and warnings.
  Status& add(const Status& other) {
    errors_.insert(errors_.end(), other.errors_.begin(), other.errors_.end());
    warnings_.insert(warnings_.end(), other.warnings_.begin(), other.warnings_.end());
    return *this;
  }
  // Prefixes every error with `context` (e.g. "command line: "): the caller knows where, the
  // callee knows why.
  Status& within(std::string_view context) {
    for (std::string& e : errors_) e.insert(0, context);
    return *this;
  }

 private:
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
};

}  // namespace edf
