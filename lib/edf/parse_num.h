// parse_num.h: strict number parsing for the profile and the command lines (edfpipe's, edfgen's).
//
// Whole string or nothing: no sign unless the type is signed, no leading or trailing spaces or
// junk, no overflow, and the value must lie in [lo, hi]. Accepts 0x-prefixed hex when asked.
// Returns OK, or a Status whose one message says why without saying where ("not a whole number",
// "out of range 1..256"): the caller places it, e.g. with Status::within("--burst 0: ").
// parse_real() is the same for a decimal real number ("0.5", "2e6"): no sign unless lo < 0, and
// no "inf", "nan" or hex.
#pragma once

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "edf/status.h"

namespace edf {

template <typename T>
[[nodiscard]] Status parse_uint(std::string_view s, T lo, T hi, T& out, bool allow_hex = false) {
  int base = 10;
  if (allow_hex && s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return Status::error("empty value, expected a number");
  // Parse in a 64-bit type of T's signedness: from_chars then accepts '-' exactly when T is
  // signed, and a negative lo compares as negative.
  using Wide = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
  Wide v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec == std::errc::result_out_of_range)
    return Status::error("out of range " + std::to_string(lo) + ".." + std::to_string(hi));
  if (ec != std::errc() || ptr != s.data() + s.size()) return Status::error("not a whole number");
  if (v < static_cast<Wide>(lo) || v > static_cast<Wide>(hi))
    return Status::error("out of range " + std::to_string(lo) + ".." + std::to_string(hi));
  out = static_cast<T>(v);
  return {};
}

template <std::floating_point T>
[[nodiscard]] Status parse_real(std::string_view s, T lo, T hi, T& out) {
  const auto text = [](T x) {
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
  };
  const std::string range = "out of range " + text(lo) + ".." + text(hi);
  if (s.empty()) return Status::error("empty value, expected a number");
  if (s.front() == '-' && !(lo < 0)) return Status::error("not a number >= 0");
  T v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) return Status::error(range);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return Status::error("not a number");
  if (v < lo || v > hi) return Status::error(range);
  out = v;
  return {};
}

}  // namespace edf
