#include "edf/packet_parse.h"

namespace edf {
namespace {

constexpr size_t kEthHeader = 14;
constexpr size_t kVlanTag = 4;
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint8_t kProtoUdp = 17;
constexpr size_t kUdpHeader = 8;

inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

constexpr ParseResult drop(DropReason r) { return ParseResult{false, r, {}}; }

}  // namespace

uint16_t ipv4_header_sum(const uint8_t* hdr, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += be16(hdr + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

ParseResult parse_udp(const uint8_t* frame, size_t len, size_t frame_len) {
  // Each check first asks whether the frame is long enough (a fault of the frame) and then
  // whether the first segment holds it (a limit of edfpipe, counted apart as kSegmented).
  auto need = [&](size_t bytes, DropReason short_frame) -> DropReason {
    if (bytes > frame_len) return short_frame;
    if (bytes > len) return DropReason::kSegmented;
    return DropReason::kCount;
  };
  constexpr DropReason kOk = DropReason::kCount;

  if (DropReason r = need(kEthHeader, DropReason::kRunt); r != kOk) return drop(r);
  size_t l3 = kEthHeader;
  uint16_t ether = be16(frame + 12);
  if (ether == kEtherVlan) {
    if (DropReason r = need(kEthHeader + kVlanTag, DropReason::kRunt); r != kOk) return drop(r);
    ether = be16(frame + 16);
    l3 += kVlanTag;
  }
  if (ether != kEtherIpv4) return drop(DropReason::kNotIpv4);  // includes QinQ (0x8100 twice)

  if (DropReason r = need(l3 + 20, DropReason::kBadIpv4Header); r != kOk) return drop(r);
  const uint8_t* ip = frame + l3;
  const unsigned version = ip[0] >> 4;
  const size_t ihl_bytes = size_t{ip[0] & 0x0fu} * 4;
  if (version != 4 || ihl_bytes < 20) return drop(DropReason::kBadIpv4Header);
  if (DropReason r = need(l3 + ihl_bytes, DropReason::kBadIpv4Header); r != kOk) return drop(r);
  if (ipv4_header_sum(ip, ihl_bytes) != 0xffff) return drop(DropReason::kBadIpv4Checksum);

  const size_t total = be16(ip + 2);
  if (total < ihl_bytes || l3 + total > frame_len) return drop(DropReason::kBadIpv4Length);
  const uint16_t frag = be16(ip + 6);
  if ((frag & 0x2000u) != 0 || (frag & 0x1fffu) != 0) return drop(DropReason::kFragment);
  if (ip[9] != kProtoUdp) return drop(DropReason::kNotUdp);

  const size_t l4 = l3 + ihl_bytes;
  if (total - ihl_bytes < kUdpHeader) return drop(DropReason::kBadUdpLength);
  if (DropReason r = need(l4 + kUdpHeader, DropReason::kBadUdpLength); r != kOk) return drop(r);
  const uint8_t* udp = frame + l4;
  const size_t udp_len = be16(udp + 4);
  if (udp_len != total - ihl_bytes) return drop(DropReason::kBadUdpLength);

  ParseResult res{true, DropReason::kCount, {}};
  res.udp.l3_offset = static_cast<uint16_t>(l3);
  res.udp.l4_offset = static_cast<uint16_t>(l4);
  res.udp.dst_port = be16(udp + 2);
  res.udp.payload_len = static_cast<uint16_t>(udp_len - kUdpHeader);
  res.udp.dscp = static_cast<uint8_t>(ip[1] >> 2);
  return res;
}

}  // namespace edf
