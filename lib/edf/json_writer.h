// json_writer.h: a small streaming writer of JSON text (RFC 8259), for edfpipe's and edfgen's reports.
//
// Values are appended in document order: begin_object()/end_object(), begin_array()/end_array(),
// key() inside an object followed by exactly one value or container; the writer places commas,
// quotes and line breaks. Strings are escaped as RFC 8259 requires ('"', '\\' and U+0000-U+001F:
// \b \f \n \r \t where a short form exists, else \u00XX), and bytes that are not well-formed UTF-8
// become \ufffd, so the output is always valid JSON and valid UTF-8 whatever a name holds.
// Integers are written exactly. A double is written in the shortest form that reads back to the
// same value (std::to_chars), or with a fixed number of decimals (fixed()); NaN and the
// infinities, which JSON cannot carry, are written as null.
// Layout: a container begun with Layout::kBlock puts each element on a line of its own, indented
// two spaces a level; kInline keeps it on one line, and so is everything inside an inline
// container. The document ends with a newline once its outermost container is closed.
// Misuse (a value where a key is due, an end without its begin) is a programming error, checked by
// assert only. Control path only: allocates.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edf {

// Appends `s` as a JSON string (quotes included) to `out`, escaped as described above.
void append_json_string(std::string& out, std::string_view s);

class JsonWriter {
 public:
  enum class Layout : uint8_t { kInline, kBlock };

  JsonWriter& begin_object(Layout layout = Layout::kInline) { return begin(true, layout); }
  JsonWriter& end_object() { return end(true); }
  JsonWriter& begin_array(Layout layout = Layout::kInline) { return begin(false, layout); }
  JsonWriter& end_array() { return end(false); }
  // The next member's name; inside an object only.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }  // not the bool overload
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(std::nullptr_t);
  JsonWriter& value(double v);  // shortest round-trip form; null if not finite
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  JsonWriter& value(T v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // cannot fail: 20 digits and a sign fit
    return raw(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
  }
  // `v` with exactly `decimals` digits after the point (0-17); null if not finite.
  JsonWriter& fixed(double v, int decimals);

  // key(name) then value(v).
  template <typename T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  // The text written so far; a complete document once the outermost container is closed.
  [[nodiscard]] const std::string& text() const { return out_; }
  [[nodiscard]] bool complete() const { return started_ && levels_.empty(); }

 private:
  struct Level {
    bool object;
    Layout layout;
    bool empty = true;
  };
  JsonWriter& raw(std::string_view token);  // a scalar value, already formatted
  JsonWriter& begin(bool object, Layout layout);
  JsonWriter& end(bool object);
  void next_element();  // the separator and line break before an element of the innermost container

  std::string out_;
  std::vector<Level> levels_;
  bool after_key_ = false;
  bool started_ = false;
};

}  // namespace edf
