#include "edf/ini.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>

namespace edf {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool valid_key(std::string_view k) {
  return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string hex_byte(unsigned char c) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%02x", c);
  return b;
}

// Text as a message quotes it: printable ASCII as is, any other byte as \xNN, at most 60 bytes.
std::string quoted(std::string_view s) {
  constexpr size_t kShown = 60;
  std::string q = "'";
  for (size_t i = 0; i < s.size() && i < kShown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      q += s[i];
    } else {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      q += b;
    }
  }
  if (s.size() > kShown) q += "...";
  return q + "'";
}

std::string more_errors(size_t n) { return "... and " + std::to_string(n) + " more error" + (n == 1 ? "" : "s"); }

// The first kMaxReportedErrors messages, and how many more there were: a hostile file of a
// million bad lines costs a counter, not a million strings.
class ErrorList {
 public:
  void add(std::string m) {
    if (kept_.size() < kMaxReportedErrors) kept_.push_back(std::move(m));
    else ++more_;
  }
  [[nodiscard]] bool empty() const { return kept_.empty(); }
  [[nodiscard]] Status take() {
    if (more_) kept_.push_back(more_errors(more_));
    return Status::errors(std::move(kept_));
  }

 private:
  std::vector<std::string> kept_;
  size_t more_ = 0;
};

// Why the byte at `i` of a line may not be there, or nothing. `comment` is where the comment
// starts (npos: none): a comment may hold any text but control characters.
std::optional<std::string> bad_byte(std::string_view line, size_t i, size_t comment, int line_no) {
  const auto c = static_cast<unsigned char>(line[i]);
  const std::string at = " at column " + std::to_string(i + 1);
  if ((c < 0x20 && c != '\t') || c == 0x7f)
    return "control character " + hex_byte(c) + at + " (only tab is allowed; lines end in LF or CRLF)";
  if (c < 0x80 || i >= comment) return std::nullopt;
  if (line_no == 1 && i == 0 && line.starts_with("\xef\xbb\xbf"))
    return "a UTF-8 byte order mark" + at + ": save the file as plain ASCII";
  return "byte " + hex_byte(c) + at + " is not ASCII (names and values are ASCII; other text only in comments)";
}

}  // namespace

void cap_errors(std::vector<std::string>& errs, size_t max) {
  if (errs.size() <= max) return;
  const size_t more = errs.size() - max;
  errs.resize(max);
  errs.push_back(more_errors(more));
}

Status parse_ini(std::string_view text, const std::string& path, IniDocument& out) {
  ErrorList errs;
  if (text.size() > kMaxIniBytes) {
    errs.add(path + ": " + std::to_string(text.size()) + " bytes, larger than the limit of 1 MiB (" +
             std::to_string(kMaxIniBytes) + " bytes) for a profile");
    return errs.take();
  }
  IniDocument doc;
  doc.path = path;
  // Before the first header; inside a well-formed section (doc.sections.back()); or after a
  // malformed header, whose entries are checked but belong nowhere (never to the section before).
  enum class State { kNone, kOk, kBad } state = State::kNone;
  int line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    ++line_no;
    const size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, (nl == std::string_view::npos ? text.size() : nl) - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF
    const std::string at = path + ":" + std::to_string(line_no) + ": ";
    const size_t comment = line.find(';');
    const std::string_view content = trim(line.substr(0, comment));
    const size_t eq = content.find('=');
    const std::string_view key = eq == std::string_view::npos ? std::string_view{} : trim(content.substr(0, eq));
    const std::string section = state == State::kOk ? "[" + doc.sections.back().name + "] " : "";
    // How a message names this line: by its key when it is an entry with a well-formed key inside
    // a well-formed section, by its text otherwise.
    auto subject = [&] {
      if (!section.empty() && !content.starts_with('[') && valid_key(key)) return section + std::string(key);
      return quoted(content.empty() ? trim(line) : content);
    };

    bool clean = line.size() <= kMaxIniLineBytes;
    if (!clean)
      errs.add(at + subject() + ": line of " + std::to_string(line.size()) + " bytes, longer than the limit of " +
               std::to_string(kMaxIniLineBytes));
    for (size_t i = 0; i < line.size() && clean; ++i)
      if (std::optional<std::string> why = bad_byte(line, i, comment, line_no)) {
        errs.add(at + subject() + ": " + *why);
        clean = false;
      }
    // A refused line that looks like a header ('[' and no '='): what follows belongs to no section.
    if (!clean && content.find('[') != std::string_view::npos && eq == std::string_view::npos) state = State::kBad;
    if (!clean || content.empty()) continue;

    if (content.front() == '[') {
      state = State::kBad;
      const size_t close = content.find(']');
      const std::string_view name =
          close == std::string_view::npos ? std::string_view{} : content.substr(1, close - 1);
      const char* why = nullptr;
      if (close == std::string_view::npos) why = "section header without ']'";
      else if (close + 1 != content.size()) why = "text after ']'";
      else if (name.empty()) why = "empty section name";
      else if (is_blank(name.front()) || is_blank(name.back())) why = "space or tab inside the brackets, around the name";
      else if (name.find('\t') != std::string_view::npos) why = "tab in the section name";
      else if (name.find('[') != std::string_view::npos) why = "'[' in the section name";
      if (why) {
        errs.add(at + quoted(content) + ": " + why);
        continue;
      }
      doc.sections.push_back({std::string(name), line_no, {}});
      state = State::kOk;
      continue;
    }
    if (eq == std::string_view::npos) {
      errs.add(at + quoted(content) + ": expected key = value");
      continue;
    }
    if (state == State::kNone) {
      errs.add(at + quoted(content) + ": key before the first [section]");
      continue;
    }
    const std::string_view value = trim(content.substr(eq + 1));
    if (key.empty()) {
      errs.add(at + quoted(content) + ": no key before '='");
    } else if (!valid_key(key)) {
      errs.add(at + (section.empty() ? quoted(content) : section + quoted(key)) +
               ": a key name is lower-case a-z, 0-9 and _ only");
    } else if (value.find('=') != std::string_view::npos) {
      errs.add(at + (section.empty() ? quoted(content) : section + std::string(key) + " = " + std::string(value)) +
               ": a second '=' (write key = value)");
    } else if (state == State::kOk) {
      doc.sections.back().entries.push_back({std::string(key), std::string(value), line_no});
    }
  }
  if (!errs.empty()) return errs.take();
  out = std::move(doc);
  return {};
}

}  // namespace edf
