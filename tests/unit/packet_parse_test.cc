// Tests for packet_parse: every valid shape is accepted with the right offsets, and every malformed
// frame, built from a valid one by changing exactly one thing, is refused with its own DropReason.
#include "edf/packet_parse.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "frame_builder.h"

namespace edf {
namespace {

using test::build_frame;
using test::Frame;
using test::FrameSpec;
using test::build_frame6;
using test::Frame6Spec;

// Parses a copy of exactly `len` bytes, so a read past `len` is a read past the allocation.
ParseResult parse_prefix(const std::vector<uint8_t>& frame, size_t len, size_t frame_len) {
  std::vector<uint8_t> copy(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
  return parse_frame(copy.data(), copy.size(), frame_len);
}

ParseResult parse_all(const std::vector<uint8_t>& frame) {
  return parse_prefix(frame, frame.size(), frame.size());
}

ParseResult parse_spec(const FrameSpec& s) { return parse_all(build_frame(s).bytes); }

// gtest prints the reason by name when a DropReason comparison fails.
std::string reason_of(const ParseResult& r) {
  return r.ok ? std::string("ok") : std::string(drop_reason_name(r.reason));
}

std::string name(DropReason r) { return std::string(drop_reason_name(r)); }

TEST(PacketParse, ValidUntaggedFrame) {
  FrameSpec s;
  s.dst_port = 8081;
  s.dscp = 46;
  s.payload_len = 100;
  const Frame f = build_frame(s);
  const ParseResult r = parse_all(f.bytes);
  ASSERT_TRUE(r.ok) << reason_of(r);
  EXPECT_EQ(r.udp.l3_offset, 14);
  EXPECT_EQ(r.udp.l4_offset, 34);
  EXPECT_EQ(r.udp.dst_port, 8081);
  EXPECT_EQ(r.udp.payload_len, 100);
  EXPECT_EQ(r.udp.dscp, 46);
}

TEST(PacketParse, ValidVlanTaggedFrame) {
  FrameSpec s;
  s.vlan_tpid = 0x8100;
  s.dst_port = 9999;
  s.dscp = 10;
  s.payload_len = 0;
  const ParseResult r = parse_spec(s);
  ASSERT_TRUE(r.ok) << reason_of(r);
  EXPECT_EQ(r.udp.l3_offset, 18);
  EXPECT_EQ(r.udp.l4_offset, 38);
  EXPECT_EQ(r.udp.dst_port, 9999);
  EXPECT_EQ(r.udp.payload_len, 0);
  EXPECT_EQ(r.udp.dscp, 10);
}

TEST(PacketParse, EthernetPaddingAfterIpv4IsAccepted) {
  // A 1-byte payload makes a 43-byte frame; Ethernet pads it to 60 bytes.
  FrameSpec s;
  s.payload_len = 1;
  s.ethernet_padding = 17;
  const Frame f = build_frame(s);
  ASSERT_EQ(f.bytes.size(), 60u);
  const ParseResult r = parse_all(f.bytes);
  ASSERT_TRUE(r.ok) << reason_of(r);
  EXPECT_EQ(r.udp.payload_len, 1);
}

TEST(PacketParse, DontFragmentBitIsAccepted) {
  FrameSpec s;
  s.frag = 0x4000;
  EXPECT_TRUE(parse_spec(s).ok);
}

TEST(PacketParse, Ipv4OptionsAreAcceptedForEveryIhl) {
  for (uint8_t ihl = 5; ihl <= 15; ++ihl) {
    for (bool vlan : {false, true}) {
      FrameSpec s;
      s.ihl_words = ihl;
      if (vlan) s.vlan_tpid = 0x8100;
      const ParseResult r = parse_spec(s);
      ASSERT_TRUE(r.ok) << "ihl " << int{ihl} << " vlan " << vlan << ": " << reason_of(r);
      const size_t l3 = vlan ? 18 : 14;
      EXPECT_EQ(r.udp.l3_offset, l3);
      EXPECT_EQ(r.udp.l4_offset, l3 + ihl * 4u);
      EXPECT_EQ(r.udp.payload_len, s.payload_len);
    }
  }
  // The longest header fits exactly in kMaxHeaderBytes.
  FrameSpec s;
  s.vlan_tpid = 0x8100;
  s.ihl_words = 15;
  s.payload_len = 0;
  const Frame f = build_frame(s);
  ASSERT_EQ(f.bytes.size(), kMaxHeaderBytes);
  EXPECT_TRUE(parse_all(f.bytes).ok);
}

TEST(PacketParse, Runt) {
  const Frame f = build_frame(FrameSpec{});
  for (size_t len = 0; len < 14; ++len)
    EXPECT_EQ(name(parse_prefix(f.bytes, len, len).reason), "runt") << len;
  // A VLAN TPID with the tag (and the inner EtherType) cut off.
  FrameSpec s;
  s.vlan_tpid = 0x8100;
  const Frame tagged = build_frame(s);
  for (size_t len = 14; len < 18; ++len) {
    const ParseResult r = parse_prefix(tagged.bytes, len, len);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(name(r.reason), "runt") << len;
  }
}

TEST(PacketParse, NotIpIsOtherTraffic) {
  const std::vector<std::pair<uint16_t, FrameKind>> cases = {
      {0x0806, FrameKind::kArp}, {0x88cc, FrameKind::kLldp}, {0x88a8, FrameKind::kOther}, {0x0000, FrameKind::kOther}};
  for (const auto& [ethertype, kind] : cases) {
    FrameSpec s;
    s.ethertype = ethertype;
    const ParseResult r = parse_spec(s);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.other) << std::hex << ethertype;
    EXPECT_EQ(name(r.reason), "not_ip") << std::hex << ethertype;
    EXPECT_EQ(r.kind, kind) << std::hex << ethertype;
    EXPECT_EQ(r.udp.ip_version, 0);
    EXPECT_EQ(r.udp.l4_offset, 0);
  }
  // QinQ: 0x8100 inside 0x8100, and an 802.1ad outer tag (0x88a8) with IPv4 behind it.
  for (uint16_t outer : {uint16_t{0x8100}, uint16_t{0x88a8}}) {
    FrameSpec s;
    s.vlan_tpid = outer;
    s.ethertype = outer == 0x8100 ? 0x8100 : 0x0800;
    const ParseResult r = parse_spec(s);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.other);
    EXPECT_EQ(name(r.reason), "not_ip") << std::hex << outer;
    EXPECT_EQ(r.kind, FrameKind::kOther);
  }
  // ARP behind one VLAN tag.
  FrameSpec s;
  s.vlan_tpid = 0x8100;
  s.ethertype = 0x0806;
  EXPECT_EQ(name(parse_spec(s).reason), "not_ip");
  EXPECT_EQ(parse_spec(s).kind, FrameKind::kArp);
}

TEST(PacketParse, OtherIpv4ProtocolsAreOtherTrafficWithTheirKind) {
  const std::vector<std::pair<uint8_t, FrameKind>> cases = {
      {1, FrameKind::kIcmp4}, {6, FrameKind::kTcp4}, {0, FrameKind::kIp4Other}, {132, FrameKind::kIp4Other}};
  for (const auto& [proto, kind] : cases) {
    FrameSpec s;
    s.protocol = proto;
    const ParseResult r = parse_spec(s);
    EXPECT_TRUE(r.other) << int{proto};
    EXPECT_EQ(name(r.reason), "not_udp");
    EXPECT_EQ(r.kind, kind);
    EXPECT_EQ(r.udp.ip_version, 4);
    EXPECT_EQ(r.udp.l3_offset, 14);
  }
  FrameSpec frag;
  frag.frag = 0x2000;
  EXPECT_TRUE(parse_spec(frag).other);
  EXPECT_EQ(parse_spec(frag).kind, FrameKind::kFragment);
  // A malformed IPv4 header is never other traffic, whatever its protocol.
  FrameSpec bad;
  bad.protocol = 6;
  bad.bad_ipv4_checksum = true;
  EXPECT_FALSE(parse_spec(bad).other);
  EXPECT_EQ(name(parse_spec(bad).reason), "bad_ipv4_checksum");
}

TEST(PacketParse, BadIpv4Header) {
  {
    FrameSpec s;
    s.ip_version = 6;  // IPv6 version nibble under the IPv4 EtherType, checksum correct
    EXPECT_EQ(name(parse_spec(s).reason), "bad_ipv4_header");
  }
  for (uint8_t ihl = 0; ihl < 5; ++ihl) {
    Frame f = build_frame(FrameSpec{});
    uint8_t* ip = f.bytes.data() + f.l3;
    ip[0] = static_cast<uint8_t>(0x40 | ihl);
    test::set_ipv4_checksum(ip, 20);
    EXPECT_EQ(name(parse_all(f.bytes).reason), "bad_ipv4_header") << int{ihl};
  }
  {
    // Frame ends inside the fixed 20-byte header.
    const Frame f = build_frame(FrameSpec{});
    for (size_t len = 14; len < 34; ++len)
      EXPECT_EQ(name(parse_prefix(f.bytes, len, len).reason), "bad_ipv4_header") << len;
  }
  {
    // IHL 15 (60 bytes) in a frame that holds only 20 header bytes + UDP: header runs past it.
    Frame f = build_frame(FrameSpec{.payload_len = 0});
    ASSERT_EQ(f.bytes.size(), 42u);
    uint8_t* ip = f.bytes.data() + f.l3;
    ip[0] = 0x4f;
    EXPECT_EQ(name(parse_all(f.bytes).reason), "bad_ipv4_header");
  }
}

TEST(PacketParse, BadIpv4Checksum) {
  {
    FrameSpec s;
    s.bad_ipv4_checksum = true;
    EXPECT_EQ(name(parse_spec(s).reason), "bad_ipv4_checksum");
  }
  {
    // One changed header byte (TTL) without a checksum update; also with options.
    for (uint8_t ihl : {uint8_t{5}, uint8_t{9}, uint8_t{15}}) {
      FrameSpec s;
      s.ihl_words = ihl;
      Frame f = build_frame(s);
      f.bytes[f.l3 + 8] = 63;
      EXPECT_EQ(name(parse_all(f.bytes).reason), "bad_ipv4_checksum") << int{ihl};
      // A change inside the options is covered by the checksum too.
      f.bytes[f.l3 + 8] = 64;
      ASSERT_TRUE(parse_all(f.bytes).ok);
      if (ihl > 5) {
        f.bytes[f.l3 + 20] = 0;
        EXPECT_EQ(name(parse_all(f.bytes).reason), "bad_ipv4_checksum") << int{ihl};
      }
    }
  }
}

TEST(PacketParse, BadIpv4Length) {
  {
    FrameSpec s;
    s.ip_total_len = static_cast<uint16_t>(20 + 8 + s.payload_len + 1);  // one past the frame
    EXPECT_EQ(name(parse_spec(s).reason), "bad_ipv4_length");
  }
  {
    FrameSpec s;
    s.ip_total_len = 19;  // shorter than its own header
    EXPECT_EQ(name(parse_spec(s).reason), "bad_ipv4_length");
  }
  {
    FrameSpec s;
    s.ihl_words = 8;
    s.ip_total_len = 31;  // < IHL * 4 = 32
    EXPECT_EQ(name(parse_spec(s).reason), "bad_ipv4_length");
  }
}

TEST(PacketParse, Fragment) {
  // MF alone, each offset bit alone, and with DF.
  std::vector<uint16_t> frags = {0x2000, 0x1fff, 0x2001, 0x4001, 0x6000};
  for (unsigned bit = 0; bit < 13; ++bit) frags.push_back(static_cast<uint16_t>(1u << bit));
  for (uint16_t frag : frags) {
    FrameSpec s;
    s.frag = frag;
    EXPECT_EQ(name(parse_spec(s).reason), "fragment") << std::hex << frag;
  }
}

TEST(PacketParse, NotUdp) {
  for (uint8_t proto : {uint8_t{6}, uint8_t{1}, uint8_t{0}, uint8_t{255}}) {
    FrameSpec s;
    s.protocol = proto;
    EXPECT_EQ(name(parse_spec(s).reason), "not_udp") << int{proto};
  }
}

TEST(PacketParse, BadUdpLength) {
  {
    // IPv4 says its payload is 4 bytes: a truncated UDP header (the rest is Ethernet padding).
    FrameSpec s;
    s.payload_len = 0;
    s.ip_total_len = 24;
    EXPECT_EQ(name(parse_spec(s).reason), "bad_udp_length");
  }
  {
    FrameSpec s;
    s.udp_len = static_cast<uint16_t>(8 + s.payload_len + 1);
    EXPECT_EQ(name(parse_spec(s).reason), "bad_udp_length");
  }
  {
    FrameSpec s;
    s.udp_len = static_cast<uint16_t>(8 + s.payload_len - 1);
    EXPECT_EQ(name(parse_spec(s).reason), "bad_udp_length");
  }
  {
    FrameSpec s;
    s.udp_len = 0;
    EXPECT_EQ(name(parse_spec(s).reason), "bad_udp_length");
  }
  {
    // The same truncated UDP header in a padded frame whose first segment ends where the
    // datagram does: the frame's fault, not a segmentation limit.
    FrameSpec s;
    s.payload_len = 0;
    s.ip_total_len = 24;
    s.ethernet_padding = 18;
    const Frame f = build_frame(s);
    EXPECT_EQ(name(parse_prefix(f.bytes, 14 + 24, f.bytes.size()).reason), "bad_udp_length");
  }
  {
    // UDP length matching the padded frame, not the IPv4 payload, is still wrong.
    FrameSpec s;
    s.ethernet_padding = 10;
    s.udp_len = static_cast<uint16_t>(8 + s.payload_len + 10);
    EXPECT_EQ(name(parse_spec(s).reason), "bad_udp_length");
  }
}

TEST(PacketParse, SegmentedWhenHeadersRunPastFirstSegment) {
  for (bool vlan : {false, true}) {
    for (uint8_t ihl : {uint8_t{5}, uint8_t{15}}) {
      FrameSpec s;
      if (vlan) s.vlan_tpid = 0x8100;
      s.ihl_words = ihl;
      s.payload_len = 200;
      const Frame f = build_frame(s);
      const size_t headers_end = f.l4 + 8;
      // Every first-segment length: segmented while the headers do not fit, ok once they do.
      for (size_t len = 0; len <= f.bytes.size(); ++len) {
        const ParseResult r = parse_prefix(f.bytes, len, f.bytes.size());
        if (len < headers_end) {
          EXPECT_FALSE(r.ok) << len;
          EXPECT_EQ(name(r.reason), "segmented") << "vlan " << vlan << " ihl " << int{ihl} << " len " << len;
        } else {
          EXPECT_TRUE(r.ok) << len << ": " << reason_of(r);
        }
      }
    }
  }
}

TEST(PacketParse, FrameFaultsWinOverSegmentation) {
  // A fault visible in the first segment is reported as itself, not as kSegmented.
  FrameSpec s;
  s.protocol = 6;
  const Frame f = build_frame(s);
  EXPECT_EQ(name(parse_prefix(f.bytes, 34, 1000).reason), "not_udp");
  FrameSpec arp;
  arp.ethertype = 0x0806;
  EXPECT_EQ(name(parse_prefix(build_frame(arp).bytes, 14, 1000).reason), "not_ip");
}

TEST(PacketParse, RandomCorruptionNeverReadsPastLenAndReportsAParseReason) {
  // Seeded: flip random bytes of random valid frames; the parser must return either a valid
  // result whose offsets lie inside the first segment, or a parse drop reason. The copy made by
  // parse_prefix is exactly `len` long, so an over-read shows under ASan.
  std::mt19937_64 rng(20240601);
  size_t ok = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    FrameSpec s;
    if (rng() % 2) s.vlan_tpid = 0x8100;
    s.ihl_words = static_cast<uint8_t>(5 + rng() % 11);
    s.payload_len = rng() % 64;
    Frame f = build_frame(s);
    const size_t flips = rng() % 3;
    for (size_t k = 0; k < flips; ++k) f.bytes[rng() % f.bytes.size()] = static_cast<uint8_t>(rng());
    const size_t frame_len = f.bytes.size();
    const size_t len = rng() % 4 ? frame_len : rng() % (frame_len + 1);
    const ParseResult r = parse_prefix(f.bytes, len, frame_len);
    if (r.ok) {
      ++ok;
      ASSERT_LE(size_t{r.udp.l4_offset} + 8, len);
      ASSERT_LE(size_t{r.udp.l4_offset} + 8 + r.udp.payload_len, frame_len);
      ASSERT_GE(r.udp.l4_offset, r.udp.l3_offset + 20);
    } else {
      ASSERT_TRUE(is_parse_drop(r.reason)) << name(r.reason);
    }
  }
  EXPECT_GT(ok, 1000u);  // the walk also exercises the accept path
}

