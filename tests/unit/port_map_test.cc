// Tests for port_map: the rewrite changes exactly the destination port, and the patched UDP
// checksum verifies against a full recomputation over the pseudo-header and a random payload.
#include "edf/port_map.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

#include "frame_builder.h"

namespace edf {
namespace {

using test::build_frame;
using test::Frame;
using test::FrameSpec;
using test::get16;

std::unique_ptr<PortMap> default_map() {
  auto m = std::make_unique<PortMap>();
  m->add_range(8080, 8085, 9080);
  return m;
}

uint16_t verify_sum(const Frame& f) {
  const size_t udp_len = get16(f.bytes.data() + f.l4 + 4);
  return test::udp_verify_sum(f.bytes.data() + f.l3, f.bytes.data() + f.l4, udp_len);
}

TEST(PortMap, LookupMapsRangesAndLeavesOthers) {
  auto m = default_map();
  m->add_range(100, 100, 65535);
  EXPECT_EQ(m->lookup(8079), 8079);
  EXPECT_EQ(m->lookup(8080), 9080);
  EXPECT_EQ(m->lookup(8083), 9083);
  EXPECT_EQ(m->lookup(8085), 9085);
  EXPECT_EQ(m->lookup(8086), 8086);
  EXPECT_EQ(m->lookup(100), 65535);
  EXPECT_EQ(m->lookup(0), 0);
  EXPECT_EQ(m->lookup(65535), 65535);
}

TEST(PortMap, RewriteKeepsUdpChecksumValidOverRandomFrames) {
  auto m = default_map();
  m->add_range(1000, 1999, 60000);
  std::mt19937_64 rng(1624);
  for (int iter = 0; iter < 20000; ++iter) {
    FrameSpec s;
    s.src_ip = static_cast<uint32_t>(rng());
    s.dst_ip = static_cast<uint32_t>(rng());
    s.src_port = static_cast<uint16_t>(rng());
    s.dst_port = rng() % 2 ? static_cast<uint16_t>(8080 + rng() % 6) : static_cast<uint16_t>(1000 + rng() % 1000);
    s.payload_len = rng() % 1473;  // odd lengths too
    s.payload_seed = static_cast<uint8_t>(rng());
    if (rng() % 2) s.vlan_tpid = 0x8100;
    Frame f = build_frame(s);
    // Random payload bytes, then a fresh correct checksum.
    uint8_t* udp = f.bytes.data() + f.l4;
    for (size_t k = 0; k < s.payload_len; ++k) udp[8 + k] = static_cast<uint8_t>(rng());
    test::put16(udp + 6, 0);
    test::put16(udp + 6, test::udp_checksum(f.bytes.data() + f.l3, udp, 8 + s.payload_len));
    ASSERT_EQ(verify_sum(f), 0xffff);

    const std::vector<uint8_t> before = f.bytes;
    ASSERT_TRUE(m->rewrite(udp));
    EXPECT_EQ(get16(udp + 2), m->lookup(s.dst_port));
    ASSERT_EQ(verify_sum(f), 0xffff) << "iteration " << iter;
    EXPECT_NE(get16(udp + 6), 0);  // zero would mean "no checksum"
    // Nothing but the port and the checksum changed.
    for (size_t i = 0; i < before.size(); ++i) {
      if (i >= f.l4 + 2 && i < f.l4 + 4) continue;
      if (i >= f.l4 + 6 && i < f.l4 + 8) continue;
      ASSERT_EQ(f.bytes[i], before[i]) << "byte " << i;
    }
  }
}

TEST(PortMap, EveryNonZeroChecksumIsPatchedAndNeverBecomesZero) {
  // Every stored checksum for one mapped port: the result is checksum_update16's, except that a
  // computed 0x0000 is sent as 0xffff (RFC 768), and the "no checksum" value 0 never appears.
  auto m = default_map();
  int zero_results = 0;
  for (uint32_t csum = 1; csum <= 0xffff; ++csum) {
    uint8_t udp[8] = {0x9c, 0x40, 0x1f, 0x90, 0, 8, 0, 0};  // dst port 8080
    test::put16(udp + 6, static_cast<uint16_t>(csum));
    ASSERT_TRUE(m->rewrite(udp));
    ASSERT_EQ(get16(udp + 2), 9080);
    const uint16_t expected = checksum_update16(static_cast<uint16_t>(csum), 8080, 9080);
    if (expected == 0) ++zero_results;
    ASSERT_EQ(get16(udp + 6), expected == 0 ? 0xffff : expected) << csum;
  }
  EXPECT_EQ(zero_results, 1);  // exactly one input folds to zero; it was exercised
}

TEST(PortMap, ZeroChecksumStaysZero) {
  auto m = default_map();
  FrameSpec s;
  s.udp_checksum = false;
  s.dst_port = 8082;
  Frame f = build_frame(s);
  uint8_t* udp = f.bytes.data() + f.l4;
  ASSERT_EQ(get16(udp + 6), 0);
  EXPECT_TRUE(m->rewrite(udp));
  EXPECT_EQ(get16(udp + 2), 9082);
  EXPECT_EQ(get16(udp + 6), 0);
}

TEST(PortMap, UnmappedPortIsUnchanged) {
  auto m = default_map();
  FrameSpec s;
  s.dst_port = 5353;
  Frame f = build_frame(s);
  const std::vector<uint8_t> before = f.bytes;
  EXPECT_FALSE(m->rewrite(f.bytes.data() + f.l4));
  EXPECT_EQ(f.bytes, before);
  // Mapping a port to itself is "unchanged" too.
  m->add_range(5353, 5353, 5353);
  EXPECT_FALSE(m->rewrite(f.bytes.data() + f.l4));
  EXPECT_EQ(f.bytes, before);
}

// The full checksum of `words` as an RFC 1071 complement of the one's-complement sum.
uint16_t full_checksum(const std::vector<uint16_t>& words) {
  uint32_t sum = 0;
  for (uint16_t w : words) sum += w;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// 0x0000 and 0xffff are the two representations of zero in one's complement; RFC 1624 section 3
// shows eqn. 3 may return either where a full computation returns the other.
bool same_ones_complement(uint16_t a, uint16_t b) {
  auto norm = [](uint16_t x) { return x == 0xffff ? uint16_t{0} : x; };
  return norm(a) == norm(b);
}

TEST(PortMap, ChecksumUpdate16MatchesFullRecompute) {
  std::mt19937_64 rng(1071);
  int exact = 0;
  for (int iter = 0; iter < 100000; ++iter) {
    std::vector<uint16_t> words(1 + rng() % 32);
    for (auto& w : words) {
      const uint64_t kind = rng() % 8;  // bias towards the edge words 0x0000 and 0xffff
      w = kind == 0 ? 0 : kind == 1 ? 0xffff : static_cast<uint16_t>(rng());
    }
    const uint16_t before = full_checksum(words);
    const size_t i = rng() % words.size();
    const uint16_t old_word = words[i];
    const uint64_t kind = rng() % 8;
    words[i] = kind == 0 ? 0 : kind == 1 ? 0xffff : static_cast<uint16_t>(rng());
    const uint16_t after = full_checksum(words);
    const uint16_t incremental = checksum_update16(before, old_word, words[i]);
    ASSERT_TRUE(same_ones_complement(incremental, after))
        << std::hex << "before " << before << " old " << old_word << " new " << words[i]
        << " full " << after << " incremental " << incremental;
    exact += incremental == after;
  }
  // Outside the +0/-0 ambiguity the two agree bit for bit.
  EXPECT_GT(exact, 99000);
}

TEST(PortMap, ChecksumUpdate16Rfc1624Example) {
  // RFC 1624 section 4: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000 by eqn. 3.
  EXPECT_EQ(checksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
  // Unchanged word, unchanged checksum (except that -0 may become +0).
  EXPECT_EQ(checksum_update16(0x1234, 0xabcd, 0xabcd), 0x1234);
}

// The fixed folds equal the usual loop for every 32-bit sum near the carries' edges and for
// random 32- and 64-bit sums, all-ones included.
TEST(OnesComplement, FixedFoldsMatchTheLoop) {
  auto loop = [](uint64_t s) {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(s);
  };
  for (uint64_t base : {uint64_t{0}, uint64_t{0xfffe}, uint64_t{0x1fffe}, uint64_t{0xfffeffff}, uint64_t{0xffff0000}})
    for (uint64_t d = 0; d < 70000; ++d) {
      const auto s = static_cast<uint32_t>(base + d);
      ASSERT_EQ(ones_fold32(s), loop(s)) << std::hex << s;
    }
  ASSERT_EQ(ones_fold32(0xffffffffu), loop(0xffffffffu));
  ASSERT_EQ(ones_fold64(~uint64_t{0}), loop(~uint64_t{0}));
  std::mt19937_64 rng(1624);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t s = rng() >> (rng() % 64);
    ASSERT_EQ(ones_fold32(static_cast<uint32_t>(s)), loop(static_cast<uint32_t>(s))) << std::hex << s;
    ASSERT_EQ(ones_fold64(s), loop(s)) << std::hex << s;
  }
}

}  // namespace
}  // namespace edf
