// flow_hash.h: which EDF worker a packet goes to, so that a flow always meets the same worker.
//
// Partitioned EDF: RX sends each packet to worker hash(flow) of W, where a UDP flow is the
// 5-tuple over IPv4 or IPv6 (the protocol is always UDP, so source and destination addresses and
// ports); other traffic is hashed by its addresses (flow_hash below). A
// flow's packets then stay in order and share one worker's EDF queues; workers never synchronise.
// The hash is the NIC's RSS hash when the mbuf carries one (the caller decides), otherwise this
// software hash: the address and port bytes folded into 64 bits and mixed with MurmurHash3's
// finaliser (Appleby), whose output bits each depend on every input bit. A 32-bit hash picks
// the worker by multiply-shift ((hash * W) >> 32, Lemire 2019): the same spread as hash mod W
// without a divide. Does not allocate; reads only the header bytes given; any lcore.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "edf/packet_parse.h"

namespace edf {

[[nodiscard]] inline uint64_t mix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// Hash of a frame that parse_frame() sorted as `p`: for UDP the source and destination addresses
// and ports; for other IP traffic (TCP, ICMP, fragments, ...) the addresses only, so that every
// packet between two hosts meets one worker (a fragment carries no ports); 0 for a frame that is
// not IP (ARP, LLDP: one worker keeps them in order).
[[nodiscard]] inline uint32_t flow_hash(const uint8_t* frame, const ParsedUdp& p) {
  uint64_t addrs = 0;
  if (p.ip_version == 4) {
    std::memcpy(&addrs, frame + p.l3_offset + 12, sizeof addrs);  // source and destination address
  } else if (p.ip_version == 6) {
    std::array<uint64_t, 4> a;  // source and destination address, 16 bytes each
    std::memcpy(a.data(), frame + p.l3_offset + 8, sizeof a);
    addrs = a[0] ^ mix64(a[1] ^ mix64(a[2] ^ mix64(a[3])));
  } else {
    return 0;
  }
  uint32_t ports = 0;
  if (p.l4_offset != 0) std::memcpy(&ports, frame + p.l4_offset, sizeof ports);  // source and destination port
  return static_cast<uint32_t>(mix64(addrs ^ mix64(ports)) >> 32);
}

// Worker index in [0, n_workers) for a 32-bit hash.
[[nodiscard]] inline uint32_t worker_of(uint32_t hash, uint32_t n_workers) {
  return static_cast<uint32_t>((uint64_t{hash} * n_workers) >> 32);
}

}  // namespace edf