TEST(PacketParse, Ipv4HeaderSumVerifiesAsAllOnes) {
  const Frame f = build_frame(FrameSpec{});
  EXPECT_EQ(ipv4_header_sum(f.bytes.data() + f.l3, 20), 0xffff);
  // RFC 1071 example header (RFC 1071 section 3 bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2).
  const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(ipv4_header_sum(rfc, sizeof rfc), 0xddf2);
}

// The word-wise sum equals RFC 1071's byte-pair sum for every header length (even lengths, odd
// trailing byte ignored as before) and for random bytes, carries included.
TEST(PacketParse, Ipv4HeaderSumMatchesBytePairReference) {
  auto reference = [](const uint8_t* h, size_t len) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>((h[i] << 8) | h[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
  };
  std::array<uint8_t, 64> h{};
  uint32_t x = 12345;
  for (int round = 0; round < 2000; ++round) {
    for (auto& b : h) {
      x = x * 1103515245u + 12345u;
      b = static_cast<uint8_t>(round % 3 == 0 ? 0xff : x >> 16);  // all-ones rounds stress the carries
    }
    for (size_t len = 0; len <= h.size(); ++len)
      ASSERT_EQ(ipv4_header_sum(h.data(), len), reference(h.data(), len)) << "len " << len << " round " << round;
  }
}

TEST(DropReason, NamesAndParseClassification) {
  EXPECT_EQ(drop_reason_name(DropReason::kRunt), "runt");
  EXPECT_EQ(drop_reason_name(DropReason::kSegmented), "segmented");
  EXPECT_EQ(drop_reason_name(DropReason::kShutdown), "shutdown");
  EXPECT_TRUE(is_parse_drop(DropReason::kSegmented));
  EXPECT_FALSE(is_parse_drop(DropReason::kRxRingFull));
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    EXPECT_FALSE(kDropReasonNames[i].empty());
    for (size_t j = i + 1; j < kDropReasonCount; ++j) EXPECT_NE(kDropReasonNames[i], kDropReasonNames[j]);
  }
}


