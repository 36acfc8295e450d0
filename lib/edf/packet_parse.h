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
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edf/drop_reason.h"

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
[[nodiscard]] ParseResult parse_frame(const uint8_t* frame, size_t len, size_t frame_len);

// One's-complement sum of an IPv4 header, as RFC 1071 computes it; 0xffff means it verifies.
[[nodiscard]] uint16_t ipv4_header_sum(const uint8_t* hdr, size_t len);

}  // namespace edf
