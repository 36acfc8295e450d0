// Tests for JsonWriter: exact layout of both container styles, RFC 8259 string escaping with
// malformed UTF-8 replaced, integers at their limits, doubles that read back to the same value,
// and, over seeded random strings, output that a small reference decoder turns back into the
// input (with each malformed byte as U+FFFD).
#include "edf/json_writer.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>

namespace edf {
namespace {

using Layout = JsonWriter::Layout;

std::string json_quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonWriter, InlineContainers) {
  JsonWriter w;
  w.begin_object().member("a", 1).key("b").begin_array().value(2).value("x").value(true).value(nullptr).end_array()
      .key("c").begin_object().end_object().key("d").begin_array().end_array().end_object();
  EXPECT_EQ(w.text(), "{\"a\": 1, \"b\": [2, \"x\", true, null], \"c\": {}, \"d\": []}\n");
  EXPECT_TRUE(w.complete());
}

TEST(JsonWriter, BlockContainersIndentAndKeepInlineChildrenOnOneLine) {
  JsonWriter w;
  w.begin_object(Layout::kBlock).member("n", 1).key("rows").begin_array(Layout::kBlock);
  w.begin_object().member("x", 1).member("y", 2).end_object();
  w.begin_object().member("x", 3).key("deep").begin_array(Layout::kBlock).value(4).end_array().end_object();
  w.end_array().key("empty").begin_array(Layout::kBlock).end_array().end_object();
  EXPECT_EQ(w.text(),
            "{\n"
            "  \"n\": 1,\n"
            "  \"rows\": [\n"
            "    {\"x\": 1, \"y\": 2},\n"
            "    {\"x\": 3, \"deep\": [4]}\n"  // a block inside an inline container stays inline
            "  ],\n"
            "  \"empty\": []\n"
            "}\n");
}

TEST(JsonWriter, NotCompleteUntilTheOutermostContainerCloses) {
  JsonWriter w;
  EXPECT_FALSE(w.complete());
  w.begin_array().begin_array();
  EXPECT_FALSE(w.complete());
  w.end_array();
  EXPECT_FALSE(w.complete());
  w.end_array();
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(w.text(), "[[]]\n");
}

TEST(JsonWriter, EscapesWhatRfc8259Requires) {
  EXPECT_EQ(json_quoted("plain"), "\"plain\"");
  EXPECT_EQ(json_quoted("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(json_quoted("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(json_quoted(std::string_view("\0\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(json_quoted("\x7f"), "\"\x7f\"");  // DEL needs no escape
  EXPECT_EQ(json_quoted(""), "\"\"");
}

TEST(JsonWriter, KeysAreEscapedToo) {
  JsonWriter w;
  w.begin_object().member("a\"\n", "v\\").end_object();
  EXPECT_EQ(w.text(), "{\"a\\\"\\n\": \"v\\\\\"}\n");
}

TEST(JsonWriter, KeepsWellFormedUtf8) {
  const std::string s = "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf \xee\x80\x80 \xf4\x8f\xbf\xbf";  // é € 😀 U+D7FF U+E000 U+10FFFF
  EXPECT_EQ(json_quoted(s), "\"" + s + "\"");
}

TEST(JsonWriter, ReplacesEachMalformedByteSequenceStart) {
  EXPECT_EQ(json_quoted("\x80"), "\"\\ufffd\"");                    // lone continuation byte
  EXPECT_EQ(json_quoted("\xc0\x80"), "\"\\ufffd\\ufffd\"");         // overlong NUL
  EXPECT_EQ(json_quoted("\xc1\xbf"), "\"\\ufffd\\ufffd\"");         // overlong
  EXPECT_EQ(json_quoted("\xe0\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // overlong 3-byte
  EXPECT_EQ(json_quoted("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate, U+D800
  EXPECT_EQ(json_quoted("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // above U+10FFFF
  EXPECT_EQ(json_quoted("\xf5"), "\"\\ufffd\"");
  EXPECT_EQ(json_quoted("a\xe2\x82"), "\"a\\ufffd\\ufffd\"");      // cut short at the end
  EXPECT_EQ(json_quoted("\xc3("), "\"\\ufffd(\"");                 // a lead byte without its continuation
}

TEST(JsonWriter, IntegersAtTheirLimits) {
  JsonWriter w;
  w.begin_array()
      .value(uint64_t{0})
      .value(std::numeric_limits<uint64_t>::max())
      .value(std::numeric_limits<int64_t>::min())
      .value(uint8_t{255})
      .value(int16_t{-7})
      .end_array();
  EXPECT_EQ(w.text(), "[0, 18446744073709551615, -9223372036854775808, 255, -7]\n");
}

TEST(JsonWriter, DoublesShortestAndFixed) {
  JsonWriter w;
  w.begin_array()
      .value(0.1)
      .value(1.0)
      .value(-2.5)
      .value(1e21)
      .value(5e-324)
      .value(std::nan(""))
      .value(std::numeric_limits<double>::infinity())
      .fixed(2.0 / 3.0, 3)
      .fixed(1.0, 0)
      .fixed(-0.04, 1)
      .fixed(-std::numeric_limits<double>::infinity(), 2)
      .end_array();
  EXPECT_EQ(w.text(), "[0.1, 1, -2.5, 1e+21, 5e-324, null, null, 0.667, 1, -0.0, null]\n");
}

TEST(JsonWriter, RandomDoublesReadBackExactly) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200000; ++i) {
    const double v = std::bit_cast<double>(rng());
    if (!std::isfinite(v)) continue;
    JsonWriter w;
    w.value(v);
    double back = 0;
    const std::string& t = w.text();
    const auto r = std::from_chars(t.data(), t.data() + t.size(), back);
    ASSERT_EQ(r.ec, std::errc()) << t;
    ASSERT_EQ(r.ptr, t.data() + t.size()) << t;
    ASSERT_EQ(std::bit_cast<uint64_t>(back), std::bit_cast<uint64_t>(v)) << t;
  }
}

// ---- reference: a naive UTF-8 reader and a JSON string decoder, for the random test below.

// The code point at s[i] and its length, or {-1, 1} if the bytes there are not well-formed UTF-8.
std::pair<int32_t, size_t> decode_utf8(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c = b(0);
  if (c < 0x80) return {c, 1};
  struct Form {
    uint8_t mask, lead;
    size_t n;
    int32_t min;  // smaller code points in this length are overlong
  };
  static constexpr Form kForms[] = {{0xE0, 0xC0, 2, 0x80}, {0xF0, 0xE0, 3, 0x800}, {0xF8, 0xF0, 4, 0x10000}};
  const Form* f = nullptr;
  for (const Form& x : kForms)
    if ((c & x.mask) == x.lead) f = &x;
  if (!f) return {-1, 1};
  const size_t n = f->n;
  const int32_t min = f->min;
  int32_t cp = c & static_cast<uint8_t>(~f->mask) & 0x3F;
  if (i + n > s.size()) return {-1, 1};
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return {-1, 1};
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {-1, 1};
  return {cp, n};
}

void put_utf8(std::string& out, int32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The input with every byte that does not start a well-formed sequence as U+FFFD.
std::string sanitized(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const auto [cp, n] = decode_utf8(s, i);
    if (cp < 0) put_utf8(out, 0xFFFD);
    else out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

// Decodes a JSON string literal; fails the test on anything RFC 8259 does not allow.
std::string decode_json_string(std::string_view j) {
  EXPECT_GE(j.size(), 2u);
  EXPECT_EQ(j.front(), '"');
  EXPECT_EQ(j.back(), '"');
  std::string out;
  for (size_t i = 1; i + 1 < j.size(); ++i) {
    const auto c = static_cast<uint8_t>(j[i]);
    EXPECT_GE(c, 0x20) << "raw control character in " << j;
    EXPECT_NE(c, '"') << "raw quote in " << j;
    if (c != '\\') {
      out += static_cast<char>(c);
      continue;
    }
    const char e = j[++i];
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        int32_t cp = 0;
        const auto r = std::from_chars(j.data() + i + 1, j.data() + i + 5, cp, 16);
        EXPECT_EQ(r.ptr, j.data() + i + 5) << j;
        put_utf8(out, cp);
        i += 4;
        break;
      }
      default: ADD_FAILURE() << "bad escape \\" << e << " in " << j;
    }
  }
  return out;
}

TEST(JsonWriter, RandomStringsDecodeBackToTheirInput) {
  std::mt19937_64 rng(7);
  // Bytes drawn so that ASCII, control characters, valid multi-byte sequences and every kind of
  // malformed one all occur often.
  const std::string_view pieces[] = {"a", "\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
                                     "\xf0\x9f\x98\x80", "\x80", "\xc0", "\xed\xa0\x80", "\xf4\x90", "\xff", " "};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    const size_t n = rng() % 12;
    for (size_t k = 0; k < n; ++k) {
      if (rng() % 4 == 0)
        s += static_cast<char>(rng() & 0xFF);
      else
        s += pieces[rng() % std::size(pieces)];
    }
    const std::string j = json_quoted(s);
    ASSERT_EQ(sanitized(j), j) << "output is not well-formed UTF-8";
    ASSERT_EQ(decode_json_string(j), sanitized(s));
  }
}

}  // namespace
}  // namespace edf
