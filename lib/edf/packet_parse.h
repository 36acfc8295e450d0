// packet_parse.h: sort a frame into UDP over IPv4 or IPv6 (classified), another well-formed frame
// (which may pass through the other-traffic class), or a malformed one (a counted drop); and
// extract what classification, the flow hash and processing need.
//
// Reads only the bytes it is given (the first segment of an mbuf); never writes. Ethernet with at
// most one 802.1Q tag.
// - IPv4 (RFC 791, RFC 768): version 4, IHL >= 5, header checksum, total length within the frame
//   (Ethernet padding after it is allowed), no fragment, protocol 17, UDP length == IPv4 payload
//   length. The UDP checksum is not verified (it is optional in IPv4 and costs a pass over the
//   payload).
// - IPv6 (RFC 8200, RFC 7045): version 6, payload length within the frame and not 0 before a
//   hop-by-hop header (that announces a jumbogram, RFC 2675, which Ethernet cannot carry); hop-by-hop, routing and destination-options
//   extension headers are skipped, at most kMaxIpv6ExtHeaders of them; a fragment header makes the
//   frame a fragment; an extension header edfpipe does not look past (AH, ESP, Mobility, HIP,
//   Shim6, the experimental 253 and 254) is ipv6_ext_header. UDP length == what is left of the
//   payload, and the UDP checksum is not zero (it is mandatory over IPv6, RFC 8200 section 8.1).
// - Anything else on a well-formed frame -- another EtherType (ARP, LLDP, QinQ, ...), another IP
//   protocol (TCP, ICMP, ICMPv6, ...), a fragment, an extension header not looked past -- is
//   `other`: its reason says why it is not classified UDP (not_ip, not_udp, fragment,
//   ipv6_ext_header), its kind what it is. A frame with a malformed IP header is never `other`.
// Does not allocate; safe on any lcore; O(header length).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "edf/drop_reason.h"
#include "edf/ones_complement.h"

