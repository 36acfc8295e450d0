// parse_fuzz: libFuzzer target for edf::parse_frame and edf::Classifier (lib/edf).
//
// Input layout: byte 0 picks how many bytes of the frame are "in the first segment" (len) as a
// fraction of the frame, so the kSegmented path is exercised as in a chained mbuf; the rest is the
// frame. The frame is copied to a heap buffer of exactly frame_len bytes so that ASan catches a
// read past the frame; len <= frame_len bytes are all parse_frame may touch.
// Checks the parser's contract, not just the absence of crashes:
//   - ok results have offsets and lengths inside the frame and the first segment,
//   - a failure reason is a parse reason,
//   - the result depends only on the first `len` bytes and frame_len (not on bytes beyond len),
//   - the classifier returns a configured class for every ok result.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "edf/classifier.h"
#include "edf/drop_reason.h"
#include "edf/flow_hash.h"
#include "edf/packet_parse.h"

namespace {

const edf::Classifier& classifier() {
  static const edf::Classifier* c = [] {
    auto* cl = new edf::Classifier(3);  // the default profile's shape: best_effort is class 3
    cl->add_port_range(8080, 8081, 0);
    cl->add_port_range(8082, 8083, 1);
    cl->add_port_range(8084, 8085, 2);
    cl->add_dscp(46, 0);
    cl->add_port_range(65535, 65535, 2);
    return cl;
  }();
  return *c;
}

#define FUZZ_CHECK(cond)                                                 \
  do {                                                                   \
    if (!(cond)) {                                                       \
      __builtin_printf("parse_fuzz: check failed: %s\n", #cond);         \
      std::abort();                                                      \
    }                                                                    \
  } while (0)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t split = data[0];
  const size_t frame_len = size - 1;
  // split 0 or 255: the whole frame is contiguous (the common case); otherwise a prefix.
  const size_t len = (split == 0 || split == 255) ? frame_len : frame_len * split / 255;
  std::unique_ptr<uint8_t[]> frame(new uint8_t[frame_len ? frame_len : 1]);
  if (frame_len) std::memcpy(frame.get(), data + 1, frame_len);

  const edf::ParseResult r = edf::parse_frame(frame.get(), len, frame_len);
  if (!r.ok) {
    FUZZ_CHECK(edf::is_parse_drop(r.reason));
    FUZZ_CHECK(r.reason != edf::DropReason::kSegmented || len < frame_len);
    if (r.other) {  // well-formed, not UDP: one of the reasons other traffic is counted under
      FUZZ_CHECK(r.reason == edf::DropReason::kNotIp || r.reason == edf::DropReason::kNotUdp ||
                 r.reason == edf::DropReason::kFragment || r.reason == edf::DropReason::kIpv6ExtHeader);
      FUZZ_CHECK(r.kind < edf::FrameKind::kCount && r.kind != edf::FrameKind::kUdp4 && r.kind != edf::FrameKind::kUdp6);
      FUZZ_CHECK(r.udp.l4_offset == 0);
      FUZZ_CHECK((r.udp.ip_version == 0) == (r.reason == edf::DropReason::kNotIp));
      (void)edf::flow_hash(frame.get(), r.udp);  // reads the addresses: ASan checks the bounds
    }
  } else {
    const edf::ParsedUdp& u = r.udp;
    FUZZ_CHECK(u.l3_offset == 14 || u.l3_offset == 18);
    FUZZ_CHECK(size_t{u.l4_offset} + 8 <= len);
    FUZZ_CHECK(size_t{u.l4_offset} + 8 + u.payload_len <= frame_len);
    if (u.ip_version == 4) {
      FUZZ_CHECK(r.kind == edf::FrameKind::kUdp4);
      FUZZ_CHECK(u.l4_offset >= u.l3_offset + 20 && u.l4_offset <= u.l3_offset + 60);
      FUZZ_CHECK(u.l4_offset + 8 <= edf::kMaxHeaderBytes);
    } else {
      FUZZ_CHECK(u.ip_version == 6 && r.kind == edf::FrameKind::kUdp6);
      // at most kMaxIpv6ExtHeaders skipped headers of at most 2048 bytes each
      FUZZ_CHECK(u.l4_offset >= u.l3_offset + 40 && u.l4_offset <= u.l3_offset + 40 + 8 * 2048);
      FUZZ_CHECK(frame[u.l4_offset + 6] != 0 || frame[u.l4_offset + 7] != 0);  // the mandatory checksum
    }
    FUZZ_CHECK(u.dscp < 64);
    const uint8_t c = classifier().classify(u);
    FUZZ_CHECK(c <= 3);
    (void)edf::flow_hash(frame.get(), u);
  }
  // Bytes past `len` must not matter: scribble over them and parse again.
  if (len < frame_len) {
    std::memset(frame.get() + len, 0xa5, frame_len - len);
    const edf::ParseResult r2 = edf::parse_frame(frame.get(), len, frame_len);
    FUZZ_CHECK(r2.ok == r.ok && r2.other == r.other && r2.reason == r.reason);
  }
  // A contiguous frame never yields kSegmented.
  if (len == frame_len) FUZZ_CHECK(r.ok || r.reason != edf::DropReason::kSegmented);
  return 0;
}