TEST(PacketParse, ANicVerifiedChecksumIsNotSummedAgain) {
  FrameSpec s;
  s.bad_ipv4_checksum = true;  // what the software sum would refuse
  const Frame f = build_frame(s);
  EXPECT_EQ(reason_of(parse_frame(f.bytes.data(), f.bytes.size(), f.bytes.size(), false)), "bad_ipv4_checksum");
  EXPECT_TRUE(parse_frame(f.bytes.data(), f.bytes.size(), f.bytes.size(), true).ok);
  // Everything else is still checked: a bad length stays bad.
  FrameSpec t;
  t.ip_total_len = 1000;
  const Frame g = build_frame(t);
  EXPECT_EQ(reason_of(parse_frame(g.bytes.data(), g.bytes.size(), g.bytes.size(), true)), "bad_ipv4_length");
}

// ---------------------------------------------------------------- IPv6

ParseResult parse6(const Frame6Spec& s) { return parse_all(build_frame6(s).bytes); }

TEST(PacketParse6, ValidFrameWithAndWithoutVlan) {
  for (bool vlan : {false, true}) {
    Frame6Spec s;
    if (vlan) s.vlan_tpid = 0x8100;
    s.dst_port = 8083;
    s.traffic_class = 46 << 2 | 1;  // EF, ECN ECT(1)
    s.payload_len = 100;
    const ParseResult r = parse6(s);
    ASSERT_TRUE(r.ok) << reason_of(r);
    EXPECT_EQ(r.kind, FrameKind::kUdp6);
    EXPECT_EQ(r.udp.ip_version, 6);
    EXPECT_EQ(r.udp.l3_offset, vlan ? 18 : 14);
    EXPECT_EQ(r.udp.l4_offset, vlan ? 58 : 54);
    EXPECT_EQ(r.udp.dst_port, 8083);
    EXPECT_EQ(r.udp.payload_len, 100);
    EXPECT_EQ(r.udp.dscp, 46);
  }
}

