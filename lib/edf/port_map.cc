#include "edf/port_map.h"

namespace edf {

uint16_t checksum_update16(uint16_t checksum, uint16_t old_word, uint16_t new_word) {
  uint32_t sum = static_cast<uint16_t>(~checksum);
  sum += static_cast<uint16_t>(~old_word);
  sum += new_word;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

bool PortMap::rewrite(uint8_t* udp) const {
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
