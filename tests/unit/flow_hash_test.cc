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
  const ParseResult ra = parse_udp(fa.data(), fa.size(), fa.size()), rb = parse_udp(fb.data(), fb.size(), fb.size());
  ASSERT_TRUE(ra.ok && rb.ok);
  EXPECT_EQ(flow_hash(fa.data(), ra.udp), flow_hash(fb.data(), rb.udp));
  test::FrameSpec c = a;
  c.src_port = 40001;  // another flow
  const auto fc = test::build_frame(c).bytes;
  const ParseResult rc = parse_udp(fc.data(), fc.size(), fc.size());
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
      const ParseResult r = parse_udp(f.data(), f.size(), f.size());
      ASSERT_TRUE(r.ok);
      const uint32_t k = worker_of(flow_hash(f.data(), r.udp), w);
      ASSERT_LT(k, w);
      ++per[k];
    }
    for (uint32_t k = 0; k < w; ++k)
      EXPECT_NEAR(static_cast<double>(per[k]), kFlows / static_cast<double>(w), 0.05 * kFlows / w) << w << " " << k;
  }
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
