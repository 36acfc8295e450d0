// packet_parse.h: validate an Ethernet [+ one 802.1Q tag] / IPv4 / UDP frame and extract what
// classification and processing need.
//
// Reads only the bytes it is given (the first segment of an mbuf); never writes. Validation follows
// RFC 791 and RFC 768: version 4, IHL >= 5, header checksum, total length within the frame (Ethernet
// padding after it is allowed), no fragments, protocol 17, UDP length == IPv4 payload length.
// The UDP checksum is not verified (it is optional in IPv4 and costs a pass over the payload).
// Does not allocate; safe on any lcore; O(header length).
#pragma once

#include <cstddef>
#include <cstdint>

#include "edf/drop_reason.h"

namespace edf {

struct ParsedUdp {
  uint16_t l3_offset;    // bytes from frame start to the IPv4 header
  uint16_t l4_offset;    // bytes from frame start to the UDP header
  uint16_t dst_port;     // host order
  uint16_t payload_len;  // UDP payload bytes (UDP length - 8)
  uint8_t dscp;          // IPv4 DS field >> 2
};

// Bytes of headers that must be contiguous for parse_udp to succeed on a valid frame with the
// longest allowed header (Ethernet 14 + VLAN 4 + IPv4 60 + UDP 8).
inline constexpr size_t kMaxHeaderBytes = 86;

struct ParseResult {
  bool ok;
  DropReason reason;  // meaningful when !ok
  ParsedUdp udp;      // meaningful when ok
};

// `frame` holds `len` contiguous bytes of a frame whose full length is `frame_len` (>= len).
// If the headers run past `len` but not past `frame_len`, the result is DropReason::kSegmented.
[[nodiscard]] ParseResult parse_udp(const uint8_t* frame, size_t len, size_t frame_len);

// One's-complement sum of an IPv4 header, as RFC 1071 computes it; 0xffff means it verifies.
[[nodiscard]] uint16_t ipv4_header_sum(const uint8_t* hdr, size_t len);

}  // namespace edf
