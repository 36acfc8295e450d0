// port_map.h: the `fwd` stage's UDP destination port rewrite, with an incremental checksum fix.
//
// The profile maps input port ranges to output ranges of the same width (8080-8085 -> 9080-9085
// by default); a port outside every range is left as it is. Rewriting a 16-bit field changes the
// UDP checksum by a known amount, so it is patched with RFC 1624's incremental update,
// HC' = ~(~HC + ~m + m'), instead of a pass over the payload. A zero UDP checksum means "none"
// in IPv4 and is left zero. The IPv4 header does not change. Table built once at start-up
// (64 Ki entries of 2 bytes), read-only afterwards; does not allocate.
#pragma once

#include <array>
#include <cstdint>

#include "edf/ones_complement.h"

namespace edf {

class PortMap {
 public:
  PortMap() {
    for (uint32_t p = 0; p < 65536; ++p) map_[p] = static_cast<uint16_t>(p);
  }
  void add_range(uint16_t in_first, uint16_t in_last, uint16_t out_first) {
    for (uint32_t p = in_first; p <= in_last; ++p)
      map_[p] = static_cast<uint16_t>(out_first + (p - in_first));
  }
  [[nodiscard]] uint16_t lookup(uint16_t port) const { return map_[port]; }

  // Rewrites the destination port of the UDP header at `udp` (network order fields) and patches
  // its checksum. Returns true if the port changed. Inline: the EDF worker calls it per packet.
  inline bool rewrite(uint8_t* udp) const;

 private:
  std::array<uint16_t, 65536> map_;
};

// RFC 1624 eqn. 3: the checksum after one 16-bit word changes from old_word to new_word.
[[nodiscard]] inline uint16_t checksum_update16(uint16_t checksum, uint16_t old_word, uint16_t new_word) {
  uint32_t sum = static_cast<uint16_t>(~checksum);
  sum += static_cast<uint16_t>(~old_word);
  sum += new_word;
  return static_cast<uint16_t>(~ones_fold32(sum));
}

inline bool PortMap::rewrite(uint8_t* udp) const {
  const auto old_port = static_cast<uint16_t>((udp[2] << 8) | udp[3]);
  const uint16_t new_port = map_[old_port];
  if (new_port == old_port) return false;
  udp[2] = static_cast<uint8_t>(new_port >> 8);
  udp[3] = static_cast<uint8_t>(new_port);
  const auto csum = static_cast<uint16_t>((udp[6] << 8) | udp[7]);
  if (csum != 0) {
    uint16_t c = checksum_update16(csum, old_port, new_port);
    if (c == 0) c = 0xffff;  // RFC 768: a computed zero is sent as all ones
    udp[6] = static_cast<uint8_t>(c >> 8);
    udp[7] = static_cast<uint8_t>(c);
  }
  return true;
}

}  // namespace edf
