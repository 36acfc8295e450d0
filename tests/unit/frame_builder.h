// frame_builder.h: test-only construction of Ethernet [+ 802.1Q] / IPv4 / UDP frames and the
// RFC 768 / RFC 1071 checksums needed to check them.
//
// A FrameSpec describes a valid frame by default; each field flips one thing, and the IPv4 header
// checksum is computed last (unless bad_ipv4_checksum), so a malformed case differs from the valid
// frame in exactly the field under test. Shared by tests/unit and tests/bench; allocates freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace edf::test {

struct FrameSpec {
  std::optional<uint16_t> vlan_tpid;  // when set, one tag with this TPID follows the MACs
  uint16_t ethertype = 0x0800;        // after the tag, if any
  uint8_t ip_version = 4;
  uint8_t ihl_words = 5;              // 5..15; options are filled with NOP (1) bytes
  uint8_t dscp = 0;
  uint16_t frag = 0;                  // flags + fragment offset, host order
  uint8_t protocol = 17;
  uint32_t src_ip = 0x7f000001;       // 127.0.0.1
  uint32_t dst_ip = 0x7f000002;       // 127.0.0.2
  uint16_t src_port = 40000;
  uint16_t dst_port = 8080;
  size_t payload_len = 18;
  uint8_t payload_seed = 0;           // payload byte k is payload_seed + k
  size_t ethernet_padding = 0;        // bytes after the IPv4 datagram
  std::optional<uint16_t> ip_total_len;  // override (the true length otherwise)
  std::optional<uint16_t> udp_len;       // override
  bool bad_ipv4_checksum = false;        // store the correct checksum + 1
  bool udp_checksum = true;              // compute the UDP checksum (0 = none otherwise)
};

