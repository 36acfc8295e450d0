// Tests for the classifier: port ranges (edges included), DSCP taking precedence over ports, and
// the default class, checked against a naive rule list over every port.
#include "edf/classifier.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

namespace edf {
namespace {

ParsedUdp packet(uint16_t dst_port, uint8_t dscp = 0) {
  ParsedUdp p{};
  p.dst_port = dst_port;
  p.dscp = dscp;
  return p;
}

TEST(Classifier, PortRangesIncludeBothEnds) {
  auto c = std::make_unique<Classifier>(3);
  c->add_port_range(8080, 8081, 0);
  c->add_port_range(8082, 8083, 1);
  c->add_port_range(8084, 8084, 2);
  EXPECT_EQ(c->classify(packet(8079)), 3);
  EXPECT_EQ(c->classify(packet(8080)), 0);
  EXPECT_EQ(c->classify(packet(8081)), 0);
  EXPECT_EQ(c->classify(packet(8082)), 1);
  EXPECT_EQ(c->classify(packet(8083)), 1);
  EXPECT_EQ(c->classify(packet(8084)), 2);
  EXPECT_EQ(c->classify(packet(8085)), 3);
}

TEST(Classifier, ExtremePortsAndFullRange) {
  auto c = std::make_unique<Classifier>(7);
  c->add_port_range(0, 0, 1);
  c->add_port_range(65535, 65535, 2);
  EXPECT_EQ(c->classify(packet(0)), 1);
  EXPECT_EQ(c->classify(packet(1)), 7);
  EXPECT_EQ(c->classify(packet(65534)), 7);
  EXPECT_EQ(c->classify(packet(65535)), 2);
  // A range ending at 65535 must terminate (the loop counter is wider than a port).
  auto all = std::make_unique<Classifier>(7);
  all->add_port_range(0, 65535, 4);
  for (uint32_t p = 0; p < 65536; p += 257) EXPECT_EQ(all->classify(packet(static_cast<uint16_t>(p))), 4);
  EXPECT_EQ(all->classify(packet(65535)), 4);
}

TEST(Classifier, DscpTakesPrecedenceOverPorts) {
  auto c = std::make_unique<Classifier>(3);
  c->add_port_range(8080, 8081, 2);
  c->add_dscp(46, 0);  // EF
  EXPECT_EQ(c->classify(packet(8080, 46)), 0);  // port says 2, DSCP says 0: DSCP wins
  EXPECT_EQ(c->classify(packet(1234, 46)), 0);  // DSCP alone
  EXPECT_EQ(c->classify(packet(8080, 0)), 2);   // unmarked: port rule
  EXPECT_EQ(c->classify(packet(8080, 45)), 2);
  EXPECT_EQ(c->classify(packet(1234, 0)), 3);   // neither: default
}

TEST(Classifier, DefaultClass) {
  auto c = std::make_unique<Classifier>();
  EXPECT_EQ(c->default_class(), 0);
  EXPECT_EQ(c->classify(packet(5000, 12)), 0);
  c->set_default_class(5);
  EXPECT_EQ(c->default_class(), 5);
  EXPECT_EQ(c->classify(packet(5000, 12)), 5);
}

TEST(Classifier, MatchesNaiveRuleListOverEveryPort) {
  // Seeded random non-overlapping rules; the reference scans the rule lists in order.
  struct PortRule {
    uint16_t first, last;
    uint8_t cls;
  };
  std::mt19937 rng(7);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<PortRule> port_rules;
    std::vector<std::pair<uint8_t, uint8_t>> dscp_rules;
    const auto default_class = static_cast<uint8_t>(rng() % kMaxClasses);
    auto c = std::make_unique<Classifier>(default_class);
    uint32_t next = static_cast<uint32_t>(rng() % 1000);
    while (next < 65536) {
      const auto width = static_cast<uint32_t>(rng() % 2000);
      const uint32_t last = std::min<uint32_t>(next + width, 65535);
      const auto cls = static_cast<uint8_t>(rng() % kMaxClasses);
      port_rules.push_back({static_cast<uint16_t>(next), static_cast<uint16_t>(last), cls});
      c->add_port_range(static_cast<uint16_t>(next), static_cast<uint16_t>(last), cls);
      next = last + 1 + static_cast<uint32_t>(rng() % 3000);
    }
    for (uint8_t d = 0; d < 64; ++d)
      if (rng() % 4 == 0) {
        const auto cls = static_cast<uint8_t>(rng() % kMaxClasses);
        dscp_rules.emplace_back(d, cls);
        c->add_dscp(d, cls);
      }
    auto reference = [&](uint16_t port, uint8_t dscp) -> uint8_t {
      for (auto [d, cls] : dscp_rules)
        if (d == dscp) return cls;
      for (const PortRule& r : port_rules)
        if (port >= r.first && port <= r.last) return r.cls;
      return default_class;
    };
    for (uint32_t port = 0; port < 65536; ++port) {
      const auto dscp = static_cast<uint8_t>(rng() % 64);
      const auto p = static_cast<uint16_t>(port);
      ASSERT_EQ(c->classify(packet(p, dscp)), reference(p, dscp)) << "port " << port << " dscp " << int{dscp};
    }
  }
}

}  // namespace
}  // namespace edf
