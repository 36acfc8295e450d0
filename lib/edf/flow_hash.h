// flow_hash.h: which EDF worker a packet goes to, so that a flow always meets the same worker.
//
// Partitioned EDF: RX sends each packet to worker hash(flow) of W, where a flow is the IPv4/UDP
// 5-tuple (the protocol is always UDP here, so source and destination addresses and ports). A
// flow's packets then stay in order and share one worker's EDF queues; workers never synchronise.
// The hash is the NIC's RSS hash when the mbuf carries one (the caller decides), otherwise this
// software hash: the 12 address and port bytes folded into 64 bits and mixed with MurmurHash3's
// finaliser (Appleby), whose output bits each depend on every input bit. A 32-bit hash picks
// the worker by multiply-shift ((hash * W) >> 32, Lemire 2019): the same spread as hash mod W
// without a divide. Does not allocate; reads only the header bytes given; any lcore.
#pragma once

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

// Hash of the IPv4 addresses and UDP ports of a frame that parse_udp() accepted as `p`.
[[nodiscard]] inline uint32_t flow_hash(const uint8_t* frame, const ParsedUdp& p) {
  uint64_t addrs = 0;
  uint32_t ports = 0;
  std::memcpy(&addrs, frame + p.l3_offset + 12, sizeof addrs);  // source and destination address
  std::memcpy(&ports, frame + p.l4_offset, sizeof ports);       // source and destination port
  return static_cast<uint32_t>(mix64(addrs ^ mix64(ports)) >> 32);
}

// Worker index in [0, n_workers) for a 32-bit hash.
[[nodiscard]] inline uint32_t worker_of(uint32_t hash, uint32_t n_workers) {
  return static_cast<uint32_t>((uint64_t{hash} * n_workers) >> 32);
}

}  // namespace edf