inline void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}
inline uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// RFC 1071 one's-complement sum of `len` bytes (odd tail padded with zero), folded to 16 bits,
// added to `sum`.
inline uint32_t ones_sum(const uint8_t* p, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += get16(p + i);
  if (len % 2) sum += static_cast<uint32_t>(p[len - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

// Sum over the IPv4 pseudo-header and the UDP datagram at `udp` (`udp_len` bytes), including the
// checksum field as stored: 0xffff when the stored checksum verifies.
inline uint16_t udp_verify_sum(const uint8_t* ip, const uint8_t* udp, size_t udp_len) {
  uint32_t sum = ones_sum(ip + 12, 8);  // source and destination address
  sum += 17;
  sum += static_cast<uint32_t>(udp_len);
  sum = ones_sum(udp, udp_len, sum);
  return static_cast<uint16_t>(sum);
}

// The UDP checksum to store for a datagram whose checksum field currently holds zero.
inline uint16_t udp_checksum(const uint8_t* ip, const uint8_t* udp, size_t udp_len) {
  const auto c = static_cast<uint16_t>(~udp_verify_sum(ip, udp, udp_len));
  return c == 0 ? 0xffff : c;  // RFC 768: a computed zero is sent as all ones
}

// Recomputes the IPv4 header checksum over `hdr_len` bytes after a test edited the header.
inline void set_ipv4_checksum(uint8_t* ip, size_t hdr_len) {
  put16(ip + 10, 0);
  put16(ip + 10, static_cast<uint16_t>(~ones_sum(ip, hdr_len)));
}

struct Frame {
  std::vector<uint8_t> bytes;
  size_t l3 = 0;  // IPv4 header offset
  size_t l4 = 0;  // UDP header offset
};

inline Frame build_frame(const FrameSpec& s) {
  Frame f;
  const size_t l2 = s.vlan_tpid ? 18 : 14;
  const size_t ihl = size_t{s.ihl_words} * 4;
  const size_t udp_len = 8 + s.payload_len;
  const size_t total = ihl + udp_len;
  f.l3 = l2;
  f.l4 = l2 + ihl;
  f.bytes.assign(l2 + total + s.ethernet_padding, 0);
  uint8_t* b = f.bytes.data();
  for (size_t i = 0; i < 12; ++i) b[i] = static_cast<uint8_t>(0x10 + i);  // dst, src MAC
  if (s.vlan_tpid) {
    put16(b + 12, *s.vlan_tpid);
    put16(b + 14, 0x0064);  // PCP 0, VID 100
    put16(b + 16, s.ethertype);
  } else {
    put16(b + 12, s.ethertype);
  }
  uint8_t* ip = b + l2;
  ip[0] = static_cast<uint8_t>((s.ip_version << 4) | (s.ihl_words & 0x0f));
  ip[1] = static_cast<uint8_t>(s.dscp << 2);
  put16(ip + 2, s.ip_total_len.value_or(static_cast<uint16_t>(total)));
  put16(ip + 4, 0x1234);  // identification
  put16(ip + 6, s.frag);
  ip[8] = 64;  // TTL
  ip[9] = s.protocol;
  put32(ip + 12, s.src_ip);
  put32(ip + 16, s.dst_ip);
  for (size_t i = 20; i < ihl; ++i) ip[i] = 1;  // NOP options
  uint8_t* udp = b + f.l4;
  put16(udp, s.src_port);
  put16(udp + 2, s.dst_port);
  put16(udp + 4, s.udp_len.value_or(static_cast<uint16_t>(udp_len)));
  for (size_t k = 0; k < s.payload_len; ++k) udp[8 + k] = static_cast<uint8_t>(s.payload_seed + k);
  if (s.udp_checksum) put16(udp + 6, udp_checksum(ip, udp, udp_len));
  // The IPv4 header checksum last, over the header as the spec left it.
  set_ipv4_checksum(ip, ihl);
  if (s.bad_ipv4_checksum) put16(ip + 10, static_cast<uint16_t>(get16(ip + 10) + 1));
  return f;
}

// An Ethernet [+ 802.1Q] / IPv6 [+ extension headers] / UDP frame. Extension headers are given
// as (type, total bytes, a multiple of 8); each one's next-header byte chains to the next and the
// last to `next_header` (17 unless overridden). The UDP checksum covers the RFC 8200 pseudo-header.
struct Frame6Spec {
  std::optional<uint16_t> vlan_tpid;
  uint8_t ip_version = 6;
  uint8_t traffic_class = 0;  // DSCP << 2 | ECN
  std::vector<std::pair<uint8_t, size_t>> ext;  // (type, bytes)
  uint8_t next_header = 17;
  uint16_t src_port = 40000;
  uint16_t dst_port = 8080;
  size_t payload_len = 18;
  uint8_t src_last = 1;  // last byte of the source address fd00::1 (a flow differs by it)
  size_t ethernet_padding = 0;
  std::optional<uint16_t> ip_payload_len;  // override
  std::optional<uint16_t> udp_len;         // override
  bool zero_udp_checksum = false;
};

inline Frame build_frame6(const Frame6Spec& s) {
  Frame f;
  const size_t l2 = s.vlan_tpid ? 18 : 14;
  size_t ext_bytes = 0;
  for (const auto& e : s.ext) ext_bytes += e.second;
  const size_t udp_len = 8 + s.payload_len;
  const size_t payload = ext_bytes + (s.next_header == 17 ? udp_len : s.payload_len);
  f.l3 = l2;
  f.l4 = l2 + 40 + ext_bytes;
  f.bytes.assign(l2 + 40 + payload + s.ethernet_padding, 0);
  uint8_t* b = f.bytes.data();
  for (size_t i = 0; i < 12; ++i) b[i] = static_cast<uint8_t>(0x10 + i);
  if (s.vlan_tpid) {
    put16(b + 12, *s.vlan_tpid);
    put16(b + 14, 0x0064);
    put16(b + 16, 0x86dd);
  } else {
    put16(b + 12, 0x86dd);
  }
  uint8_t* ip = b + l2;
  put32(ip, (uint32_t{s.ip_version} << 28) | (uint32_t{s.traffic_class} << 20) | 0x12345u);
  put16(ip + 4, s.ip_payload_len.value_or(static_cast<uint16_t>(payload)));
  ip[6] = s.ext.empty() ? s.next_header : s.ext[0].first;
  ip[7] = 64;
  ip[8] = 0xfd;  // source fd00::<src_last>, destination fd00::2
  ip[23] = s.src_last;
  ip[24] = 0xfd;
  ip[39] = 2;
  size_t at = l2 + 40;
  for (size_t i = 0; i < s.ext.size(); ++i) {
    b[at] = i + 1 < s.ext.size() ? s.ext[i + 1].first : s.next_header;
    b[at + 1] = static_cast<uint8_t>(s.ext[i].second / 8 - 1);
    at += s.ext[i].second;
  }
  if (s.next_header != 17) return f;
  uint8_t* udp = b + f.l4;
  put16(udp, s.src_port);
  put16(udp + 2, s.dst_port);
  put16(udp + 4, s.udp_len.value_or(static_cast<uint16_t>(udp_len)));
  for (size_t k = 0; k < s.payload_len; ++k) udp[8 + k] = static_cast<uint8_t>(k);
  if (!s.zero_udp_checksum) {
    uint32_t sum = ones_sum(ip + 8, 32);  // source and destination address
    sum += static_cast<uint32_t>(udp_len);
    sum += 17;
    sum = ones_sum(udp, udp_len, sum);
    const auto c = static_cast<uint16_t>(~sum);
    put16(udp + 6, c == 0 ? 0xffff : c);
  }
  return f;
}

// Sum over the IPv6 pseudo-header and the UDP datagram: 0xffff when the stored checksum verifies.
inline uint16_t udp6_verify_sum(const uint8_t* ip, const uint8_t* udp, size_t udp_len) {
  uint32_t sum = ones_sum(ip + 8, 32);
  sum += static_cast<uint32_t>(udp_len);
  sum += 17;
  return static_cast<uint16_t>(ones_sum(udp, udp_len, sum));
}

}  // namespace edf::test
