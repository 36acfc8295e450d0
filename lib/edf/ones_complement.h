// ones_complement.h: folding a one's-complement sum (RFC 1071) back into 16 bits in a fixed number
// of steps. The usual `while (sum >> 16)` loop runs once or twice depending on the data: a branch
// the CPU mispredicts from one packet to the next. Shared by the parser's IPv4 header sum, the fwd
// rewrite's incremental update (RFC 1624) and the crypto stage's. Does not allocate.
#pragma once

#include <cstdint>

namespace edf {

// Any 32-bit sum: the first fold leaves at most 0x1fffe, the second at most 0xffff. 0 only if the
// sum was 0.
[[nodiscard]] constexpr uint16_t ones_fold32(uint32_t s) {
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// Any 64-bit sum: two 32-bit folds leave at most 0xffffffff, then as ones_fold32.
[[nodiscard]] constexpr uint16_t ones_fold64(uint64_t s) {
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffffffu) + (s >> 32);
  return ones_fold32(static_cast<uint32_t>(s));
}

}  // namespace edf
