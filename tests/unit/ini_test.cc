// Tests for the INI reader (edf/ini.h) and for how load_profile() takes the names it passes on:
// every malformed or look-alike header, key or byte is refused with its exact message, never
// merged into or cut down to a valid name; CRLF is accepted; the line and file limits and the
// error cap hold; and the reader is linear (a million-entry document in well under a second).
#include "edf/ini.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "edf/profile.h"

namespace edf {
namespace {

using namespace std::string_literals;  // "...\0..."s keeps NUL bytes

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

struct Case {
  const char* what;
  std::string text;
  std::vector<std::string> errors;  // exactly these, in this order
};

// What the reader itself refuses.
const std::vector<Case> kReaderCases = {
    {"header without ]", "[class high\n", {"t.ini:1: '[class high': section header without ']'"}},
    {"spaces inside the brackets", "[ class high ]\n",
     {"t.ini:1: '[ class high ]': space or tab inside the brackets, around the name"}},
    {"space before ]", "[pipeline ]\n", {"t.ini:1: '[pipeline ]': space or tab inside the brackets, around the name"}},
    {"junk after ]", "[class high]junk\n", {"t.ini:1: '[class high]junk': text after ']'"}},
    {"two ]", "[pipeline]]\n", {"t.ini:1: '[pipeline]]': text after ']'"}},
    {"two [", "[[pipeline]\n", {"t.ini:1: '[[pipeline]': '[' in the section name"}},
    {"empty header", "[]\n", {"t.ini:1: '[]': empty section name"}},
    {"tab inside a section name", "[class\thigh]\n", {"t.ini:1: '[class\\x09high]': tab in the section name"}},
    {"key with an inner space", "[pipeline]\nbur st = 1\n",
     {"t.ini:2: [pipeline] 'bur st': a key name is lower-case a-z, 0-9 and _ only"}},
    {"key with a tab inside", "[pipeline]\nbur\tst = 1\n",
     {"t.ini:2: [pipeline] 'bur\\x09st': a key name is lower-case a-z, 0-9 and _ only"}},
    {"key in upper case", "[pipeline]\nBurst = 1\n",
     {"t.ini:2: [pipeline] 'Burst': a key name is lower-case a-z, 0-9 and _ only"}},
    {"key with a dot", "[pipeline]\npipeline.burst = 1\n",
     {"t.ini:2: [pipeline] 'pipeline.burst': a key name is lower-case a-z, 0-9 and _ only"}},
    {"control character in a key", "[pipeline]\nbur\x01st = 1\n",
     {"t.ini:2: 'bur\\x01st = 1': control character 0x01 at column 4 (only tab is allowed; lines end in LF or CRLF)"}},
    {"NUL in a value", "[pipeline]\nburst = 3\0" "2\n"s,
     {"t.ini:2: [pipeline] burst: control character 0x00 at column 10 (only tab is allowed; lines end in LF or CRLF)"}},
    {"NUL in a key", "[pipeline]\nbu\0rst = 32\n"s,
     {"t.ini:2: 'bu\\x00rst = 32': control character 0x00 at column 3 (only tab is allowed; lines end in LF or CRLF)"}},
    {"NUL in a comment", "; a\0b\n[pipeline]\n"s,
     {"t.ini:1: '; a\\x00b': control character 0x00 at column 4 (only tab is allowed; lines end in LF or CRLF)"}},
    {"NUL alone on a line", "[pipeline]\n\0\n"s,
     {"t.ini:2: '\\x00': control character 0x00 at column 1 (only tab is allowed; lines end in LF or CRLF)"}},
    {"DEL", "[pipeline]\nburst = 32\x7f\n",
     {"t.ini:2: [pipeline] burst: control character 0x7f at column 11 (only tab is allowed; lines end in LF or CRLF)"}},
    {"CR inside a line", "[pipeline]\nburst = 6\r4\n",
     {"t.ini:2: [pipeline] burst: control character 0x0d at column 10 (only tab is allowed; lines end in LF or CRLF)"}},
    {"CR only line ends", "[pipeline]\rburst = 64\r",
     {"t.ini:1: '[pipeline]\\x0dburst = 64': control character 0x0d at column 11 (only tab is allowed; lines end in "
      "LF or CRLF)"}},
    {"key == value", "[pipeline]\nburst == 64\n", {"t.ini:2: [pipeline] burst = = 64: a second '=' (write key = value)"}},
    {"a = b = c", "[class a]\ndscp = 1 = 2\n", {"t.ini:2: [class a] dscp = 1 = 2: a second '=' (write key = value)"}},
    {"=value", "[pipeline]\n=64\n", {"t.ini:2: '=64': no key before '='"}},
    {"= alone", "[pipeline]\n  =  \n", {"t.ini:2: '=': no key before '='"}},
    {"no =", "[pipeline]\nburst 64\n", {"t.ini:2: 'burst 64': expected key = value"}},
    {"key before any section", "burst = 8\n[pipeline]\n", {"t.ini:1: 'burst = 8': key before the first [section]"}},
    {"non-ASCII look-alike in a section name (Cyrillic i)", "[class h\xd1\x96gh]\nbudget_us = 1\n",
     {"t.ini:1: '[class h\\xd1\\x96gh]': byte 0xd1 at column 9 is not ASCII (names and values are ASCII; other text "
      "only in comments)"}},
    {"non-ASCII look-alike in a key (Cyrillic a)", "[pipeline]\nidle_polls = 1\nbursts\xd0\xb0 = 1\n",
     {"t.ini:3: 'bursts\\xd0\\xb0 = 1': byte 0xd0 at column 7 is not ASCII (names and values are ASCII; other text "
      "only in comments)"}},
    {"fullwidth digit in a value", "[pipeline]\nburst = 6\xef\xbc\x94\n",
     {"t.ini:2: [pipeline] burst: byte 0xef at column 10 is not ASCII (names and values are ASCII; other text only "
      "in comments)"}},
    {"fullwidth semicolon is not a comment", "[pipeline]\nburst = 64 \xef\xbc\x9b x\n",
     {"t.ini:2: [pipeline] burst: byte 0xef at column 12 is not ASCII (names and values are ASCII; other text only "
      "in comments)"}},
    {"non-breaking space", "[pipeline]\nburst =\xc2\xa0" "64\n",
     {"t.ini:2: [pipeline] burst: byte 0xc2 at column 8 is not ASCII (names and values are ASCII; other text only in "
      "comments)"}},
    {"Latin-1 byte", "[pipeline]\nidle = yi\xe9ld\n",
     {"t.ini:2: [pipeline] idle: byte 0xe9 at column 10 is not ASCII (names and values are ASCII; other text only in "
      "comments)"}},
    {"UTF-8 byte order mark", "\xef\xbb\xbf[pipeline]\nburst = 64\n",
     {"t.ini:1: '\\xef\\xbb\\xbf[pipeline]': a UTF-8 byte order mark at column 1: save the file as plain ASCII"}},
    {"entries under a malformed header belong to no section", "[pipeline]\nburst = 1\n[class x\nbur st = 5\nrxd == 1\n",
     {"t.ini:3: '[class x': section header without ']'",
      "t.ini:4: 'bur st = 5': a key name is lower-case a-z, 0-9 and _ only",
      "t.ini:5: 'rxd == 1': a second '=' (write key = value)"}},
    {"every bad line is reported", "[pipeline]\nburst 1\n[x\nrxd == 2\n",
     {"t.ini:2: 'burst 1': expected key = value", "t.ini:3: '[x': section header without ']'",
      "t.ini:4: 'rxd == 2': a second '=' (write key = value)"}},
};

TEST(Ini, RefusesMalformedAndLookAlikeInputWithTheExactMessage) {
  for (const Case& c : kReaderCases) {
    IniDocument out;
    out.path = "untouched";
    const std::vector<std::string> errs = parse_ini(c.text, "t.ini", out).messages();
    EXPECT_EQ(errs, c.errors) << c.what << ": got" << join(errs);
    EXPECT_EQ(out.path, "untouched") << c.what << ": a refused document changed the output";
  }
}

// Names the reader passes on, that load_profile() must refuse as written rather than normalise
// into an existing class or port, or merge.
const std::vector<Case> kProfileCases = {
    {"two spaces in a class header", "[class high]\nbudget_us = 1\nudp_dst_ports = 80\n[class  high]\nbudget_us = 2\n",
     {"t.ini:5: [class  high] budget_us = 2: class name ' high' must be 1-16 characters of a-z, 0-9 or _"}},
    {"two spaces in an empty class header", "[class  high]\n",
     {"t.ini:1: [class  high]: class name must be 1-16 characters of a-z, 0-9 or _"}},
    {"port id with a leading zero", "[port 00]\nrx_queues = 2\n",
     {"t.ini:2: [port 00] rx_queues = 2: section [port 00]: port id '00': write it without leading zeros"}},
    {"port 0 and port 00", "[port 0]\nrx_queues = 2\n[port 00]\n",
     {"t.ini:3: [port 00]: port id '00': write it without leading zeros"}},
    {"hexadecimal port id", "[port 0x1]\nrate_bps = 5\n",
     {"t.ini:2: [port 0x1] rate_bps = 5: section [port 0x1]: port id '0x1': a decimal number is expected, e.g. [port 1]"}},
    {"two spaces in a port header", "[port  1]\n", {"t.ini:1: [port  1]: port id not a whole number"}},
    {"port id with a sign", "[port +1]\nrx_queues = 2\n",
     {"t.ini:2: [port +1] rx_queues = 2: section [port +1]: port id not a whole number"}},
    {"a section repeated", "[pipeline]\nburst = 1\n\n[pipeline]\nrxd = 512\n",
     {"t.ini:4: [pipeline] appears twice (first at line 1)"}},
    {"a class section repeated",
     "[class a]\nbudget_us = 1\nudp_dst_ports = 1\n[class b]\nbudget_us = 2\n[class a]\nexpired = drop\n",
     {"t.ini:6: [class a] appears twice (first at line 1)"}},
    {"a key repeated", "[pipeline]\nburst = 1\nrxd = 512\nburst = 2\n",
     {"t.ini:4: [pipeline] burst = 2: key given twice in this section (first at line 2)"}},
    {"a key repeated with the same value", "[lcores]\nedf = 1\nedf = 1\n",
     {"t.ini:3: [lcores] edf = 1: key given twice in this section (first at line 2)"}},
    {"an empty value", "[pipeline]\nburst =\n",
     {"t.ini:2: [pipeline] burst = : empty value, expected a number"}},
};

TEST(Ini, LoadProfileTakesNamesAsWritten) {
  for (const Case& c : kProfileCases) {
    IniDocument doc;
    const std::vector<std::string> read = parse_ini(c.text, "t.ini", doc).messages();
    ASSERT_TRUE(read.empty()) << c.what << ": the reader refused it:" << join(read);
    Profile out = default_profile();
    out.source = "untouched";
    const std::vector<std::string> errs = load_profile(doc, default_profile(), out).messages();
    EXPECT_EQ(errs, c.errors) << c.what << ": got" << join(errs);
    EXPECT_EQ(out.source, "untouched") << c.what;
  }
}

TEST(Ini, SplitsSectionsAndEntriesWithLineNumbers) {
  IniDocument doc;
  const std::vector<std::string> errs = parse_ini(
      "; comment\n"
      "\n"
      "[pipeline]   ; after a header\n"
      "\tburst\t=\t64\t; after a value\n"
      "idle=sleep\n"
      "[class high]\n"
      "udp_dst_ports = 1 , 2-3\n"
      "[port 1]",  // no newline at the end
      "f.ini", doc).messages();
  ASSERT_TRUE(errs.empty()) << join(errs);
  EXPECT_EQ(doc.path, "f.ini");
  ASSERT_EQ(doc.sections.size(), 3u);
  EXPECT_EQ(doc.sections[0].name, "pipeline");
  EXPECT_EQ(doc.sections[0].line, 3);
  ASSERT_EQ(doc.sections[0].entries.size(), 2u);
  EXPECT_EQ(doc.sections[0].entries[0].key, "burst");
  EXPECT_EQ(doc.sections[0].entries[0].value, "64");
  EXPECT_EQ(doc.sections[0].entries[0].line, 4);
  EXPECT_EQ(doc.sections[0].entries[1].key, "idle");
  EXPECT_EQ(doc.sections[0].entries[1].value, "sleep");
  EXPECT_EQ(doc.sections[1].name, "class high");
  EXPECT_EQ(doc.sections[1].entries[0].value, "1 , 2-3");  // items are load_profile's business
  EXPECT_EQ(doc.sections[2].name, "port 1");
  EXPECT_EQ(doc.sections[2].line, 8);
  EXPECT_TRUE(doc.sections[2].entries.empty());
}

TEST(Ini, AcceptsCrlfLineEndsAndEmptyInput) {
  IniDocument lf, crlf;
  ASSERT_TRUE(parse_ini("[pipeline]\nburst = 64\n\n[lcores]\nedf = 1\n", "f", lf).ok());
  ASSERT_TRUE(parse_ini("[pipeline]\r\nburst = 64\r\n\r\n[lcores]\r\nedf = 1\r\n", "f", crlf).ok());
  ASSERT_EQ(crlf.sections.size(), 2u);
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_EQ(crlf.sections[s].name, lf.sections[s].name);
    EXPECT_EQ(crlf.sections[s].line, lf.sections[s].line);
    ASSERT_EQ(crlf.sections[s].entries.size(), 1u);
    EXPECT_EQ(crlf.sections[s].entries[0].value, lf.sections[s].entries[0].value);
    EXPECT_EQ(crlf.sections[s].entries[0].line, lf.sections[s].entries[0].line);
  }
  IniDocument empty;
  EXPECT_TRUE(parse_ini("", "f", empty).ok());
  EXPECT_TRUE(parse_ini(" \t\n\n; only a comment\r\n", "f", empty).ok());
  EXPECT_TRUE(empty.sections.empty());
}

TEST(Ini, OtherTextIsAllowedInComments) {
  IniDocument doc;
  const auto errs = parse_ini("; budgets in \xc2\xb5s, \xe2\x80\x9cquoted\xe2\x80\x9d\n[pipeline]\nburst = 64 ; 64 \xc2\xb5s\n", "f", doc).messages();
  ASSERT_TRUE(errs.empty()) << join(errs);
  EXPECT_EQ(doc.sections[0].entries[0].value, "64");
}

TEST(Ini, LongValuesAreNotCut) {
  // rte_cfgfile cut values at 255 characters without a word: 50 ports lost their tail.
  std::string ports;
  for (int i = 0; i < 600; ++i) {
    if (i) ports += ',';
    ports += std::to_string(10000 + i);
  }
  IniDocument doc;
  ASSERT_TRUE(parse_ini("[class high]\nudp_dst_ports = " + ports + "\n", "f", doc).ok());
  EXPECT_EQ(doc.sections[0].entries[0].value, ports);
  EXPECT_GT(ports.size(), 3000u);
  // Names too (rte_cfgfile: 63 characters): the reader passes them on whole; what is valid is
  // load_profile()'s to say.
  const std::string long_key(200, 'k');
  ASSERT_TRUE(parse_ini("[pipeline]\n" + long_key + " = 1\n", "f", doc).ok());
  EXPECT_EQ(doc.sections[0].entries[0].key, long_key);
}

TEST(Ini, LineLimit) {
  const std::string prefix = "udp_dst_ports = ";
  const std::string fits = prefix + std::string(kMaxIniLineBytes - prefix.size(), '1');
  IniDocument doc;
  ASSERT_TRUE(parse_ini("[class a]\n" + fits + "\n", "f", doc).ok());
  ASSERT_TRUE(parse_ini("[class a]\r\n" + fits + "\r\n", "f", doc).ok()) << "the CR is not part of the line";
  const std::vector<std::string> errs = parse_ini("[class a]\n" + fits + "1\n", "f", doc).messages();
  EXPECT_EQ(errs, std::vector<std::string>{"f:2: [class a] udp_dst_ports: line of 4097 bytes, longer than the limit of 4096"});
  // A line with no recognisable key is named by its first 60 bytes.
  const std::vector<std::string> errs2 = parse_ini(std::string(5000, 'x') + "\n", "f", doc).messages();
  EXPECT_EQ(errs2, std::vector<std::string>{"f:1: '" + std::string(60, 'x') +
                                            "...': line of 5000 bytes, longer than the limit of 4096"});
}

TEST(Ini, FileLimit) {
  std::string text = "[pipeline]\n";
  while (text.size() < kMaxIniBytes) text += "; padding padding padding padding padding padding\n";
  text.resize(kMaxIniBytes);
  text.back() = '\n';
  IniDocument doc;
  EXPECT_TRUE(parse_ini(text, "f", doc).ok()) << "exactly 1 MiB is accepted";
  text += "\n";
  EXPECT_EQ(parse_ini(text, "f", doc).messages(),
            std::vector<std::string>{"f: 1048577 bytes, larger than the limit of 1 MiB (1048576 bytes) for a profile"});
}

TEST(Ini, ErrorsAreCappedAtTwentyAndCounted) {
  std::string text = "[pipeline]\n";
  for (int i = 0; i < 1000; ++i) text += "bad line\n";
  IniDocument doc;
  const std::vector<std::string> errs = parse_ini(text, "f", doc).messages();
  ASSERT_EQ(errs.size(), kMaxReportedErrors + 1);
  EXPECT_EQ(errs[0], "f:2: 'bad line': expected key = value");
  EXPECT_EQ(errs[19], "f:21: 'bad line': expected key = value");
  EXPECT_EQ(errs[20], "... and 980 more errors");

  std::vector<std::string> v(21, "x");
  cap_errors(v);
  ASSERT_EQ(v.size(), 21u);
  EXPECT_EQ(v[20], "... and 1 more error");
  std::vector<std::string> w(20, "x");
  cap_errors(w);
  EXPECT_EQ(w.size(), 20u);
}

TEST(Ini, ReadingAndLoadingAreLinear) {
  // One section with 80000 distinct keys, and 60000 sections: quadratic bookkeeping (a list of
  // seen keys or sections) takes minutes here; linear takes milliseconds.
  std::string keys = "[pipeline]\n";
  for (int i = 0; i < 80000; ++i) {
    keys += 'k';
    keys += std::to_string(i);
    keys += " = 1\n";
  }
  std::string sections;
  for (int i = 0; i < 60000; ++i) {
    sections += "[class c";
    sections += std::to_string(i);
    sections += "]\n";
  }
  for (const std::string* text : {&keys, &sections}) {
    const auto start = std::chrono::steady_clock::now();
    IniDocument doc;
    ASSERT_TRUE(parse_ini(*text, "f", doc).ok());
    Profile out;
    const std::vector<std::string> errs = load_profile(doc, default_profile(), out).messages();
    EXPECT_FALSE(errs.empty());  // unknown keys; too many classes
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(s, 5.0) << errs.size() << " errors";
  }
}

}  // namespace
}  // namespace edf
