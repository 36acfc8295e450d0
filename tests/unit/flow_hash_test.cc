// Tests for flow_hash/worker_of: one flow, one worker, whatever else is in the frame; flows spread
// over W workers within 5 % of an even share; every worker index in range.
#include "edf/flow_hash.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "frame_builder.h"

namespace edf {
namespace {

TEST(FlowHash, SameFlowSameHashWhateverThePayloadAndDscp) {
  test::FrameSpec a;
  a.src_ip = 0x0a000001;
  a.dst_ip = 0x0a000002;
  a.src_port = 40000;
  a.dst_port = 8080;
  test::FrameSpec b = a;
  b.payload_len = 900;
  b.dscp = 46;
  const auto fa = test::build_frame(a).bytes, fb = test::build_frame(b).bytes;
  const ParseResult ra = parse_frame(fa.data(), fa.size(), fa.size()), rb = parse_frame(fb.data(), fb.size(), fb.size());
  ASSERT_TRUE(ra.ok && rb.ok);
  EXPECT_EQ(flow_hash(fa.data(), ra.udp), flow_hash(fb.data(), rb.udp));
  test::FrameSpec c = a;
  c.src_port = 40001;  // another flow
  const auto fc = test::build_frame(c).bytes;
  const ParseResult rc = parse_frame(fc.data(), fc.size(), fc.size());
  EXPECT_NE(flow_hash(fa.data(), ra.udp), flow_hash(fc.data(), rc.udp));
}

TEST(FlowHash, FlowsSpreadEvenlyOverWorkers) {
  std::mt19937 rng(7);
  for (uint32_t w : {1u, 2u, 3u, 8u}) {
    std::vector<uint32_t> per(w, 0);
    constexpr int kFlows = 40000;
    for (int i = 0; i < kFlows; ++i) {
      test::FrameSpec s;
      s.src_ip = static_cast<uint32_t>(rng());
      s.dst_ip = 0x0a000002;
      s.src_port = static_cast<uint16_t>(rng());
      s.dst_port = 8080 + static_cast<uint16_t>(rng() % 6);
      const auto f = test::build_frame(s).bytes;
      const ParseResult r = parse_frame(f.data(), f.size(), f.size());
      ASSERT_TRUE(r.ok);
      const uint32_t k = worker_of(flow_hash(f.data(), r.udp), w);
      ASSERT_LT(k, w);
      ++per[k];
    }
    for (uint32_t k = 0; k < w; ++k)
      EXPECT_NEAR(static_cast<double>(per[k]), kFlows / static_cast<double>(w), 0.05 * kFlows / w) << w << " " << k;
  }
}

TEST(FlowHash, Ipv6FlowsHashByAddressesAndPorts) {
  test::Frame6Spec a;
  test::Frame6Spec b = a;
  b.payload_len = 700;
  b.traffic_class = 46 << 2;
  const auto fa = test::build_frame6(a).bytes, fb = test::build_frame6(b).bytes;
  const ParseResult ra = parse_frame(fa.data(), fa.size(), fa.size()), rb = parse_frame(fb.data(), fb.size(), fb.size());
  ASSERT_TRUE(ra.ok && rb.ok);
  EXPECT_EQ(flow_hash(fa.data(), ra.udp), flow_hash(fb.data(), rb.udp));
  std::vector<uint32_t> per(2, 0);
  for (int i = 0; i < 4000; ++i) {  // flows differing only in the source port or address spread too
    test::Frame6Spec s;
    s.src_port = static_cast<uint16_t>(1000 + i);
    s.src_last = static_cast<uint8_t>(i);
    const auto f = test::build_frame6(s).bytes;
    const ParseResult r = parse_frame(f.data(), f.size(), f.size());
    ASSERT_TRUE(r.ok);
    ++per[worker_of(flow_hash(f.data(), r.udp), 2)];
  }
  EXPECT_NEAR(per[0], 2000, 200);
}

TEST(FlowHash, OtherTrafficHashesByAddressesOnlyAndNonIpToWorkerZero) {
  test::FrameSpec tcp;
  tcp.protocol = 6;
  tcp.src_port = 1;  // bytes where UDP ports would be: must not matter
  test::FrameSpec tcp2 = tcp;
  tcp2.src_port = 2;
  const auto f1 = test::build_frame(tcp).bytes, f2 = test::build_frame(tcp2).bytes;
  const ParseResult r1 = parse_frame(f1.data(), f1.size(), f1.size()), r2 = parse_frame(f2.data(), f2.size(), f2.size());
  ASSERT_TRUE(r1.other && r2.other);
  EXPECT_EQ(flow_hash(f1.data(), r1.udp), flow_hash(f2.data(), r2.udp));
  test::FrameSpec frag = tcp;
  frag.protocol = 17;
  frag.frag = 0x2000;  // a first fragment of UDP between the same hosts: the same worker
  const auto f3 = test::build_frame(frag).bytes;
  const ParseResult r3 = parse_frame(f3.data(), f3.size(), f3.size());
  ASSERT_TRUE(r3.other);
  EXPECT_EQ(flow_hash(f1.data(), r1.udp), flow_hash(f3.data(), r3.udp));
  test::FrameSpec arp;
  arp.ethertype = 0x0806;
  const auto f4 = test::build_frame(arp).bytes;
  const ParseResult r4 = parse_frame(f4.data(), f4.size(), f4.size());
  ASSERT_TRUE(r4.other);
  EXPECT_EQ(flow_hash(f4.data(), r4.udp), 0u);
}

TEST(FlowHash, WorkerOfCoversTheRangeExactly) {
  EXPECT_EQ(worker_of(0, 3), 0u);
  EXPECT_EQ(worker_of(UINT32_MAX, 3), 2u);
  EXPECT_EQ(worker_of(UINT32_MAX, 1), 0u);
  EXPECT_EQ(worker_of(0x80000000u, 2), 1u);
  EXPECT_EQ(worker_of(0x7fffffffu, 2), 0u);
}

}  // namespace
}  // namespace edf
