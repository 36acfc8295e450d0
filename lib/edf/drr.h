// drr.h: deficit round robin over N queues with byte quanta.
//
// Algorithm: M. Shreedhar and G. Varghese, "Efficient Fair Queueing Using Deficit Round Robin",
// SIGCOMM 1995; the same as Linux net/sched/sch_drr.c. Each visit to a backlogged queue adds its
// quantum to its deficit; the queue sends head packets while the head fits in the deficit. A queue
// found empty loses its deficit, so an idle queue does not bank credit. Under backlog every queue
// gets quantum_i / sum(quanta) of the bytes, within one maximum packet size per round.
//
// The scheduler is generic over a Queues type that exposes, for queue index i:
//   std::optional<uint32_t> head_bytes(size_t i) -- size of the head packet in bytes, or
//                                                    std::nullopt when the queue is empty
//   void pop(size_t i)                            -- hand the head packet on (the caller's emit step)
// and optionally, to serve a turn in one call instead of a head_bytes() and pop() per packet:
//   size_t take_while(size_t i, uint64_t& deficit, size_t max, Admit& admit) -- pops heads of i
//       while each fits `deficit` (which it lowers) and admit(bytes) accepts it, at most max;
//       returns how many. It may stop early (say, at the end of what it holds): DRR then asks
//       head_bytes() as usual. The order and the deficits are those of the packet-by-packet loop.
// "Empty" and "a head of 0 bytes" are different answers on purpose: a zero-length frame is a packet
// like any other (RX pops it and counts it as a runt); were 0 to mean empty, it would sit at the
// head of its queue for ever and the queue would never be polled again.
// and the caller bounds the work with max_packets (a burst) and a byte/token budget check.
// Units: bytes. Does not allocate; one instance belongs to one lcore (not thread-safe).
// Quanta must be > 0 (the profile validator rejects 0) and at least one maximum packet size for
// O(1) work per packet; smaller quanta are still correct, just slower.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace edf {

template <size_t kMaxQueues>
class Drr {
 public:
  Drr() = default;
  explicit Drr(std::span<const uint32_t> quanta_bytes) { set_quanta(quanta_bytes); }

  void set_quanta(std::span<const uint32_t> quanta_bytes) {
    n_ = quanta_bytes.size() < kMaxQueues ? quanta_bytes.size() : kMaxQueues;
    for (size_t i = 0; i < n_; ++i) {
      quantum_[i] = quanta_bytes[i] > 0 ? quanta_bytes[i] : 1;  // 0 would never serve the queue
      deficit_[i] = 0;
    }
    cur_ = 0;
    fresh_ = true;
  }

  // Starts a new round at queue 0 with no credit banked: after an output stall, egress begins again
  // from the highest-priority queue instead of wherever the interrupted round was.
  void restart() {
    for (size_t i = 0; i < n_; ++i) deficit_[i] = 0;
    cur_ = 0;
    fresh_ = true;
  }

  [[nodiscard]] size_t size() const { return n_; }
  [[nodiscard]] size_t current() const { return cur_; }
  [[nodiscard]] uint32_t quantum(size_t i) const { return quantum_[i]; }
  [[nodiscard]] uint64_t deficit(size_t i) const { return deficit_[i]; }

  // Serves up to max_packets head packets in DRR order. `admit(bytes)` is asked before each pop and
  // may refuse (a rate limiter out of tokens); the scheduler then stops and resumes at the same
  // queue, with the same deficit, on the next call. Returns the number of packets popped.
  template <typename Queues, typename Admit>
  size_t serve(Queues& q, size_t max_packets, Admit&& admit) {
    if (n_ == 0) return 0;
    // The current queue, its turn flag and its deficit live in locals and are stored back when
    // the turn moves on or the call returns: as members they were re-read after every pop (the
    // caller's pop may write memory of the same type), a store-to-load wait per packet.
    size_t cur = cur_;
    bool fresh = fresh_;
    uint64_t deficit = deficit_[cur];
    auto move_on = [&](uint64_t left) {
      deficit_[cur] = left;
      cur = cur + 1 == n_ ? 0 : cur + 1;
      fresh = true;
      deficit = deficit_[cur];
    };
    size_t sent = 0;
    size_t empty_visits = 0;  // consecutive queues found empty: stop after a full idle cycle
    while (sent < max_packets) {
      const std::optional<uint32_t> head_or_empty = q.head_bytes(cur);
      if (!head_or_empty) {
        move_on(0);  // an idle queue does not bank credit
        if (++empty_visits >= n_) break;
        continue;
      }
      empty_visits = 0;
      const uint32_t head = *head_or_empty;
      if (fresh) {
        deficit += quantum_[cur];
        fresh = false;
      }
      if (head > deficit) {
        move_on(deficit);  // keep the remainder for this queue's next turn
        continue;
      }
      if (!admit(head)) break;
      deficit -= head;
      q.pop(cur);
      ++sent;
      // A Queues that can pop a run of heads in one call serves the rest of this turn there: the
      // heads that fit the deficit and that admit() accepts, up to the burst. The loop then looks
      // at the head as before (empty, too large, refused, or the burst is done).
      if constexpr (requires(uint64_t& d) { q.take_while(cur, d, max_packets, admit); })
        sent += q.take_while(cur, deficit, max_packets - sent, admit);
    }
    deficit_[cur] = deficit;
    cur_ = cur;
    fresh_ = fresh;
    return sent;
  }

  template <typename Queues>
  size_t serve(Queues& q, size_t max_packets) {
    return serve(q, max_packets, [](uint32_t) { return true; });
  }

 private:
  std::array<uint32_t, kMaxQueues> quantum_{};
  std::array<uint64_t, kMaxQueues> deficit_{};
  size_t n_ = 0;
  size_t cur_ = 0;
  bool fresh_ = true;  // the next visit to cur_ starts a new turn and adds its quantum
};

// Strict priority over the same Queues interface: queue 0 until it is empty, then queue 1, and so
// on, up to max_packets, stopping at the first refusal of admit(bytes). Used by egress while an
// output is stalled and just after it comes back, so that the highest-priority class leaves first.
template <typename Queues, typename Admit>
size_t serve_in_order(Queues& q, size_t n_queues, size_t max_packets, Admit&& admit) {
  size_t sent = 0;
  for (size_t i = 0; i < n_queues && sent < max_packets; ++i) {
    while (sent < max_packets) {
      const std::optional<uint32_t> head = q.head_bytes(i);
      if (!head) break;
      if (!admit(*head)) return sent;
      q.pop(i);
      ++sent;
    }
  }
  return sent;
}

}  // namespace edf