TEST(PacketParse6, SkipsHopByHopRoutingAndDestinationOptions) {
  Frame6Spec s;
  s.ext = {{0, 8}, {43, 24}, {60, 16}};
  const ParseResult r = parse6(s);
  ASSERT_TRUE(r.ok) << reason_of(r);
  EXPECT_EQ(r.udp.l4_offset, 14 + 40 + 8 + 24 + 16);
  EXPECT_EQ(r.udp.payload_len, 18);
}

TEST(PacketParse6, ExtensionChainIsBounded) {
  Frame6Spec s;
  s.ext.assign(kMaxIpv6ExtHeaders, {60, 8});
  EXPECT_TRUE(parse6(s).ok) << reason_of(parse6(s));
  s.ext.assign(kMaxIpv6ExtHeaders + 1, {60, 8});
  EXPECT_EQ(reason_of(parse6(s)), "ipv6_ext_chain");
  EXPECT_FALSE(parse6(s).other);
}

TEST(PacketParse6, FragmentAndOpaqueExtensionHeadersAreOtherTraffic) {
  Frame6Spec frag;
  frag.ext = {{0, 8}, {44, 8}};
  ParseResult r = parse6(frag);
  EXPECT_TRUE(r.other);
  EXPECT_EQ(reason_of(r), "fragment");
  EXPECT_EQ(r.kind, FrameKind::kFragment);
  for (uint8_t t : {uint8_t{50}, uint8_t{51}, uint8_t{135}, uint8_t{139}, uint8_t{140}, uint8_t{253}, uint8_t{254}}) {
    Frame6Spec s;
    s.ext = {{t, 16}};
    r = parse6(s);
    EXPECT_TRUE(r.other) << int{t};
    EXPECT_EQ(reason_of(r), "ipv6_ext_header") << int{t};
    EXPECT_EQ(r.kind, FrameKind::kIp6Other);
  }
}