namespace edf {

// What a well-formed frame that enters a class is: counted per kind in the statistics. The
// kinds other than udp4 and udp6 only enter a class through [pipeline] other_traffic.
enum class FrameKind : uint8_t {
  kUdp4,      // UDP over IPv4, classified
  kUdp6,      // UDP over IPv6, classified
  kArp,       // EtherType 0x0806
  kLldp,      // EtherType 0x88cc
  kIcmp4,     // IPv4 protocol 1
  kIcmp6,     // IPv6 next header 58 (neighbour discovery among it)
  kTcp4,      // IPv4 protocol 6
  kTcp6,      // IPv6 next header 6
  kIp4Other,  // another IPv4 protocol
  kIp6Other,  // another IPv6 next header, or an extension header not looked past
  kFragment,  // an IPv4 or IPv6 fragment, first or not
  kOther,     // another EtherType (QinQ, an 802.3 length field, ...)
  kCount,
};

inline constexpr size_t kFrameKindCount = static_cast<size_t>(FrameKind::kCount);
inline constexpr std::array<std::string_view, kFrameKindCount> kFrameKindNames = {
    "udp4", "udp6", "arp", "lldp", "icmp4", "icmp6", "tcp4", "tcp6", "ip4_other", "ip6_other", "fragment", "other",
};
constexpr std::string_view frame_kind_name(FrameKind k) { return kFrameKindNames[static_cast<size_t>(k)]; }

// Extension headers skipped before the transport header, at most: more is ipv6_ext_chain.
inline constexpr unsigned kMaxIpv6ExtHeaders = 8;

struct ParsedUdp {
  uint16_t l3_offset;    // bytes from frame start to the IP header (0: not IP)
  uint16_t l4_offset;    // bytes from frame start to the UDP header (0: not UDP)
  uint16_t dst_port;     // host order
  uint16_t payload_len;  // UDP payload bytes (UDP length - 8); for `other` frames the bytes after
                         // the IP header, or after the Ethernet header when not IP
  uint8_t dscp;          // IPv4 DS field >> 2, IPv6 traffic class >> 2
  uint8_t ip_version;    // 4, 6, or 0 when not IP
};

// Bytes of headers that must be contiguous for parse_frame to read an IPv4 frame with the longest
// allowed header (Ethernet 14 + VLAN 4 + IPv4 60 + UDP 8). IPv6 extension headers may need more.
inline constexpr size_t kMaxHeaderBytes = 86;

struct ParseResult {
  bool ok;            // UDP over IPv4 or IPv6: classify it (udp is valid)
  bool other;         // !ok, well-formed, not classified UDP: may pass as other traffic
  DropReason reason;  // meaningful when !ok: the drop reason (for `other`: when other traffic drops)
  FrameKind kind;     // meaningful when ok or other
  ParsedUdp udp;      // when ok; for `other`, l3_offset, ip_version and payload_len
};

// `frame` holds `len` contiguous bytes of a frame whose full length is `frame_len` (>= len).
// If the headers run past `len` but not past `frame_len`, the result is DropReason::kSegmented.
// `ipv4_checksum_verified`: the NIC verified the IPv4 header checksum and found it good
// (RTE_MBUF_F_RX_IP_CKSUM_GOOD), so it is not summed again; a NIC that found it bad, or did not
// look, leaves the software check to find it. Defined below, forced inline: RX calls it once per
// packet, and called, it returns its result through memory (GCC stopped inlining it on its own
// once the IPv4 sum grew an unrolled case: 12 % more cycles per packet on a 64 B replay).
[[nodiscard, gnu::always_inline]] inline ParseResult parse_frame(const uint8_t* frame, size_t len, size_t frame_len,
                                             bool ipv4_checksum_verified = false);

// One's-complement sum of an IPv4 header, as RFC 1071 computes it; 0xffff means it verifies.
[[nodiscard]] inline uint16_t ipv4_header_sum(const uint8_t* hdr, size_t len);

// ---------------------------------------------------------------- definitions

// Sums 32-bit words in host order and swaps once at the end: the one's-complement sum does not
// depend on byte order (RFC 1071, 2.B), and five loads cost less than twenty byte reads, once per
// packet. A trailing odd byte is not summed (IPv4 headers are multiples of 4 bytes).
// The common 20-byte header is summed unrolled, and the carries are folded a fixed number of
// times (edf/ones_complement.h).
namespace parse_detail {
inline uint64_t sum_words(const uint8_t* p, size_t n_words) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n_words; ++i) {
    uint32_t w;
    std::memcpy(&w, p + 4 * i, sizeof w);
    sum += w;
  }
  return sum;
}
}  // namespace parse_detail

inline uint16_t ipv4_header_sum(const uint8_t* hdr, size_t len) {
  uint64_t sum = len == 20 ? parse_detail::sum_words(hdr, 5) : parse_detail::sum_words(hdr, len / 4);
  if (len % 4 >= 2) {
    uint16_t w;
    std::memcpy(&w, hdr + len / 4 * 4, sizeof w);
    sum += w;
  }
  auto folded = ones_fold64(sum);
  if constexpr (std::endian::native == std::endian::little) folded = static_cast<uint16_t>((folded << 8) | (folded >> 8));
  return folded;
}

