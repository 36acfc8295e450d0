// edf_stage.h: one poll of an EDF worker: pick by policy, expire, run the processing stage in
// time slices, and hand finished packets on. The data path's edf_poll() is this loop over its
// rings; the unit tests run it over fake queues on a fake clock.
//
// The rules (docs/architecture.md, "EDF role"):
//   - The worker's policy (edf/policy.h) picks the queue; a queue's head is the packet in play.
//   - When a packet is *started* (not when it is resumed), if the clock is past its deadline the
//     class's expired policy applies: drop (counted `expired`, before any work) or deliver
//     (counted `late`, then processed).
//   - A stage with work (process != null) gets the packet with the time the poll has left: it
//     finishes it (on to TX), drops it under a reason of its own, or yields with work left. A
//     yielded packet stays at the head of its queue with its progress (`resume`), and the poll
//     ends; the next poll picks again, after RX and TX ran, so a more urgent head that arrived
//     meanwhile goes first and the interrupted packet resumes later. An urgent packet therefore
//     waits at most one slice of someone else's work, not a whole large packet.
//   - A poll handles at most `burst` packets, and with a stage with work ends once the slice is
//     used up. Without one (fwd) it reads no clock: `now` is the loop's.
//
// Worker (a template parameter: nothing virtual) provides, with Pkt its packet handle:
//   size_t pick(uint64_t now)        the policy's queue, or kNoQueue
//   size_t ring(size_t qi)           the ring whose head pick() offered for queue qi
//   Pkt head(size_t ring); void pop(size_t ring)
//   bool& started(size_t ring); uint64_t& resume(size_t ring)   a ring's packet in progress
//   uint64_t deadline(Pkt); bool expired_drops(Pkt)             its class's expired policy is drop
//   bool has_work()                  the stage has a process step
//   StageVerdict process(Pkt, uint64_t* resume, uint64_t until, uint32_t* reason)
//   uint64_t clock()                 read after each process step
//   void late(Pkt); void expired(Pkt); void stage_drop(Pkt, uint32_t reason); void emit(size_t qi, Pkt)
// Does not allocate; whatever lcore the worker runs on.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edf/edf_merge.h"

namespace edf {

enum class StageVerdict : uint8_t { kDone = 0, kYield = 1, kDrop = 2 };  // edfpipe/stage.h's values

struct EdfPollResult {
  size_t handled = 0;  // packets finished, dropped or expired
  bool busy = false;   // a packet was picked (work was done even if none finished)
};

template <typename Worker>
EdfPollResult edf_run(Worker& w, uint64_t now, uint64_t slice_tsc, size_t burst) {
  EdfPollResult res;
  const bool work = w.has_work();
  const uint64_t slice_end = now + slice_tsc;
  while (res.handled < burst) {
    const size_t qi = w.pick(now);
    if (qi == kNoQueue) break;
    res.busy = true;
    const size_t i = w.ring(qi);
    auto pkt = w.head(i);
    if (!work) {  // no slices: check the deadline of a new packet, hand it on
      w.pop(i);
      ++res.handled;
      if (w.started(i)) {
        w.started(i) = false;  // started by a stage with work before a switch: checked then
      } else if (now > w.deadline(pkt)) {
        if (w.expired_drops(pkt)) {
          w.expired(pkt);
          continue;
        }
        w.late(pkt);
      }
      w.emit(qi, pkt);
      continue;
    }
    if (!w.started(i)) {
      if (now > w.deadline(pkt)) {
        if (w.expired_drops(pkt)) {  // processing it would only delay the others
          w.pop(i);
          ++res.handled;
          w.expired(pkt);
          continue;
        }
        w.late(pkt);
      }
      w.started(i) = true;
      w.resume(i) = 0;
    }
    uint32_t reason = 0;
    const StageVerdict v = w.process(pkt, &w.resume(i), slice_end, &reason);
    now = w.clock();
    if (v == StageVerdict::kYield) break;  // stays at its queue's head, to resume or be overtaken
    w.pop(i);
    w.started(i) = false;
    ++res.handled;
    if (v == StageVerdict::kDrop) w.stage_drop(pkt, reason);
    else w.emit(qi, pkt);
    if (now >= slice_end) break;  // let RX and TX run on a shared lcore
  }
  return res;
}

}  // namespace edf