TEST(PacketParse6, OtherTransportsHaveTheirKind) {
  const std::vector<std::pair<uint8_t, FrameKind>> cases = {
      {58, FrameKind::kIcmp6}, {6, FrameKind::kTcp6}, {59, FrameKind::kIp6Other}, {132, FrameKind::kIp6Other}};
  for (const auto& [nh, kind] : cases) {
    Frame6Spec s;
    s.next_header = nh;
    s.payload_len = 24;
    const ParseResult r = parse6(s);
    EXPECT_TRUE(r.other) << int{nh};
    EXPECT_EQ(reason_of(r), "not_udp");
    EXPECT_EQ(r.kind, kind);
    EXPECT_EQ(r.udp.payload_len, 24);
    // behind a skipped header too
    s.ext = {{0, 8}};
    EXPECT_EQ(parse6(s).kind, kind) << int{nh};
  }
}

TEST(PacketParse6, MalformedHeadersEachHaveTheirReason) {
  Frame6Spec s;
  s.ip_version = 4;
  EXPECT_EQ(reason_of(parse6(s)), "bad_ipv6_header");
  // Payload length past the frame; 0 before hop-by-hop (a jumbogram).
  s = {};
  s.ip_payload_len = 8 + 18 + 1;
  EXPECT_EQ(reason_of(parse6(s)), "bad_ipv6_length");
  s = {};
  s.ext = {{0, 8}};
  s.ip_payload_len = 0;
  EXPECT_EQ(reason_of(parse6(s)), "bad_ipv6_length");
  // 0 before anything else: an empty payload, so the UDP header is missing.
  s = {};
  s.ip_payload_len = 0;
  s.ethernet_padding = 8;
  EXPECT_EQ(reason_of(parse6(s)), "bad_udp_length");
  // An extension header longer than the payload.
  s = {};
  s.ext = {{60, 8}};
  Frame f = build_frame6(s);
  f.bytes[f.l3 + 40 + 1] = 200;  // 1608 bytes
  EXPECT_EQ(reason_of(parse_all(f.bytes)), "bad_ipv6_header");
  // A header shorter than 40 bytes.
  f = build_frame6(Frame6Spec{});
  EXPECT_EQ(reason_of(parse_prefix(f.bytes, 14 + 39, 14 + 39)), "bad_ipv6_header");
  // UDP length disagrees with the payload; zero UDP checksum.
  s = {};
  s.udp_len = 8 + 18 - 1;
  EXPECT_EQ(reason_of(parse6(s)), "bad_udp_length");
  s = {};
  s.zero_udp_checksum = true;
  EXPECT_EQ(reason_of(parse6(s)), "bad_udp_checksum");
}

