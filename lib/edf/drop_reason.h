// drop_reason.h: every way edfpipe can drop a packet, one name each.
//
// The accounting invariant (docs/architecture.md) is rx = tx + sum(drops) + in_flight: a packet
// that is not transmitted is counted under exactly one of these reasons. Parse reasons are
// counted before a packet has a class; the others are counted against the packet's class.
// Names are stable: they appear in the stats table, the JSON report and telemetry.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace edf {

enum class DropReason : uint8_t {
  // Frame is not valid Ethernet/IP/UDP, or is another kind of frame while other_traffic = drop
  // (counted on the RX lcore, no class yet).
  kRunt,             // shorter than an Ethernet header (or its VLAN tag)
  kNotIp,            // EtherType is neither IPv4 nor IPv6 (ARP, LLDP, QinQ, ...)
  kBadIpv4Header,    // version != 4, IHL < 5, or header runs past the frame
  kBadIpv4Checksum,  // IPv4 header checksum does not verify
  kBadIpv4Length,    // total length < header length, or larger than the frame
  kBadIpv6Header,    // version != 6, or the header or an extension header runs past the payload
  kBadIpv6Length,    // payload length larger than the frame, or 0 (a jumbogram)
  kIpv6ExtHeader,    // an extension header edfpipe does not look past (AH, ESP, Mobility, ...)
  kIpv6ExtChain,     // more than kMaxIpv6ExtHeaders extension headers before the transport
  kFragment,         // IPv4: MF set or fragment offset != 0; IPv6: a fragment header
  kNotUdp,           // the IP protocol (IPv6: next header) is not UDP (TCP, ICMP, ...)
  kBadUdpLength,     // UDP header truncated, or UDP length != the IP payload left for it
  kBadUdpChecksum,   // IPv6 UDP with checksum 0 (mandatory over IPv6)
  kSegmented,        // headers do not fit in the first mbuf segment
  // Counted against the packet's class.
  kRxRingFull,       // RX -> EDF class ring full
  kExpired,          // past its deadline before processing, class policy is `drop`
  kTxRingFull,       // EDF -> TX class ring full
  kTxFailed,         // NIC did not take it within the TX retry bound
  kStopped,          // received while forwarding was stopped (shell `stop`); no class
  kShutdown,         // still queued when the drain timeout ran out at shutdown
  // The processing stage's own reasons (edfpipe/stage.h's drop_reasons, in its order), counted
  // against the packet's class; named by the stage, shown only when the stage has them.
  kStage0, kStage1, kStage2, kStage3, kStage4, kStage5, kStage6, kStage7,
  kCount,
};

inline constexpr size_t kDropReasonCount = static_cast<size_t>(DropReason::kCount);
inline constexpr size_t kFirstClassDrop = static_cast<size_t>(DropReason::kRxRingFull);
inline constexpr size_t kFirstStageDrop = static_cast<size_t>(DropReason::kStage0);
inline constexpr size_t kMaxStageDrops = kDropReasonCount - kFirstStageDrop;

inline constexpr std::array<std::string_view, kDropReasonCount> kDropReasonNames = {
    "runt",            "not_ip",          "bad_ipv4_header", "bad_ipv4_checksum", "bad_ipv4_length",
    "bad_ipv6_header", "bad_ipv6_length", "ipv6_ext_header", "ipv6_ext_chain",    "fragment",
    "not_udp",         "bad_udp_length",  "bad_udp_checksum", "segmented",        "rx_ring_full",
    "expired",         "tx_ring_full",    "tx_failed",       "stopped",           "shutdown",
    // placeholders: a snapshot names these after the running stage's drop_reasons
    "stage_0", "stage_1", "stage_2", "stage_3", "stage_4", "stage_5", "stage_6", "stage_7",
};

constexpr std::string_view drop_reason_name(DropReason r) {
  return kDropReasonNames[static_cast<size_t>(r)];
}

constexpr bool is_parse_drop(DropReason r) { return static_cast<size_t>(r) < kFirstClassDrop; }
constexpr DropReason stage_drop_reason(uint32_t i) { return static_cast<DropReason>(kFirstStageDrop + i); }

}  // namespace edf
