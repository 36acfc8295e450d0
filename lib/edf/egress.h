// egress.h: one output port's egress: deficit round robin over the class queues under a token
// bucket, and what happens when the NIC refuses packets (retry, give up, stall, catch up).
//
// Algorithm. Each poll, at time `now` (TSC cycles, injected):
//   1. Refused packets pending from an earlier poll are offered again, oldest first. While any are
//      still refused and younger than retry_tsc, nothing new is taken from the queues
//      (backpressure). Past retry_tsc they are given up (the port counts them as tx_failed).
//   2. A port that has taken nothing for stall_tsc when a burst is given up is *stalled* (a link
//      down, a peer that stopped reading; a merely congested link takes packets now and then and
//      stays normal). While stalled, each burst comes from the highest-priority backlogged queue
//      alone: what probes the port is the most urgent traffic, and the other queues keep their
//      packets (their rings fill and upstream counts tx_ring_full) instead of dying in refused bursts.
//   3. The first packet a stalled port takes starts *catch-up*: bursts go in strict queue order
//      until queue 0 is empty, or catchup_limit packets have gone (about one ring of queue 0), and
//      then DRR restarts its round at queue 0 with no credit banked.
//   4. Otherwise DRR (drr.h) serves the queues by their quanta, each packet admitted by the token
//      bucket (token_bucket.h), at most `burst` packets a poll.
// This is the egress of Linux's sch_drr with the retry/expiry of a driver's TX path; the stall and
// catch-up rule is edfpipe's own (docs/architecture.md, "TX role").
//
// Interfaces (templates, so tests drive it with plain values and a fake clock):
//   Queues: std::optional<uint32_t> head_bytes(size_t i); Pkt pop(size_t i)   (as drr.h, but pop
//           returns the packet)
//   Port:   size_t send(Pkt* pkts, size_t n, uint64_t now) -- hands pkts to the NIC, returns how
//           many it took (a prefix); the rest stay the caller's (here: pending)
//           void give_up(Pkt* pkts, size_t n)  -- refused past retry_tsc: count and free them
//           void stalled()                      -- the port just entered the stalled mode
// Units: TSC cycles, bytes, packets. Does not allocate; one instance belongs to one lcore.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "edf/drr.h"
#include "edf/token_bucket.h"

namespace edf {

struct EgressParams {
  uint32_t burst = 32;          // packets per poll, at most kMaxBurst
  uint64_t retry_tsc = 0;       // a refused packet is offered again for this long, then given up
  uint64_t stall_tsc = 0;       // nothing taken for this long when a burst is given up: stalled
  uint32_t catchup_limit = 0;   // packets in strict order after a stall, at most
};

template <typename Pkt, size_t kMaxQueues, size_t kMaxBurst>
class Egress {
 public:
  enum class Mode : uint8_t { kNormal, kStalled, kCatchUp };

  void configure(const EgressParams& p) {
    params_ = p;
    params_.burst = std::min<uint32_t>(std::max<uint32_t>(p.burst, 1), static_cast<uint32_t>(kMaxBurst));
  }
  Drr<kMaxQueues>& drr() { return drr_; }
  TokenBucket& bucket() { return bucket_; }
  [[nodiscard]] Mode mode() const { return mode_; }
  [[nodiscard]] size_t pending() const { return n_pending_; }
  [[nodiscard]] uint64_t last_progress_tsc() const { return last_progress_; }

