// Tests for profile: the default profile validates; every kind of bad value is reported as
// "file:line: [section] key = value: why"; cross-checks name both sides of a clash; a failed load
// leaves its output untouched; class sections replace the defaults in file order; and
// profile_to_ini() reads back (through the INI reader, edf/ini.h) to an equal profile, for the
// default, a hand-written one and seeded random valid profiles with long and short lists.
#include "edf/profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "edf/classifier.h"
#include "edf/ini.h"

namespace edf {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

// The document as edfpipe reads a file: through the INI reader (edf/ini.h), which must accept it.
IniDocument split_ini(std::string_view text, std::string path = "test.ini") {
  IniDocument doc;
  const std::vector<std::string> errs = parse_ini(text, path, doc).messages();
  EXPECT_TRUE(errs.empty()) << "the INI reader refused the test document:" << join(errs) << "\n" << text;
  return doc;
}

// A profile that differs from the default everywhere a failed load could have touched it.
Profile sentinel() {
  Profile p = default_profile();
  p.source = "sentinel";
  p.pipeline.burst = 7;
  p.classes.resize(2);
  p.ports.push_back(PortConfig{});
  return p;
}

// Loads `text` over the default profile into a sentinel and checks the failure: exactly
// `n_errors` messages, the first containing every string of `expect`, and the output untouched.
void expect_rejected(std::string_view text, const std::vector<std::string>& expect, size_t n_errors = 1) {
  Profile out = sentinel();
  const std::string before = profile_to_ini(out);
  const std::vector<std::string> errs = load_profile(split_ini(text), default_profile(), out).messages();
  ASSERT_EQ(errs.size(), n_errors) << "for:\n" << text << "\ngot:" << join(errs);
  for (const std::string& s : expect) EXPECT_NE(errs[0].find(s), std::string::npos) << "'" << s << "' missing from: " << errs[0];
  EXPECT_EQ(out.source, "sentinel");
  EXPECT_EQ(profile_to_ini(out), before) << "a failed load changed its output";
}

// Loads `text` over the default profile and expects success.
Profile load_ok(std::string_view text) {
  Profile out;
  const std::vector<std::string> errs = load_profile(split_ini(text), default_profile(), out).messages();
  EXPECT_TRUE(errs.empty()) << join(errs);
  return out;
}

// Field-by-field equality: catches a key that profile_to_ini() forgets to write, which comparing
// two profile_to_ini() strings alone would not.
void expect_same_profile(const Profile& a, const Profile& b) {
  const PipelineConfig &x = a.pipeline, &y = b.pipeline;
  EXPECT_EQ(x.portmask, y.portmask);
  EXPECT_EQ(x.burst, y.burst);
  EXPECT_EQ(x.rxd, y.rxd);
  EXPECT_EQ(x.txd, y.txd);
  EXPECT_EQ(x.mbufs, y.mbufs);
  EXPECT_EQ(x.mbuf_cache, y.mbuf_cache);
  EXPECT_EQ(x.processing, y.processing);
  EXPECT_EQ(x.spin_base_ns, y.spin_base_ns);
  EXPECT_EQ(x.spin_per_byte_ns, y.spin_per_byte_ns);
  EXPECT_EQ(x.edf_slice_us, y.edf_slice_us);
  EXPECT_EQ(x.idle, y.idle);
  EXPECT_EQ(x.idle_polls, y.idle_polls);
  EXPECT_EQ(x.idle_sleep_us, y.idle_sleep_us);
  EXPECT_EQ(x.tx_retry_us, y.tx_retry_us);
  EXPECT_EQ(x.drain_ms, y.drain_ms);
  EXPECT_EQ(x.stats_period_s, y.stats_period_s);
  EXPECT_EQ(x.duration_s, y.duration_s);
  EXPECT_EQ(x.idle_exit_ms, y.idle_exit_ms);
  EXPECT_EQ(a.other_class(), b.other_class());
  ASSERT_EQ(a.stage_settings.size(), b.stage_settings.size());
  for (size_t i = 0; i < a.stage_settings.size(); ++i) {
    EXPECT_EQ(a.stage_settings[i].stage, b.stage_settings[i].stage);
    EXPECT_EQ(a.stage_settings[i].key, b.stage_settings[i].key);
    EXPECT_EQ(a.stage_settings[i].value, b.stage_settings[i].value);
  }  // as it resolves: unset is written as the default class
  EXPECT_EQ(a.lcores.rx, b.lcores.rx);
  EXPECT_EQ(a.lcores.edf, b.lcores.edf);
  EXPECT_EQ(a.lcores.tx, b.lcores.tx);
  ASSERT_EQ(a.udp_port_map.size(), b.udp_port_map.size());
  for (size_t i = 0; i < a.udp_port_map.size(); ++i) {
    EXPECT_EQ(a.udp_port_map[i].in_first, b.udp_port_map[i].in_first);
    EXPECT_EQ(a.udp_port_map[i].in_last, b.udp_port_map[i].in_last);
    EXPECT_EQ(a.udp_port_map[i].out_first, b.udp_port_map[i].out_first);
  }
  ASSERT_EQ(a.classes.size(), b.classes.size());
  for (size_t i = 0; i < a.classes.size(); ++i) {
    const ClassConfig &c = a.classes[i], &d = b.classes[i];
    EXPECT_EQ(c.name, d.name);
    EXPECT_EQ(c.budget_us, d.budget_us) << c.name;
    ASSERT_EQ(c.udp_dst_ports.size(), d.udp_dst_ports.size()) << c.name;
    for (size_t k = 0; k < c.udp_dst_ports.size(); ++k) {
      EXPECT_EQ(c.udp_dst_ports[k].first, d.udp_dst_ports[k].first) << c.name;
      EXPECT_EQ(c.udp_dst_ports[k].last, d.udp_dst_ports[k].last) << c.name;
    }
    EXPECT_EQ(c.dscp, d.dscp) << c.name;
    EXPECT_EQ(c.quantum_bytes, d.quantum_bytes) << c.name;
    EXPECT_EQ(c.rx_ring, d.rx_ring) << c.name;
    EXPECT_EQ(c.tx_ring, d.tx_ring) << c.name;
    EXPECT_EQ(c.expired, d.expired) << c.name;
    EXPECT_EQ(c.is_default, d.is_default) << c.name;
  }
  ASSERT_EQ(a.ports.size(), b.ports.size());
  for (size_t i = 0; i < a.ports.size(); ++i) {
    const PortConfig &c = a.ports[i], &d = b.ports[i];
    EXPECT_EQ(c.port_id, d.port_id);
    EXPECT_EQ(c.rx_queues, d.rx_queues) << c.port_id;
    EXPECT_EQ(c.tx_port, d.tx_port) << c.port_id;
    EXPECT_EQ(c.rate_bps, d.rate_bps) << c.port_id;
    EXPECT_EQ(c.rate_burst_bytes, d.rate_burst_bytes) << c.port_id;
    EXPECT_EQ(c.rx_quantum_bytes, d.rx_quantum_bytes) << c.port_id;
  }
}

// One valid class section, for documents whose point is elsewhere in the file.
constexpr std::string_view kOneClass = "[class only]\nbudget_us = 1000\n";

TEST(Profile, DefaultProfileIsValidAndMatchesThePrototype) {
  const Profile p = default_profile();
  EXPECT_TRUE(validate_profile(p).ok()) << join(validate_profile(p).messages());
  ASSERT_EQ(p.classes.size(), 4u);
  EXPECT_EQ(p.classes[0].name, "high");
  EXPECT_EQ(p.classes[0].budget_us, 1000u);
  EXPECT_EQ(p.classes[1].name, "medium");
  EXPECT_EQ(p.classes[1].budget_us, 10000u);
  EXPECT_EQ(p.classes[2].name, "low");
  EXPECT_EQ(p.classes[2].budget_us, 100000u);
  EXPECT_EQ(p.classes[3].name, "best_effort");
  EXPECT_EQ(p.default_class(), 3u);
  ASSERT_EQ(p.udp_port_map.size(), 1u);
  EXPECT_EQ(p.udp_port_map[0].in_first, 8080);
  EXPECT_EQ(p.udp_port_map[0].in_last, 8085);
  EXPECT_EQ(p.udp_port_map[0].out_first, 9080);
  EXPECT_EQ(p.port(3).port_id, 3);  // a port without settings gets the defaults
  EXPECT_EQ(p.port(3).rx_quantum_bytes, PortConfig{}.rx_quantum_bytes);
}

TEST(Profile, WarnsWhenAClassIsTighterThanOneListedBeforeIt) {
  Profile p = default_profile();
  EXPECT_TRUE(profile_warnings(p).empty()) << join(profile_warnings(p));
  ASSERT_TRUE(apply_setting(p, "class low", "budget_us", "500").ok());  // tighter than high (1000) and medium
  const std::vector<std::string> w = profile_warnings(p);
  ASSERT_EQ(w.size(), 1u) << join(w);
  EXPECT_NE(w[0].find("[class low] budget_us = 500"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("[class high] budget_us = 1000"), std::string::npos) << w[0];
  EXPECT_TRUE(validate_profile(p).ok());  // a warning, not an error
  // Equal budgets are fine; fifo has no class order, so no warning.
  ASSERT_TRUE(apply_setting(p, "class low", "budget_us", "1000").ok());
  ASSERT_TRUE(apply_setting(p, "class medium", "budget_us", "1000").ok());
  EXPECT_TRUE(profile_warnings(p).empty()) << join(profile_warnings(p));
  ASSERT_TRUE(apply_setting(p, "class low", "budget_us", "500").ok());
  ASSERT_TRUE(apply_setting(p, "pipeline", "scheduling", "fifo").ok());
  EXPECT_TRUE(profile_warnings(p).empty());
}

TEST(Profile, EmptyDocumentKeepsTheBase) {
  IniDocument doc;
  doc.path = "empty.ini";
  Profile out;
  ASSERT_TRUE(load_profile(doc, default_profile(), out).ok());
  EXPECT_EQ(profile_to_ini(out), profile_to_ini(default_profile()));
  EXPECT_EQ(out.source, "empty.ini");
}

TEST(Profile, ValuesAreApplied) {
  const Profile p = load_ok(
      "; comment line\n"
      "[pipeline]\n"
      "burst = 64          ; packets\n"
      "portmask = 0x5\n"
      "processing = spin\n"
      "idle = sleep\n"
      "[port 1]\n"
      "rate_bps = 10000000000\n"
      "tx_port = 0\n"
      "[lcores]\n"
      "rx = 1,2\n"
      "edf = 3\n"
      "tx = auto\n");
  EXPECT_EQ(p.pipeline.burst, 64u);
  EXPECT_EQ(p.pipeline.portmask, 5u);
  EXPECT_EQ(p.pipeline.processing, "spin");
  EXPECT_EQ(p.pipeline.idle, IdlePolicy::kSleep);
  EXPECT_EQ(p.port(1).rate_bps, 10'000'000'000u);
  EXPECT_EQ(p.port(1).tx_port, 0);
  EXPECT_EQ(p.lcores.rx, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(p.lcores.edf, std::vector<int32_t>{3});
  EXPECT_EQ(p.lcores.tx, std::vector<int32_t>{kAutoLcore});
  EXPECT_EQ(p.classes.size(), 4u);  // no class sections: the defaults stay
  EXPECT_EQ(p.source, "test.ini");
}

TEST(Profile, OtherTrafficDefaultsToTheDefaultClassAndNamesAClassOrDrop) {
  EXPECT_EQ(default_profile().other_class(), std::optional<size_t>(3));  // best_effort
  EXPECT_NE(profile_to_ini(default_profile()).find("other_traffic = best_effort\n"), std::string::npos);
  EXPECT_EQ(load_ok("[pipeline]\nother_traffic = drop\n").other_class(), std::nullopt);
  EXPECT_EQ(load_ok("[pipeline]\nother_traffic = low\n").other_class(), std::optional<size_t>(2));
  // The name is checked against the classes after the whole file is read: a class defined later counts.
  const Profile p = load_ok("[pipeline]\nother_traffic = ctl\n[class rt]\nbudget_us = 100\nudp_dst_ports = 1\n"
                            "[class ctl]\nbudget_us = 5000\ndefault = yes\n");
  EXPECT_EQ(p.other_class(), std::optional<size_t>(1));
  expect_rejected("[pipeline]\nother_traffic = hihg\n", {"test.ini", "other_traffic = hihg", "no such class"});
  expect_rejected("[pipeline]\nother_traffic = High\n", {"test.ini:2", "other_traffic = High", "expected drop or a class name"});
  expect_rejected("[pipeline]\nother_traffic =\n", {"test.ini:2", "other_traffic", "expected drop or a class name"});
}

TEST(Profile, StageSectionsAreKeptAsWrittenWithWhereAndRoundTrip) {
  const Profile p = load_ok("[pipeline]\nprocessing = crypto\n[stage crypto]\nkey = 00ff\ndirection = encrypt\n"
                            "[stage other]\nx = 1\n");
  EXPECT_EQ(p.pipeline.processing, "crypto");
  ASSERT_EQ(p.stage_settings.size(), 3u);
  EXPECT_EQ(p.stage_settings[0].stage, "crypto");
  EXPECT_EQ(p.stage_settings[0].key, "key");
  EXPECT_EQ(p.stage_settings[0].value, "00ff");
  EXPECT_EQ(p.stage_settings[1].where, "test.ini:5");
  EXPECT_EQ(p.stage_settings[2].stage, "other");
  Profile back;
  ASSERT_TRUE(load_profile(split_ini(profile_to_ini(p)), default_profile(), back).ok());
  ASSERT_EQ(back.stage_settings.size(), 3u);
  EXPECT_EQ(back.stage_settings[1].value, "encrypt");
  EXPECT_EQ(profile_to_ini(back), profile_to_ini(p));
  // A later setting of the same key (the command line) replaces the value.
  Profile q = p;
  ASSERT_TRUE(apply_setting(q, "stage crypto", "direction", "decrypt").ok());
  EXPECT_EQ(q.stage_settings.size(), 3u);
  EXPECT_EQ(q.stage_settings[1].value, "decrypt");
  expect_rejected("[stage Crypto]\nkey = 1\n", {"test.ini:2", "[stage Crypto]", "stage name"});
  expect_rejected("[pipeline]\nprocessing = Spin!\n", {"test.ini:2", "processing = Spin!", "expected a stage name"});
  expect_rejected("[stage crypto]\nkey = 1\nkey = 2\n", {"test.ini:3", "key given twice"});
}

TEST(Profile, UnknownSection) {
  expect_rejected("[pipeline]\nburst = 32\n[pipelin]\nrxd = 512\n",
                  {"test.ini:4", "[pipelin]", "rxd", "512", "unknown section"});
}

TEST(Profile, UnknownKey) {
  expect_rejected("[pipeline]\nbursts = 32\n", {"test.ini:2", "[pipeline]", "bursts", "32", "unknown key"});
  expect_rejected("[lcores]\nworker = 3\n", {"test.ini:2", "[lcores]", "worker", "3", "unknown key"});
  expect_rejected(std::string(kOneClass) + "colour = red\n",
                  {"test.ini:3", "[class only]", "colour", "red", "unknown key"});
}

TEST(Profile, BadNumber) {
  expect_rejected("[pipeline]\nburst = 12x\n", {"test.ini:2", "[pipeline]", "burst = 12x", "not a whole number"});
  expect_rejected("[pipeline]\n\nrxd = -1\n", {"test.ini:3", "[pipeline]", "rxd = -1", "not a whole number"});
  expect_rejected("[port 0]\nrate_bps = 1G\n", {"test.ini:2", "[port 0]", "rate_bps = 1G", "not a whole number"});
}

TEST(Profile, OutOfRangeBurst) {
  expect_rejected("[pipeline]\nburst = 0\n", {"test.ini:2", "[pipeline]", "burst = 0", "out of range 1..256"});
  expect_rejected("[pipeline]\nburst = 1000\n", {"test.ini:2", "[pipeline]", "burst = 1000", "out of range 1..256"});
  expect_rejected("[pipeline]\nburst = 99999999999999999999999\n", {"test.ini:2", "burst", "out of range 1..256"});
}

TEST(Profile, ZeroQuantum) {
  expect_rejected(std::string(kOneClass) + "quantum_bytes = 0\n",
                  {"test.ini:3", "[class only]", "quantum_bytes = 0", "cannot be zero"});
  expect_rejected("[port 2]\nrx_quantum_bytes = 0\n",
                  {"test.ini:2", "[port 2]", "rx_quantum_bytes = 0", "cannot be zero"});
}

TEST(Profile, BadExpiredPolicy) {
  expect_rejected(std::string(kOneClass) + "expired = late\n",
                  {"test.ini:3", "[class only]", "expired = late", "expected deliver or drop"});
}

TEST(Profile, BadPortRange) {
  expect_rejected(std::string(kOneClass) + "udp_dst_ports = 9000-8000\n",
                  {"test.ini:3", "[class only]", "udp_dst_ports = 9000-8000", "ends before it starts"});
  expect_rejected(std::string(kOneClass) + "udp_dst_ports = 8000-70000\n",
                  {"test.ini:3", "udp_dst_ports = 8000-70000", "out of range 0..65535"});
  expect_rejected(std::string(kOneClass) + "udp_dst_ports = 8000,\n", {"test.ini:3", "udp_dst_ports", "empty value"});
}

TEST(Profile, OverlappingPortsBetweenClassesNameBothClasses) {
  expect_rejected(
      "[class alpha]\nbudget_us = 100\nudp_dst_ports = 7000,8000-8010\n"
      "[class beta]\nbudget_us = 200\nudp_dst_ports = 9000,8005\n",
      {"test.ini", "[class alpha]", "8000-8010", "[class beta]", "8005", "overlaps"});
  // Within one class too.
  expect_rejected("[class alpha]\nbudget_us = 100\nudp_dst_ports = 8000-8010,8010-8020\n",
                  {"test.ini", "[class alpha]", "8000-8010", "8010-8020", "overlaps"});
}

TEST(Profile, DuplicateDscpNamesBothClasses) {
  expect_rejected(
      "[class alpha]\nbudget_us = 100\ndscp = 46\n"
      "[class beta]\nbudget_us = 200\ndscp = 10,46\n",
      {"test.ini", "[class alpha]", "[class beta]", "dscp 46"});
  expect_rejected(std::string(kOneClass) + "dscp = 64\n", {"test.ini:3", "dscp = 64", "out of range 0..63"});
}

TEST(Profile, EmptyMisspeltSectionIsReported) {
  expect_rejected("[pipelin]\n", {"test.ini:1", "[pipelin]", "unknown section"});
  expect_rejected("[port 99999]\n", {"test.ini:1", "[port 99999]", "port id"});
}

TEST(Profile, TwoDefaults) {
  expect_rejected(
      "[class alpha]\nbudget_us = 100\ndefault = yes\n"
      "[class beta]\nbudget_us = 200\ndefault = yes\n",
      {"test.ini", "more than one class", "default", "alpha, beta"});
  expect_rejected(std::string(kOneClass) + "default = maybe\n",
                  {"test.ini:3", "default = maybe", "expected yes or no"});
}

TEST(Profile, DuplicateKey) {
  expect_rejected("[pipeline]\nburst = 32\nrxd = 512\nburst = 64\n",
                  {"test.ini:4", "[pipeline]", "burst = 64", "twice"});
}

TEST(Profile, DuplicateSection) {
  expect_rejected("[pipeline]\nburst = 32\n\n[pipeline]\nrxd = 512\n", {"test.ini:4", "[pipeline]", "twice"});
}

TEST(Profile, TooManyClasses) {
  std::string text;
  for (int i = 0; i < 9; ++i) text += "[class c" + std::to_string(i) + "]\nbudget_us = 1000\n";
  // The ninth class is line 17; its key is line 18.
  expect_rejected(text, {"test.ini:18", "[class c8]", "budget_us = 1000", "too many classes", "8"});
  // Eight is fine.
  std::string eight;
  for (int i = 0; i < 8; ++i)
    eight += "[class c" + std::to_string(i) + "]\nbudget_us = 1000\nudp_dst_ports = " + std::to_string(1000 + i) + "\n";
  EXPECT_EQ(load_ok(eight).classes.size(), 8u);
}

TEST(Profile, UnreachableClassIsRefused) {
  // A class with no rule that is not the default receives nothing: a misspelt --set name, usually.
  expect_rejected("[class a]\nbudget_us = 100\nudp_dst_ports = 80\n[class b]\nbudget_us = 100\n"
                  "[class c]\nbudget_us = 100\ndefault = yes\n",
                  {"test.ini", "[class b]", "no packet can reach it"});
  // The last class is the default when none says so: it needs no rule.
  EXPECT_EQ(load_ok("[class a]\nbudget_us = 100\nudp_dst_ports = 80\n[class b]\nbudget_us = 100\n").default_class(), 1u);
}

TEST(Profile, BadClassName) {
  expect_rejected("[class High]\nbudget_us = 1000\n", {"test.ini:2", "[class High]", "budget_us", "class name 'High'"});
  expect_rejected("[class a.b]\nbudget_us = 1000\n", {"test.ini:2", "[class a.b]", "class name 'a.b'"});
  // Also for a class section with no keys at all.
  expect_rejected("[class Bad!]\n", {"test.ini:1", "[class Bad!]", "class name"});
  expect_rejected(std::string(kOneClass) + "[class seventeen_chars_x]\nbudget_us = 1\n",
                  {"test.ini:4", "must be 1-16 characters"});
  expect_rejected("[class with-dash]\nbudget_us = 1000\n", {"test.ini:2", "class name 'with-dash'"});
  EXPECT_EQ(load_ok("[class sixteen_chars_xy]\nbudget_us = 1000\n").classes[0].name, "sixteen_chars_xy");
}

TEST(Profile, PortmaskIsHexWithOrWithoutPrefix) {
  EXPECT_EQ(load_ok("[pipeline]\nportmask = 10\n").pipeline.portmask, 0x10u);
  EXPECT_EQ(load_ok("[pipeline]\nportmask = ff\n").pipeline.portmask, 0xffu);
  EXPECT_EQ(load_ok("[pipeline]\nportmask = 0x3\n").pipeline.portmask, 0x3u);
  expect_rejected("[pipeline]\nportmask = 0xg\n", {"test.ini:2", "portmask = 0xg", "hexadecimal"});
}

TEST(Profile, BadLcore) {
  expect_rejected("[lcores]\nedf = x\n", {"test.ini:2", "[lcores]", "edf = x", "lcore 'x'"});
  expect_rejected("[lcores]\nrx = 1,x\n", {"test.ini:2", "[lcores]", "rx = 1,x", "lcore 'x'"});
  expect_rejected("[lcores]\nrx = 1,1\n", {"test.ini:2", "rx = 1,1", "twice"});
  expect_rejected("[lcores]\ntx = 1024\n", {"test.ini:2", "tx = 1024", "out of range 0..1023"});
  expect_rejected("[lcores]\nedf = 2,3,2\n", {"test.ini:2", "[lcores] edf = 2,3,2: lcore 2 listed twice"});
  expect_rejected("[lcores]\ntx = auto,auto\n", {"test.ini:2", "tx = auto,auto: lcore auto listed twice"});
  expect_rejected("[lcores]\nedf = auto,1\n", {"test.ini:2", "edf = auto,1: auto cannot be mixed with lcore ids"});
  expect_rejected("[lcores]\ntx = \n", {"test.ini:2", "empty list"});
}

TEST(Profile, LcoreListsHaveALimitPerRole) {
  // Eight per role; one lcore may hold every role (a 2-CPU machine).
  const Profile p = load_ok("[lcores]\nrx = 1,2,3,4,5,6,7,8\nedf = 8,7,6,5,4,3,2,1\ntx = 1,2,3,4,5,6,7,8\n");
  EXPECT_EQ(p.lcores.rx.size(), kMaxRxLcores);
  EXPECT_EQ(p.lcores.edf, (std::vector<int32_t>{8, 7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(p.lcores.tx.size(), kMaxTxLcores);
  expect_rejected("[lcores]\nrx = 1,2,3,4,5,6,7,8,9\n",
                  {"test.ini:2: [lcores] rx = 1,2,3,4,5,6,7,8,9: 9 lcores listed, at most 8 RX lcores"});
  expect_rejected("[lcores]\nedf = 0,1,2,3,4,5,6,7,8\n", {"test.ini:2", "9 lcores listed, at most 8 EDF workers"});
  expect_rejected("[lcores]\ntx = 0,1,2,3,4,5,6,7,8,9\n", {"test.ini:2", "10 lcores listed, at most 8 TX lcores"});
  // The command line: the same check through apply_setting.
  Profile q = default_profile();
  EXPECT_EQ(apply_setting(q, "lcores", "edf", "1,2,3,4,5,6,7,8,9").messages(),
            std::vector<std::string>{"9 lcores listed, at most 8 EDF workers"});
  // A Profile built in code is checked by validate_profile.
  q.lcores.tx = {1, 1};
  q.lcores.edf = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(validate_profile(q).messages(), (std::vector<std::string>{
                                     "[lcores] edf = 0,1,2,3,4,5,6,7,8: 9 lcores listed, at most 8 EDF workers",
                                     "[lcores] tx = 1,1: lcore 1 listed twice"}));
}

TEST(Profile, MissingBudget) {
  expect_rejected("[class alpha]\ndscp = 46\n", {"test.ini", "[class alpha]", "budget_us"});
}

TEST(Profile, EveryProblemIsReportedAtOnce) {
  Profile out = sentinel();
  const auto errs = load_profile(
      split_ini("[pipeline]\nburst = 0\nrxd = 12x\n[lcores]\nedf = x\n[class a]\nbudget_us = 1\nrx_ring = 1\n"), default_profile(),
      out).messages();
  ASSERT_EQ(errs.size(), 4u) << join(errs);
  EXPECT_NE(errs[0].find("test.ini:2"), std::string::npos) << errs[0];
  EXPECT_NE(errs[1].find("test.ini:3"), std::string::npos) << errs[1];
  EXPECT_NE(errs[2].find("test.ini:5"), std::string::npos) << errs[2];
  EXPECT_NE(errs[3].find("test.ini:8"), std::string::npos) << errs[3];
  EXPECT_EQ(out.source, "sentinel");
}

TEST(Profile, FailedLoadLeavesOutputUntouchedEvenAfterValidKeys) {
  // Every key but the last is valid and would change the profile; none of it may land.
  expect_rejected(
      "[pipeline]\nburst = 64\nrxd = 2048\n[fwd]\nudp_port_map = none\n"
      "[class zeta]\nbudget_us = 5\n[port 0]\nrate_bps = 1000\n[lcores]\nedf = nope\n",
      {"test.ini:11", "edf = nope"});
}

TEST(Profile, ClassSectionsReplaceTheDefaultsInFileOrder) {
  const Profile p = load_ok(
      "[class zeta]\nbudget_us = 50\nudp_dst_ports = 5000-5001\n"
      "[class alpha]\nbudget_us = 10\ndscp = 46\nexpired = drop\n"
      "[class mid]\nbudget_us = 500\ndefault = yes\nquantum_bytes = 9000\n");
  ASSERT_EQ(p.classes.size(), 3u);
  EXPECT_EQ(p.classes[0].name, "zeta");
  EXPECT_EQ(p.classes[1].name, "alpha");
  EXPECT_EQ(p.classes[2].name, "mid");
  EXPECT_EQ(p.classes[0].budget_us, 50u);
  ASSERT_EQ(p.classes[0].udp_dst_ports.size(), 1u);
  EXPECT_EQ(p.classes[0].udp_dst_ports[0].first, 5000);
  EXPECT_EQ(p.classes[0].udp_dst_ports[0].last, 5001);
  EXPECT_EQ(p.classes[1].dscp, std::vector<uint8_t>{46});
  EXPECT_EQ(p.classes[1].expired, ExpiredPolicy::kDrop);
  EXPECT_EQ(p.classes[2].quantum_bytes, 9000u);
  EXPECT_EQ(p.default_class(), 2u);
  // Keys not given keep the class defaults.
  EXPECT_EQ(p.classes[0].quantum_bytes, 4096u);
  EXPECT_EQ(p.classes[0].rx_ring, 1024u);
  EXPECT_FALSE(p.classes[0].is_default);
}

TEST(Profile, ApplySettingCreatesClassesAndPorts) {
  Profile p = default_profile();
  EXPECT_TRUE(apply_setting(p, "class high", "budget_us", "2000").ok());
  EXPECT_EQ(p.classes[0].budget_us, 2000u);
  EXPECT_TRUE(apply_setting(p, " class extra ", " budget_us ", " 7 ").ok());  // trimmed like the file
  ASSERT_EQ(p.classes.size(), 5u);
  EXPECT_EQ(p.classes[4].name, "extra");
  EXPECT_EQ(p.classes[4].budget_us, 7u);
  EXPECT_TRUE(apply_setting(p, "port 5", "rx_queues", "4").ok());
  EXPECT_EQ(p.port(5).rx_queues, 4);
  const Status e = apply_setting(p, "port 5000", "rx_queues", "4");
  ASSERT_EQ(e.messages().size(), 1u);
  EXPECT_NE(e.message().find("port id"), std::string::npos) << e.message();
  EXPECT_FALSE(apply_setting(p, "pipeline", "burst", "0").ok());
  EXPECT_EQ(p.pipeline.burst, 32u);  // a refused value is not applied
}

TEST(Profile, PortMapParsing) {
  Profile p = load_ok("[fwd]\nudp_port_map = 1000-1009:2000, 3000:4000-4000\n");
  ASSERT_EQ(p.udp_port_map.size(), 2u);
  EXPECT_EQ(p.udp_port_map[0].in_first, 1000);
  EXPECT_EQ(p.udp_port_map[0].in_last, 1009);
  EXPECT_EQ(p.udp_port_map[0].out_first, 2000);
  EXPECT_EQ(p.udp_port_map[1].in_first, 3000);
  EXPECT_EQ(p.udp_port_map[1].out_first, 4000);
  expect_rejected("[fwd]\nudp_port_map = 1000-1009:2000-2001\n", {"test.ini:2", "differ in width"});
  expect_rejected("[fwd]\nudp_port_map = 65000-65535:65500\n", {"test.ini:2", "past port 65535"});
  expect_rejected("[fwd]\nudp_port_map = 1000\n", {"test.ini:2", "expected IN_FIRST"});
  expect_rejected("[fwd]\nudp_port_map = 1000-1010:1,1005:7\n", {"test.ini", "1000-1010", "1005", "overlap"});
}

TEST(Profile, RoundTripOfTheDefaultProfile) {
  const std::string ini = profile_to_ini(default_profile());
  Profile back;
  const std::vector<std::string> errs = load_profile(split_ini(ini, "roundtrip.ini"), default_profile(), back).messages();
  ASSERT_TRUE(errs.empty()) << join(errs) << "\n" << ini;
  EXPECT_EQ(profile_to_ini(back), ini);
  expect_same_profile(back, default_profile());
}

TEST(Profile, RoundTripOfACustomProfile) {
  const Profile custom = load_ok(
      "[pipeline]\n"
      "portmask = 0xf0\nburst = 128\nrxd = 4096\ntxd = 512\nmbufs = 65535\nmbuf_cache = 512\n"
      "processing = spin\nspin_base_ns = 5\nspin_per_byte_ns = 0\nedf_slice_us = 7\nidle = spin\n"
      "idle_polls = 9\nidle_sleep_us = 11\ntx_retry_us = 0\ndrain_ms = 60000\nstats_period_s = 1\n"
      "duration_s = 30\nidle_exit_ms = 250\n"
      "[lcores]\nrx = 4,2,9\nedf = 0, 5,1\ntx = 1023,3\n"
      "[fwd]\nudp_port_map = 8080-8080:9080, 100-199:65000\n"
      "[class voice]\nbudget_us = 200\nudp_dst_ports = 5060,16384-32767\ndscp = 46,34\n"
      "quantum_bytes = 64\nrx_ring = 64\ntx_ring = 1048576\nexpired = drop\n"
      "[class bulk]\nbudget_us = 60000000\nudp_dst_ports = none\ndscp = none\ndefault = yes\n"
      "[port 3]\nrx_queues = 16\ntx_port = 1\nrate_bps = 400000000000\nrate_burst_bytes = 2048\n"
      "rx_quantum_bytes = 16777216\n"
      "[port 0]\ntx_port = same\n");
  const std::string ini = profile_to_ini(custom);
  Profile back;
  const std::vector<std::string> errs = load_profile(split_ini(ini, "roundtrip.ini"), default_profile(), back).messages();
  ASSERT_TRUE(errs.empty()) << join(errs) << "\n" << ini;
  EXPECT_EQ(profile_to_ini(back), ini);
  expect_same_profile(back, custom);
  // Spot checks that the text really carried the values (not two equal defaults).
  EXPECT_EQ(back.pipeline.portmask, 0xf0u);
  EXPECT_EQ(back.pipeline.processing, "spin");
  EXPECT_EQ(back.lcores.rx, (std::vector<int32_t>{4, 2, 9}));
  EXPECT_EQ(back.lcores.edf, (std::vector<int32_t>{0, 5, 1}));
  EXPECT_EQ(back.lcores.tx, (std::vector<int32_t>{1023, 3}));
  ASSERT_EQ(back.classes.size(), 2u);
  EXPECT_EQ(back.classes[0].dscp, (std::vector<uint8_t>{46, 34}));
  EXPECT_EQ(back.classes[0].udp_dst_ports.size(), 2u);
  EXPECT_EQ(back.classes[0].expired, ExpiredPolicy::kDrop);
  EXPECT_TRUE(back.classes[1].is_default);
  EXPECT_EQ(back.port(3).rate_bps, 400'000'000'000u);
  EXPECT_EQ(back.port(3).tx_port, 1);
  EXPECT_EQ(back.port(0).tx_port, -1);
  ASSERT_EQ(back.udp_port_map.size(), 2u);
  EXPECT_EQ(back.udp_port_map[1].out_first, 65000);
  // And loading it over a different base changes nothing either: every key is written.
  Profile other_base = default_profile();
  other_base.pipeline.burst = 1;
  other_base.lcores.edf = {77};
  Profile back2;
  ASSERT_TRUE(load_profile(split_ini(ini), other_base, back2).ok());
  EXPECT_EQ(profile_to_ini(back2), ini);
}

TEST(Profile, SectionNamesAreTakenAsWritten) {
  // Outer spaces are trimmed (the command line: --set ' class high .budget_us=1'); inner ones are
  // part of the name, so a look-alike never reaches an existing class or port.
  Profile p = default_profile();
  EXPECT_TRUE(apply_setting(p, " class high ", "budget_us", "7").ok());
  EXPECT_EQ(p.classes[0].budget_us, 7u);
  EXPECT_EQ(apply_setting(p, "class  high", "budget_us", "8").messages(),
            std::vector<std::string>{"class name ' high' must be 1-16 characters of a-z, 0-9 or _"});
  EXPECT_TRUE(apply_setting(p, "class high\t", "budget_us", "8").ok());  // outer tab: trimmed
  EXPECT_FALSE(apply_setting(p, "class\thigh", "budget_us", "8").ok());
  EXPECT_EQ(apply_setting(p, "port 007", "rx_queues", "2").messages(),
            std::vector<std::string>{"section [port 007]: port id '007': write it without leading zeros"});
  EXPECT_FALSE(apply_setting(p, "port  7", "rx_queues", "2").ok());
  EXPECT_TRUE(apply_setting(p, "port 0", "rx_queues", "2").ok());
  EXPECT_TRUE(apply_setting(p, "port 70", "rx_queues", "2").ok());
  EXPECT_EQ(p.classes[0].budget_us, 8u);
  EXPECT_EQ(p.classes.size(), 4u);
  EXPECT_EQ(p.ports.size(), 2u);
}

TEST(Profile, ListsUpToTheLimitRoundTrip) {
  // 666 five-digit ports and one four-digit port: exactly kMaxListChars as written back.
  std::string at_limit = "1000";
  for (int i = 0; i < 666; ++i) {
    at_limit += ',';
    at_limit += std::to_string(10000 + i);
  }
  ASSERT_EQ(at_limit.size(), kMaxListChars);
  const Profile p = load_ok("[class a]\nbudget_us = 1\nudp_dst_ports = " + at_limit + "\n[class b]\nbudget_us = 2\n");
  ASSERT_EQ(p.classes[0].udp_dst_ports.size(), 667u);
  EXPECT_EQ(p.classes[0].udp_dst_ports[0].first, 1000);
  EXPECT_EQ(p.classes[0].udp_dst_ports[666].first, 10665);
  const std::string ini = profile_to_ini(p);
  Profile back;
  ASSERT_TRUE(load_profile(split_ini(ini), default_profile(), back).ok());
  expect_same_profile(back, p);
  // One character more is refused, from a file and from the command line alike.
  const std::string over = "10000" + at_limit.substr(4);
  expect_rejected("[class a]\nbudget_us = 1\nudp_dst_ports = " + over + "\n",
                  {"test.ini:3", "list too long: 4001 characters as --dump-profile writes it, at most 4000"});
  Profile q = default_profile();
  EXPECT_EQ(apply_setting(q, "class high", "udp_dst_ports", over).messages(),
            std::vector<std::string>{"list too long: 4001 characters as --dump-profile writes it, at most 4000"});
  // What counts is the list as written back: "5:6" is written "5-5:6-6".
  std::string map;
  for (int i = 0; map.size() < 2100; ++i) {
    if (i) map += ',';
    map += std::to_string(1000 + i);
    map += ':';
    map += std::to_string(20000 + i);
  }
  ASSERT_LT(map.size(), kMaxListChars);
  const Status m = apply_setting(q, "fwd", "udp_port_map", map);
  ASSERT_EQ(m.messages().size(), 1u);
  EXPECT_NE(m.message().find("list too long"), std::string::npos) << m.message();
}

TEST(Profile, OverlapChecksStayLinearInTheirMessages) {
  // 1300 copies of one port in two classes: one message per copy that overlaps an earlier one
  // (2599), not one per pair (over three million).
  std::string same = "80";
  for (int i = 0; i < 1299; ++i) same += ",80";
  Profile p = default_profile();
  ASSERT_TRUE(apply_setting(p, "class high", "udp_dst_ports", same).ok());
  ASSERT_TRUE(apply_setting(p, "class medium", "udp_dst_ports", same).ok());
  const std::vector<std::string> errs = validate_profile(p).messages();
  EXPECT_EQ(errs.size(), 2599u);
  EXPECT_EQ(errs[0], "[class high] udp_dst_ports 80 overlaps [class medium] udp_dst_ports 80");
  EXPECT_EQ(errs.back(), "[class high] udp_dst_ports 80 overlaps 80");
  // A DSCP value two classes share is one message, however often it is listed.
  Profile q = default_profile();
  ASSERT_TRUE(apply_setting(q, "class high", "dscp", "46,46,46,10").ok());
  ASSERT_TRUE(apply_setting(q, "class low", "dscp", "46,46,10").ok());
  EXPECT_EQ(validate_profile(q).messages(), (std::vector<std::string>{"[class high] and [class low] both claim dscp 46",
                                                          "[class high] and [class low] both claim dscp 10"}));
}

// A random valid profile: every field in its range, names and lists that validate (disjoint port
// ranges and DSCP values across classes, one default at most, every class reachable), lists short
// and long (up to about 3000 characters), in random order.
class ProfileGenerator {
 public:
  explicit ProfileGenerator(uint64_t seed) : rng_(seed) {}

  Profile next() {
    Profile p;
    PipelineConfig& c = p.pipeline;
    c.portmask = pick(0, 9) == 0 ? 0 : rng_();
    c.burst = u32(1, 256);
    c.rxd = static_cast<uint16_t>(u32(64, 16384));
    c.txd = static_cast<uint16_t>(u32(64, 16384));
    c.mbufs = pick(0, 1) ? u32(1024, 16777215) : u32(1024, 70000);
    c.mbuf_cache = u32(0, std::min<uint32_t>(512, c.mbufs / 4));
    c.scheduling = static_cast<Scheduling>(pick(0, static_cast<uint32_t>(kPolicyNames.size() - 1)));  // every policy
    c.processing = pick(0, 1) ? "fwd" : "spin";
    c.spin_base_ns = u32(0, 100000000);
    c.spin_per_byte_ns = u32(0, 1000000);
    c.edf_slice_us = u32(1, 1000000);
    c.idle = static_cast<IdlePolicy>(pick(0, 2));
    c.idle_polls = u32(1, 1000000000);
    c.idle_sleep_us = u32(1, 1000000);
    c.tx_retry_us = u32(0, 1000000);
    c.drain_ms = u32(0, 60000);
    c.stats_period_s = u32(0, 86400);
    c.duration_s = u32(0, 31536000);
    c.idle_exit_ms = u32(0, 86400000);

    if (pick(0, 3) == 0) {
      p.lcores.rx = {kAutoLcore};
    } else {
      p.lcores.rx.clear();
      for (uint32_t id : distinct(pick(1, static_cast<uint32_t>(kMaxRxLcores)), 1024)) p.lcores.rx.push_back(static_cast<int32_t>(id));
    }
    // edf and tx: auto, or up to the limit of distinct ids, often sharing ids with rx.
    for (auto [list, max] : {std::pair{&p.lcores.edf, kMaxWorkers}, std::pair{&p.lcores.tx, kMaxTxLcores}}) {
      if (pick(0, 2) == 0) {
        *list = {kAutoLcore};
        continue;
      }
      list->clear();
      const std::vector<int32_t>& rx = p.lcores.rx;
      if (pick(0, 1) && rx.front() != kAutoLcore) {  // the RX lcores again, in another order
        for (uint32_t i : distinct(pick(1, static_cast<uint32_t>(rx.size())), static_cast<uint32_t>(rx.size()))) list->push_back(rx[i]);
        continue;
      }
      for (uint32_t id : distinct(pick(1, static_cast<uint32_t>(max)), 1024)) list->push_back(static_cast<int32_t>(id));
    }

    // Port map: disjoint input ranges, outputs within 0..65535.
    for (const PortRange& in : disjoint_ranges(pick(0, 3) == 0 ? pick(50, 150) : pick(0, 4))) {
      const uint32_t width = in.last - in.first;
      p.udp_port_map.push_back({in.first, in.last, static_cast<uint16_t>(pick(0, 65535 - width))});
    }

    // Classes: unique names; port ranges and DSCP values dealt from disjoint pools.
    const size_t n_classes = pick(1, kMaxClasses);
    std::set<std::string> names;
    while (names.size() < n_classes) names.insert(name());
    std::vector<std::string> order(names.begin(), names.end());
    std::shuffle(order.begin(), order.end(), rng_);
    std::vector<PortRange> pool = disjoint_ranges(pick(0, 2) == 0 ? pick(300, 600) : pick(static_cast<uint32_t>(n_classes), 40));
    std::vector<uint32_t> dscp_pool = distinct(pick(0, 64), 64);
    size_t next_range = 0, next_dscp = 0;
    const int default_at = static_cast<int>(pick(0, static_cast<uint32_t>(n_classes))) - 1;  // -1: none says so
    for (size_t i = 0; i < n_classes; ++i) {
      ClassConfig k;
      k.name = order[i];
      k.budget_us = u32(1, 60000000);
      k.quantum_bytes = u32(64, 16777216);
      k.rx_ring = u32(64, 1048576);
      k.tx_ring = u32(64, 1048576);
      k.expired = pick(0, 1) ? ExpiredPolicy::kDeliver : ExpiredPolicy::kDrop;
      k.is_default = static_cast<int>(i) == default_at;
      // The last class takes what is left of the pools (up to the list limit).
      const size_t n_ranges = i + 1 == n_classes ? pool.size() - next_range : pick(0, static_cast<uint32_t>((pool.size() - next_range) / 2));
      size_t text = 0;
      for (size_t r = 0; r < n_ranges && next_range < pool.size(); ++r, ++next_range) {
        text += std::to_string(pool[next_range].first).size() + 7;  // at most "-65535,"
        if (text > 3000) break;
        k.udp_dst_ports.push_back(pool[next_range]);
      }
      const size_t n_dscp = i + 1 == n_classes ? dscp_pool.size() - next_dscp : pick(0, static_cast<uint32_t>((dscp_pool.size() - next_dscp) / 2));
      for (size_t d = 0; d < n_dscp; ++d) {
        k.dscp.push_back(static_cast<uint8_t>(dscp_pool[next_dscp++]));
        if (pick(0, 9) == 0) k.dscp.push_back(k.dscp.back());  // listed twice in one class: allowed
      }
      std::shuffle(k.udp_dst_ports.begin(), k.udp_dst_ports.end(), rng_);
      p.classes.push_back(std::move(k));
    }
    // Every class but the default one needs a rule: give a bare class a port the pool never used.
    for (size_t i = 0; i < p.classes.size(); ++i)
      if (i != p.default_class() && p.classes[i].udp_dst_ports.empty() && p.classes[i].dscp.empty())
        p.classes[i].udp_dst_ports.push_back({static_cast<uint16_t>(i), static_cast<uint16_t>(i)});

    for (uint32_t id : distinct(pick(0, 3) == 0 ? pick(20, 120) : pick(0, 3), 1024)) {
      PortConfig q;
      q.port_id = static_cast<uint16_t>(id);
      q.rx_queues = static_cast<uint16_t>(pick(1, 16));
      q.tx_port = pick(0, 1) ? -1 : static_cast<int32_t>(pick(0, 1023));
      q.rate_bps = pick(0, 1) ? 0 : std::uniform_int_distribution<uint64_t>(0, 400000000000ull)(rng_);
      q.rate_burst_bytes = u32(2048, 16777216);
      q.rx_quantum_bytes = u32(64, 16777216);
      p.ports.push_back(q);
    }
    return p;
  }

 private:
  uint32_t pick(uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(rng_); }
  uint32_t u32(uint32_t lo, uint32_t hi) {
    // Often an end of the range: off-by-one bugs live there.
    switch (pick(0, 5)) {
      case 0: return lo;
      case 1: return hi;
      default: return pick(lo, hi);
    }
  }
  // n distinct values of 0..bound-1, in random order.
  std::vector<uint32_t> distinct(size_t n, uint32_t bound) {
    std::vector<uint32_t> all(bound);
    std::iota(all.begin(), all.end(), 0u);
    std::shuffle(all.begin(), all.end(), rng_);
    all.resize(std::min<size_t>(n, bound));
    return all;
  }
  // n disjoint port ranges above 16 (ports below are kept for bare classes), single ports and
  // ranges mixed, in random order.
  std::vector<PortRange> disjoint_ranges(size_t n) {
    std::vector<uint32_t> cuts = distinct(2 * n, 65536 - 16);
    for (uint32_t& x : cuts) x += 16;
    std::sort(cuts.begin(), cuts.end());
    std::vector<PortRange> out;
    for (size_t i = 0; i + 1 < cuts.size(); i += 2) {
      const bool single = pick(0, 2) != 0;
      out.push_back({static_cast<uint16_t>(cuts[i]), static_cast<uint16_t>(single ? cuts[i] : cuts[i + 1])});
    }
    std::shuffle(out.begin(), out.end(), rng_);
    return out;
  }
  std::string name() {
    static constexpr std::string_view kChars = "abcdefghijklmnopqrstuvwxyz0123456789_";
    std::string s(pick(1, kMaxClassNameLen), 'a');
    for (char& ch : s) ch = kChars[pick(0, static_cast<uint32_t>(kChars.size() - 1))];
    return s;
  }

  std::mt19937_64 rng_;
};

TEST(Profile, RandomValidProfilesRoundTripThroughTheReader) {
  size_t long_lists = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    ProfileGenerator gen(seed);
    const Profile p = gen.next();
    ASSERT_TRUE(validate_profile(p).ok()) << "the generator made an invalid profile:" << join(validate_profile(p).messages());
    const std::string ini = profile_to_ini(p);
    IniDocument doc;
    const std::vector<std::string> read = parse_ini(ini, "dump.ini", doc).messages();
    ASSERT_TRUE(read.empty()) << join(read);
    Profile back;
    const std::vector<std::string> errs = load_profile(doc, default_profile(), back).messages();
    ASSERT_TRUE(errs.empty()) << join(errs);
    expect_same_profile(back, p);
    EXPECT_EQ(profile_to_ini(back), ini);
    for (const ClassConfig& k : p.classes) long_lists += k.udp_dst_ports.size() > 100;
  }
  EXPECT_GT(long_lists, 50u) << "the generator should exercise lists far beyond rte_cfgfile's 255 characters";
}

TEST(Profile, EnumNames) {
  EXPECT_EQ(to_string(ExpiredPolicy::kDrop), "drop");
  EXPECT_EQ(to_string(ExpiredPolicy::kDeliver), "deliver");
  EXPECT_EQ(to_string(IdlePolicy::kSpin), "spin");
  EXPECT_EQ(to_string(IdlePolicy::kYield), "yield");
  EXPECT_EQ(to_string(IdlePolicy::kSleep), "sleep");
}

}  // namespace
}  // namespace edf