namespace parse_detail {

constexpr size_t kEthHeader = 14;
constexpr size_t kVlanTag = 4;
constexpr size_t kIpv6Header = 40;
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherLldp = 0x88cc;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoIcmp6 = 58;
constexpr size_t kUdpHeader = 8;
constexpr DropReason kOk = DropReason::kCount;

inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

constexpr ParseResult drop(DropReason r) { return ParseResult{false, false, r, FrameKind::kCount, {}}; }

// A well-formed frame that is not classified UDP.
inline ParseResult other(DropReason why, FrameKind kind, size_t l3, unsigned version, size_t payload) {
  ParseResult res{false, true, why, kind, {}};
  res.udp.l3_offset = static_cast<uint16_t>(l3);
  res.udp.ip_version = static_cast<uint8_t>(version);
  res.udp.payload_len = static_cast<uint16_t>(payload > 0xffff ? 0xffff : payload);
  return res;
}

// The IPv6 extension headers of RFC 7045's list (IANA "IPv6 Extension Header Types").
enum class Ipv6Ext { kNone, kSkip, kFragment, kOpaque };
constexpr Ipv6Ext ipv6_ext(uint8_t nh) {
  switch (nh) {
    case 0: case 43: case 60: return Ipv6Ext::kSkip;  // hop-by-hop, routing, destination options
    case 44: return Ipv6Ext::kFragment;
    case 50: case 51: case 135: case 139: case 140: case 253: case 254: return Ipv6Ext::kOpaque;
    default: return Ipv6Ext::kNone;
  }
}

// Each check first asks whether the frame is long enough (a fault of the frame) and then whether
// the first segment holds it (a limit of edfpipe, counted apart as kSegmented).
struct Bounds {
  size_t len, frame_len;
  [[nodiscard]] DropReason need(size_t bytes, DropReason short_frame) const {
    if (bytes > frame_len) return short_frame;
    if (bytes > len) return DropReason::kSegmented;
    return kOk;
  }
};

// The UDP header at l4, which must take exactly the `left` bytes of IP payload after it began.
// Forced inline (with parse_ipv4): called, it returned its 14-byte result through memory and
// that store and reload was the parser's hottest line under perf.
[[gnu::always_inline]] inline ParseResult udp_at(const uint8_t* frame, Bounds b, size_t l3, size_t l4, size_t left, unsigned version, uint8_t dscp) {
  if (left < kUdpHeader) return drop(DropReason::kBadUdpLength);
  if (DropReason r = b.need(l4 + kUdpHeader, DropReason::kBadUdpLength); r != kOk) return drop(r);
  const uint8_t* udp = frame + l4;
  const size_t udp_len = be16(udp + 4);
  if (udp_len != left) return drop(DropReason::kBadUdpLength);
  if (version == 6 && be16(udp + 6) == 0) return drop(DropReason::kBadUdpChecksum);

  ParseResult res{true, false, DropReason::kCount, version == 4 ? FrameKind::kUdp4 : FrameKind::kUdp6, {}};
  res.udp.l3_offset = static_cast<uint16_t>(l3);
  res.udp.l4_offset = static_cast<uint16_t>(l4);
  res.udp.dst_port = be16(udp + 2);
  res.udp.payload_len = static_cast<uint16_t>(udp_len - kUdpHeader);
  res.udp.dscp = dscp;
  res.udp.ip_version = static_cast<uint8_t>(version);
  return res;
}

[[gnu::always_inline]] inline ParseResult parse_ipv4(const uint8_t* frame, Bounds b, size_t l3, bool checksum_verified) {
  if (DropReason r = b.need(l3 + 20, DropReason::kBadIpv4Header); r != kOk) return drop(r);
  const uint8_t* ip = frame + l3;
  const unsigned version = ip[0] >> 4;
  const size_t ihl_bytes = size_t{ip[0] & 0x0fu} * 4;
  if (version != 4 || ihl_bytes < 20) return drop(DropReason::kBadIpv4Header);
  if (DropReason r = b.need(l3 + ihl_bytes, DropReason::kBadIpv4Header); r != kOk) return drop(r);
  if (!checksum_verified && ipv4_header_sum(ip, ihl_bytes) != 0xffff) return drop(DropReason::kBadIpv4Checksum);

  const size_t total = be16(ip + 2);
  if (total < ihl_bytes || l3 + total > b.frame_len) return drop(DropReason::kBadIpv4Length);
  const size_t payload = total - ihl_bytes;
  const uint16_t frag = be16(ip + 6);
  if ((frag & 0x2000u) != 0 || (frag & 0x1fffu) != 0)
    return other(DropReason::kFragment, FrameKind::kFragment, l3, 4, payload);
  switch (ip[9]) {
    case kProtoUdp: return udp_at(frame, b, l3, l3 + ihl_bytes, payload, 4, static_cast<uint8_t>(ip[1] >> 2));
    case kProtoTcp: return other(DropReason::kNotUdp, FrameKind::kTcp4, l3, 4, payload);
    case kProtoIcmp: return other(DropReason::kNotUdp, FrameKind::kIcmp4, l3, 4, payload);
    default: return other(DropReason::kNotUdp, FrameKind::kIp4Other, l3, 4, payload);
  }
}

inline ParseResult parse_ipv6(const uint8_t* frame, Bounds b, size_t l3) {
  if (DropReason r = b.need(l3 + kIpv6Header, DropReason::kBadIpv6Header); r != kOk) return drop(r);
  const uint8_t* ip = frame + l3;
  if ((ip[0] >> 4) != 6) return drop(DropReason::kBadIpv6Header);
  const size_t payload = be16(ip + 4);
  // Payload length 0 before a hop-by-hop header announces a jumbogram (RFC 2675), which Ethernet
  // cannot carry; 0 before anything else is an empty payload.
  if (l3 + kIpv6Header + payload > b.frame_len || (payload == 0 && ip[6] == 0))
    return drop(DropReason::kBadIpv6Length);
  const auto dscp = static_cast<uint8_t>(((be16(ip) >> 4) & 0xffu) >> 2);  // traffic class >> 2
  const size_t end = l3 + kIpv6Header + payload;  // the IPv6 packet ends here (padding may follow)

  uint8_t nh = ip[6];
  size_t at = l3 + kIpv6Header;
  for (unsigned n = 0;; ++n) {
    const Ipv6Ext ext = ipv6_ext(nh);
    if (ext == Ipv6Ext::kNone) break;
    if (ext == Ipv6Ext::kFragment) return other(DropReason::kFragment, FrameKind::kFragment, l3, 6, payload);
    if (ext == Ipv6Ext::kOpaque) return other(DropReason::kIpv6ExtHeader, FrameKind::kIp6Other, l3, 6, payload);
    if (n == kMaxIpv6ExtHeaders) return drop(DropReason::kIpv6ExtChain);
    // Every skipped header starts with next header and its length in 8-octet units, less one.
    if (at + 2 > end) return drop(DropReason::kBadIpv6Header);
    if (DropReason r = b.need(at + 2, DropReason::kBadIpv6Header); r != kOk) return drop(r);
    const size_t hdr_len = (size_t{frame[at + 1]} + 1) * 8;
    if (at + hdr_len > end) return drop(DropReason::kBadIpv6Header);
    nh = frame[at];
    at += hdr_len;
  }
  switch (nh) {
    case kProtoUdp: return udp_at(frame, b, l3, at, end - at, 6, dscp);
    case kProtoTcp: return other(DropReason::kNotUdp, FrameKind::kTcp6, l3, 6, payload);
    case kProtoIcmp6: return other(DropReason::kNotUdp, FrameKind::kIcmp6, l3, 6, payload);
    default: return other(DropReason::kNotUdp, FrameKind::kIp6Other, l3, 6, payload);
  }
}

}  // namespace parse_detail


inline ParseResult parse_frame(const uint8_t* frame, size_t len, size_t frame_len, bool ipv4_checksum_verified) {
  using namespace parse_detail;
  const Bounds b{len, frame_len};
  if (DropReason r = b.need(kEthHeader, DropReason::kRunt); r != kOk) return drop(r);
  size_t l3 = kEthHeader;
  uint16_t ether = be16(frame + 12);
  if (ether == kEtherVlan) {
    if (DropReason r = b.need(kEthHeader + kVlanTag, DropReason::kRunt); r != kOk) return drop(r);
    ether = be16(frame + 16);
    l3 += kVlanTag;
  }
  switch (ether) {
    case kEtherIpv4: return parse_ipv4(frame, b, l3, ipv4_checksum_verified);
    case kEtherIpv6: return parse_ipv6(frame, b, l3);
    case kEtherArp: return other(DropReason::kNotIp, FrameKind::kArp, 0, 0, frame_len - l3);
    case kEtherLldp: return other(DropReason::kNotIp, FrameKind::kLldp, 0, 0, frame_len - l3);
    default: return other(DropReason::kNotIp, FrameKind::kOther, 0, 0, frame_len - l3);  // QinQ too
  }
}


}  // namespace edf