  // One poll. Returns the packets that moved (taken by the NIC from pending, plus new ones handed
  // to it), so the caller knows whether the lcore did work.
  template <typename Queues, typename Port>
  size_t poll(Queues& queues, Port& port, uint64_t now) {
    size_t work = 0;
    if (n_pending_) {
      const uint64_t since = pending_since_;
      std::array<Pkt, kMaxBurst> retry;  // NOLINT: filled before it is read
      const size_t n = n_pending_;
      std::copy_n(pending_.begin(), n, retry.begin());
      n_pending_ = 0;
      const size_t sent = send(port, retry.data(), n, now);
      work += sent;
      if (sent && mode_ == Mode::kStalled) start_catch_up();
      if (n_pending_) {
        pending_since_ = since;
        if (now - since < params_.retry_tsc) return work;  // backpressure: serve no new packets
        port.give_up(pending_.data(), n_pending_);
        n_pending_ = 0;
        if (mode_ != Mode::kStalled && now - last_progress_ >= params_.stall_tsc) {
          mode_ = Mode::kStalled;
          port.stalled();
        }
        return work;
      }
    }
    bucket_.refill(now);
    Collect<Queues> q(queues);
    auto admit = [&](uint32_t bytes) { return bucket_.try_consume(bytes); };
    if (mode_ == Mode::kCatchUp && (catchup_left_ == 0 || !q.head_bytes(0))) {
      mode_ = Mode::kNormal;
      drr_.restart();
    }
    size_t n = 0;
    if (mode_ == Mode::kNormal) {
      n = drr_.serve(q, params_.burst, admit);
    } else if (mode_ == Mode::kStalled) {
      size_t first = 0;
      while (first < drr_.size() && !q.head_bytes(first)) ++first;
      if (first < drr_.size()) {
        OneQueue<Collect<Queues>> only{q, first};
        n = serve_in_order(only, 1, params_.burst, admit);
      }
    } else {
      n = serve_in_order(q, drr_.size(), std::min<size_t>(params_.burst, catchup_left_), admit);
      catchup_left_ -= static_cast<uint32_t>(n);
    }
    if (n == 0) return work;
    const size_t sent = send(port, q.out.data(), n, now);
    work += n;
    if (sent && mode_ == Mode::kStalled) start_catch_up();
    return work;
  }

  // At shutdown: hands what is still pending to f(pkts, n) and forgets it.
  template <typename F>
  void drain_pending(F&& f) {
    if (n_pending_) f(pending_.data(), static_cast<size_t>(n_pending_));
    n_pending_ = 0;
  }

 private:
  // Gathers what the scheduler pops into one burst. `out` is left uninitialised on purpose: it
  // is filled before it is read, and zeroing 2 KiB per poll costs more than the poll.
  template <typename Queues>
  struct Collect {
    explicit Collect(Queues& qs) : q(qs) {}
    Queues& q;
    std::array<Pkt, kMaxBurst> out;  // NOLINT(cppcoreguidelines-pro-type-member-init)
    size_t n = 0;
    // Inlined into DRR's loop (called up to twice per packet): outlined, it was 4 % of the samples
    // of single-lcore fwd under perf.
    [[gnu::always_inline]] std::optional<uint32_t> head_bytes(size_t i) { return q.head_bytes(i); }
    [[gnu::always_inline]] void pop(size_t i) { out[n++] = q.pop(i); }
    // DRR's run of one queue in one call (drr.h), when the queues offer it.
    template <typename Admit>
      requires requires(Queues& qs, uint64_t& d, Admit& a, Pkt* o) { qs.take_while(size_t{}, d, size_t{}, a, o); }
    size_t take_while(size_t i, uint64_t& deficit, size_t max, Admit& admit) {
      const size_t k = q.take_while(i, deficit, max, admit, out.data() + n);
      n += k;
      return k;
    }
  };
  template <typename Q>
  struct OneQueue {
    Q& q;
    size_t index;
    std::optional<uint32_t> head_bytes(size_t) { return q.head_bytes(index); }
    void pop(size_t) { q.pop(index); }
  };

  // Hands pkts to the port; what it refuses becomes pending (callers make sure none is pending).
  template <typename Port>
  size_t send(Port& port, Pkt* pkts, size_t n, uint64_t now) {
    const size_t sent = port.send(pkts, n, now);
    if (sent) last_progress_ = now;
    for (size_t k = sent; k < n; ++k) pending_[n_pending_++] = pkts[k];
    if (n_pending_) pending_since_ = now;
    return sent;
  }

  void start_catch_up() {
    mode_ = Mode::kCatchUp;
    catchup_left_ = params_.catchup_limit;
  }

  EgressParams params_;
  Drr<kMaxQueues> drr_;
  TokenBucket bucket_;
  Mode mode_ = Mode::kNormal;
  uint32_t catchup_left_ = 0;
  uint64_t last_progress_ = 0;  // when the NIC last took a packet (0: never)
  std::array<Pkt, kMaxBurst> pending_{};
  uint32_t n_pending_ = 0;
  uint64_t pending_since_ = 0;
};

}  // namespace edf
