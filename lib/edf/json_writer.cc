#include "edf/json_writer.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <iterator>

namespace edf {
namespace {

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting at s[i] (a byte >= 0x80), or 0 if there is
// none: overlong forms, surrogates and code points above U+10FFFF are not well-formed (RFC 3629).
size_t utf8_length(std::string_view s, size_t i) {
  const auto at = [&](size_t k) -> unsigned char { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  const unsigned char c = at(0);
  if (c >= 0xC2 && c <= 0xDF) return continuation(at(1)) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return at(1) >= lo && at(1) <= hi && continuation(at(2)) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return at(1) >= lo && at(1) <= hi && continuation(at(2)) && continuation(at(3)) ? 4 : 0;
  }
  return 0;
}

// The characters RFC 8259 escapes with a backslash and a letter (or themselves); the other
// control characters are written \u00XX.
constexpr char kShortEscapes[][2] = {{'"', '"'}, {'\\', '\\'}, {'\b', 'b'}, {'\f', 'f'}, {'\n', 'n'}, {'\r', 'r'}, {'\t', 't'}};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = utf8_length(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    const auto* shortened = std::find_if(std::begin(kShortEscapes), std::end(kShortEscapes),
                                         [c](const char (&e)[2]) { return e[0] == static_cast<char>(c); });
    if (shortened != std::end(kShortEscapes)) {
      out += '\\';
      out += (*shortened)[1];
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

void JsonWriter::next_element() {
  if (after_key_) {  // the member's value: it follows its key on the same line
    after_key_ = false;
    return;
  }
  assert(!started_ || !levels_.empty());  // one document
  if (levels_.empty()) {
    started_ = true;
    return;
  }
  Level& l = levels_.back();
  if (!l.empty) out_ += ',';
  if (l.layout == Layout::kBlock) {
    out_ += '\n';
    out_.append(2 * levels_.size(), ' ');
  } else if (!l.empty) {
    out_ += ' ';
  }
  l.empty = false;
}

JsonWriter& JsonWriter::begin(bool object, Layout layout) {
  assert(levels_.empty() || !levels_.back().object || after_key_);  // in an object, key() first
  next_element();
  const bool in_inline = !levels_.empty() && levels_.back().layout == Layout::kInline;
  levels_.push_back({object, in_inline ? Layout::kInline : layout});
  out_ += object ? '{' : '[';
  return *this;
}

JsonWriter& JsonWriter::end(bool object) {
  assert(!levels_.empty() && levels_.back().object == object && !after_key_);
  const Level l = levels_.back();
  levels_.pop_back();
  if (l.layout == Layout::kBlock && !l.empty) {
    out_ += '\n';
    out_.append(2 * levels_.size(), ' ');
  }
  out_ += object ? '}' : ']';
  if (levels_.empty()) out_ += '\n';
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  assert(!levels_.empty() && levels_.back().object && !after_key_);
  next_element();
  append_json_string(out_, name);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view token) {
  assert(levels_.empty() || !levels_.back().object || after_key_);  // in an object, key() first
  next_element();
  out_ += token;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  std::string quoted;
  append_json_string(quoted, s);
  return raw(quoted);
}

JsonWriter& JsonWriter::value(bool b) { return raw(b ? "true" : "false"); }

JsonWriter& JsonWriter::value(std::nullptr_t) { return raw("null"); }

JsonWriter& JsonWriter::value(double v) {
  if (!std::isfinite(v)) return raw("null");
  char buf[32];  // the shortest round-trip form of any double fits in 24 characters
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return raw(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

JsonWriter& JsonWriter::fixed(double v, int decimals) {
  if (!std::isfinite(v)) return raw("null");
  char buf[400];  // DBL_MAX has 309 digits before the point
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, std::clamp(decimals, 0, 17));
  return raw(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

}  // namespace edf
