// classifier.h: map a parsed UDP packet to a traffic class in O(1).
//
// Two lookup tables built once from the profile: DSCP (64 entries) and UDP destination port
// (65536 entries). A DSCP rule takes precedence over a port rule (an explicit marking says more
// than a port number); a packet matching neither goes to the default class. Tables are plain
// arrays written only before the lcores start, read-only afterwards. Does not allocate.
#pragma once

#include <array>
#include <cstdint>

#include "edf/packet_parse.h"

namespace edf {

inline constexpr uint8_t kNoClass = 0xff;
inline constexpr size_t kMaxClasses = 8;

class Classifier {
 public:
  explicit Classifier(uint8_t default_class = 0) : default_class_(default_class) {
    port_class_.fill(kNoClass);
    dscp_class_.fill(kNoClass);
  }

  void add_port_range(uint16_t first, uint16_t last, uint8_t cls) {
    for (uint32_t p = first; p <= last; ++p) port_class_[p] = cls;
  }
  void add_dscp(uint8_t dscp, uint8_t cls) { dscp_class_[dscp & 63u] = cls; }
  void set_default_class(uint8_t cls) { default_class_ = cls; }

  [[nodiscard]] uint8_t classify(const ParsedUdp& p) const {
    uint8_t c = dscp_class_[p.dscp & 63u];
    if (c != kNoClass) return c;
    c = port_class_[p.dst_port];
    return c != kNoClass ? c : default_class_;
  }

  [[nodiscard]] uint8_t default_class() const { return default_class_; }

 private:
  std::array<uint8_t, 65536> port_class_;
  std::array<uint8_t, 64> dscp_class_;
  uint8_t default_class_;
};

}  // namespace edf