TEST(PacketParse6, EthernetPaddingAfterThePacketIsAllowed) {
  Frame6Spec s;
  s.payload_len = 0;
  s.ethernet_padding = 12;
  const ParseResult r = parse6(s);
  ASSERT_TRUE(r.ok) << reason_of(r);
  EXPECT_EQ(r.udp.payload_len, 0);
}

TEST(PacketParse6, HeadersPastTheFirstSegmentAreSegmented) {
  Frame6Spec s;
  s.ext = {{0, 64}, {60, 64}};
  const Frame f = build_frame6(s);
  for (size_t len : {size_t{30}, size_t{14 + 40 + 1}, size_t{14 + 40 + 64 + 1}, f.l4 + 7}) {
    EXPECT_EQ(reason_of(parse_prefix(f.bytes, len, f.bytes.size())), "segmented") << len;
  }
  EXPECT_TRUE(parse_prefix(f.bytes, f.l4 + 8, f.bytes.size()).ok);
}

TEST(PacketParse6, RandomCorruptionNeverReadsPastLen) {
  std::mt19937_64 rng(20261130);
  size_t ok = 0, other = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Frame6Spec s;
    if (rng() % 2) s.vlan_tpid = 0x8100;
    for (size_t e = rng() % 4; e > 0; --e) s.ext.push_back({static_cast<uint8_t>(rng() % 2 ? 0 : 60), 8 * (1 + rng() % 4)});
    s.payload_len = rng() % 64;
    Frame f = build_frame6(s);
    for (size_t k = rng() % 3; k > 0; --k) f.bytes[rng() % f.bytes.size()] = static_cast<uint8_t>(rng());
    const size_t len = rng() % (f.bytes.size() + 1);
    const ParseResult r = parse_prefix(f.bytes, len, f.bytes.size());
    if (r.ok) {
      ++ok;
      EXPECT_LE(size_t{r.udp.l4_offset} + 8, len);
      EXPECT_LE(size_t{r.udp.l4_offset} + 8 + r.udp.payload_len, f.bytes.size());
    } else {
      other += r.other;
      EXPECT_TRUE(is_parse_drop(r.reason)) << reason_of(r);
    }
  }
  EXPECT_GT(ok, 1000u);
  EXPECT_GT(other, 10u);
}

}  // namespace
}  // namespace edf
