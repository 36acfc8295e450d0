#include "dataplane.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>
#include <sched.h>

#include <algorithm>
#include <optional>

#include "app.h"
#include "edf/counter.h"
#include "edf/edf_merge.h"
#include "edf/edf_stage.h"
#include "edf/flow_hash.h"
#include "edf/packet_parse.h"
#include "edf/policy.h"
#include "edf/ring_merge.h"
#include "runtime.h"
#include "stages.h"

namespace edf {

int g_meta_offset = -1;

namespace {

// Frees packets a ring refused, counting each against its own class (a queue may carry several
// classes in fifo scheduling).
void free_refused(LcoreStats& st, rte_mbuf** pkts, size_t n, DropReason why) {
  if (n == 0) return;
  for (size_t k = 0; k < n; ++k) counter_add(st.cls[meta(pkts[k])->cls].drops[static_cast<size_t>(why)], 1);
  rte_pktmbuf_free_bulk(pkts, static_cast<unsigned>(n));
}

// hwm is a single-writer counter that telemetry reads concurrently: read it as one too.
inline void note_hwm(uint64_t& hwm, uint64_t used) {
  if (used > counter_read(hwm)) counter_set(hwm, used);
}

// ---------------------------------------------------------------- RX

struct RxQueues {
  // The arrays are filled by pop() before they are read: no zeroing per poll.
  RxQueues(LcoreContext& l, bool r, uint64_t t) : lc(l), rx(*l.rx), refill(r), now(t) {}

  LcoreContext& lc;
  RxRole& rx;
  bool refill;  // false while draining: serve what is staged, poll the NIC no more
  uint64_t now;

  // One rx_burst of input `in` into area, at most max frames: counted in rx and rx_bytes, each
  // frame's headers prefetched for the parse and, with kStamp, its arrival set to this poll's.
  template <bool kStamp>
  [[gnu::always_inline]] uint16_t receive(const RxInput& in, rte_mbuf** area, size_t max) {
    const uint16_t n = rte_eth_rx_burst(in.port, in.queue, area, static_cast<uint16_t>(max));
    if (n == 0) return 0;
    uint64_t bytes = 0;
    for (uint16_t k = 0; k < n; ++k) {
      rte_prefetch0(rte_pktmbuf_mtod(area[k], void*));
      bytes += rte_pktmbuf_pkt_len(area[k]);
      if constexpr (kStamp) meta(area[k])->arrival_tsc = now;
    }
    counter_add(lc.stats->rx, n);
    counter_add(lc.stats->rx_bytes, bytes);
    return n;
  }
  // DRR's view of input i: a staged burst, refilled (and stamped: it may wait for later polls)
  // when empty.
  std::optional<uint32_t> head_bytes(size_t i) {
    RxInput& in = rx.inputs[i];
    if (in.staged.empty()) {
      if (!refill) return std::nullopt;
      const uint16_t n = receive<true>(in, in.staged.refill_area(), lc.t->fixed.burst);
      in.staged.filled(n);
      if (n == 0) return std::nullopt;
    }
    return rte_pktmbuf_pkt_len(in.staged.front());
  }
  // What DRR would serve when input i is the only one: each poll, one burst, first come first
  // served. It goes from rx_burst straight into `popped`; the caller stamps its arrival while it
  // parses. The staging queue exists for DRR's look at a head, which a lone input never needs
  // (staging and then popping was two more passes over each burst).
  size_t take_burst(size_t i, size_t max) {
    if (!refill) return 0;  // a lone input never stages: nothing is left to serve while draining
    n_popped = receive<false>(rx.inputs[i], popped.data(), max);
    return n_popped;
  }
  void pop(size_t i) {
    popped[n_popped] = rx.inputs[i].staged.pop();
    popped_from[n_popped] = static_cast<uint16_t>(i);
    ++n_popped;
  }

  std::array<rte_mbuf*, kMaxBurst> popped;        // NOLINT: left uninitialised on purpose
  std::array<uint16_t, kMaxBurst> popped_from;    // NOLINT
  size_t n_popped = 0;
};

size_t rx_poll(LcoreContext& lc, uint64_t now, bool running) {
  const DataTables& app = *lc.t;
  RxRole& rx = *lc.rx;
  RxQueues q(lc, running, now);
  // DRR over a single input serves it first come, first served, a burst at a time: skip the
  // per-packet deficit bookkeeping and the staging, and take the burst as it comes. Its packets
  // are stamped with their arrival below; staged ones were stamped when their burst came.
  const bool lone = rx.inputs.size() == 1;
  const size_t n = lone ? q.take_burst(0, app.fixed.burst) : rx.drr.serve(q, app.fixed.burst);
  if (n == 0) return 0;
  LcoreStats& st = *lc.stats;
  if (!lc.rt.forwarding) {  // shell `stop`: arrivals are counted and freed, not left to the NIC
    rte_pktmbuf_free_bulk(q.popped.data(), static_cast<unsigned>(n));
    counter_add(st.parse_drops[static_cast<size_t>(DropReason::kStopped)], n);
    return n;
  }

  // Each valid packet goes to (worker, queue) = dest / Q, dest % Q: its flow's worker (edf/
  // flow_hash.h) and its class's queue. Grouped by destination (a counting sort), each group is
  // one enqueue burst into that worker's ring.
  const size_t Q = app.n_queues;
  const uint32_t W = rx.n_workers;
  std::array<uint16_t, kMaxBurst> dest;     // NOLINT: filled before it is read
  std::array<rte_mbuf*, kMaxBurst> good;    // NOLINT
  std::array<uint32_t, kMaxWorkers * kMaxClasses + 1> start{};
  size_t n_good = 0;
  std::array<rte_mbuf*, kMaxBurst> bad;
  size_t n_bad = 0;

  const uint8_t other_class = app.fixed.other_class;
  const uint16_t lone_out = rx.inputs[0].out_port;
  std::array<uint32_t, kMaxClasses> cls_rx{};
  std::array<uint64_t, kMaxClasses> cls_bytes{};
  std::array<uint32_t, kFrameKindCount> kinds{};
  for (size_t k = 0; k < n; ++k) {
    rte_mbuf* m = q.popped[k];
    const uint8_t* frame = rte_pktmbuf_mtod(m, const uint8_t*);
    const bool csum_good = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
    const ParseResult r = parse_frame(frame, rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m), csum_good);
    uint8_t c;
    if (r.ok) {
      c = app.classifier.classify(r.udp);
    } else if (r.other && other_class != kNoClass) {
      c = other_class;  // [pipeline] other_traffic: unchanged through its class (l4_offset 0: no rewrite)
    } else {
      counter_add(st.parse_drops[static_cast<size_t>(r.reason)], 1);
      bad[n_bad++] = m;
      continue;
    }
    uint32_t w = 0;
    if (W > 1) {
      const uint32_t h = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ? m->hash.rss : flow_hash(frame, r.udp);
      w = worker_of(h, W);
    }
    PacketMeta* md = meta(m);
    if (lone) md->arrival_tsc = now;
    md->deadline_tsc = md->arrival_tsc + lc.rt.budget_tsc[c];
    md->l4_offset = r.udp.l4_offset;
    md->payload_len = r.udp.payload_len;
    md->out_port = lone ? lone_out : rx.inputs[q.popped_from[k]].out_port;
    md->cls = c;
    md->l3 = static_cast<uint8_t>(r.udp.ip_version | (r.udp.l3_offset == 18 ? 0x10u : 0u));
    dest[n_good] = static_cast<uint16_t>(w * Q + app.queue_of[c]);
    good[n_good++] = m;
    ++start[dest[n_good - 1] + 1];
    ++kinds[static_cast<size_t>(r.kind)];
    ++cls_rx[c];
    cls_bytes[c] += rte_pktmbuf_pkt_len(m);
  }
  if (n_bad) rte_pktmbuf_free_bulk(bad.data(), static_cast<unsigned>(n_bad));
  // Counters once per burst, not per packet (each is a store to this lcore's statistics).
  for (size_t c = 0; c < app.n_classes; ++c) {
    if (cls_rx[c] == 0) continue;
    counter_add(st.cls[c].rx, cls_rx[c]);
    counter_add(st.cls[c].rx_bytes, cls_bytes[c]);
  }
  for (size_t k = 0; k < kFrameKindCount; ++k)
    if (kinds[k]) counter_add(st.kinds[k], kinds[k]);

  if (n_good == 0) return n;
  const size_t n_dest = W * Q;
  for (size_t d = 0; d < n_dest; ++d) start[d + 1] += start[d];
  std::array<rte_mbuf*, kMaxBurst> grouped;  // NOLINT
  std::array<uint32_t, kMaxWorkers * kMaxClasses> fill;
  std::copy_n(start.begin(), n_dest, fill.begin());
  for (size_t k = 0; k < n_good; ++k) grouped[fill[dest[k]]++] = good[k];  // arrival order kept in a group
  for (size_t d = 0; d < n_dest; ++d) {
    const uint32_t count = start[d + 1] - start[d];
    if (count == 0) continue;
    rte_ring* ring = rx.to[d / Q][d % Q];
    rte_mbuf** pkts = grouped.data() + start[d];
    unsigned free_space = 0;
    const unsigned done = rte_ring_sp_enqueue_burst(ring, reinterpret_cast<void**>(pkts), count, &free_space);
    note_hwm(st.edf_ring_hwm[d / Q][d % Q], rte_ring_get_capacity(ring) - free_space);
    free_refused(st, pkts + done, count - done, DropReason::kRxRingFull);
  }
  return n;
}

// ---------------------------------------------------------------- EDF

// A burst just taken from a ring whose producer runs on another core: its mbufs' two header lines
// (the first holds the data pointer and length, the second PacketMeta) and the frame's first line
// (the headers the stage reads and the fwd rewrite writes) are in that core's cache. Asked for
// all at once here, they arrive while the first packets are picked, instead of one miss after
// another. With RX on the same lcore they are already here, and this is skipped.
inline void prefetch_burst(rte_mbuf** pkts, unsigned n) {
  for (unsigned k = 0; k < n; ++k) {
    rte_prefetch0(pkts[k]);
    rte_prefetch0(reinterpret_cast<char*>(pkts[k]) + RTE_CACHE_LINE_SIZE);
  }
  for (unsigned k = 0; k < n; ++k) rte_prefetch0(rte_pktmbuf_mtod(pkts[k], char*));
}

// A worker's queues for the scheduling policy (edf/policy.h's Queues): queue qi is the merge of
// its R rings (one per RX lcore, each sorted by deadline since one producer stamps in arrival
// order), so its head is the earliest of their staged heads: exact EDF within a class whatever the
// number of RX lcores. `chosen[qi]`
// is the merged index (qi * R + r) whose head was offered.
struct EdfQueues {
  LcoreContext& lc;
  EdfRole& e;
  size_t n_rx;
  bool spin;    // llf's remaining work: the spin stage's, 0 with fwd
  bool remote;  // no RX role here: every packet was last written on another core (prefetch_burst)
  std::array<uint32_t, kMaxClasses> chosen{};
  // Rings found empty in this poll (bit i: ring i): not dequeued again until the next poll. A pick
  // looks at every queue's head, so without it an idle class would cost a ring dequeue per packet.
  // A packet that reaches such a ring during the poll waits for the next one: at most a poll's
  // burst of fwd packets, or one slice (edf_slice_us) with a stage that works.
  uint64_t empty = 0;
  static_assert(kMaxMergedQueues <= 64);

  uint64_t staged_head(size_t i) {
    auto& q = e.staged[i];
    if (q.empty()) {
      if (empty & (uint64_t{1} << i)) return kNoDeadline;
      rte_mbuf** area = q.refill_area();
      const unsigned n = rte_ring_sc_dequeue_burst(e.from[i], reinterpret_cast<void**>(area),
                                                   lc.t->fixed.burst, nullptr);
      if (remote) prefetch_burst(area, n);
      q.filled(n);
      if (n == 0) {
        empty |= uint64_t{1} << i;
        return kNoDeadline;
      }
    }
    return meta(q.front())->deadline_tsc;
  }
  uint64_t head_deadline(size_t qi) {
    if (n_rx == 1) {  // one RX lcore: the queue is its one ring (the common case; no merge to do)
      chosen[qi] = static_cast<uint32_t>(qi);
      return staged_head(qi);
    }
    const size_t first = qi * n_rx;
    size_t r = 0;
    const uint64_t d = merged_head([&](size_t k) { return staged_head(first + k); },
                                   [&](size_t k) { return e.started[first + k]; }, n_rx, r);
    chosen[qi] = static_cast<uint32_t>(first + r);
    return d;
  }
  // Called by a policy only after head_deadline(qi) offered a head (chosen[qi]).
  uint64_t head_arrival(size_t qi) { return meta(e.staged[chosen[qi]].front())->arrival_tsc; }
  uint64_t head_work(size_t qi);
};

// A started (preempted) head owes what its stage kept in edf_left; a new one its whole work.
// Only the spin stage's work is known ahead (llf's remaining work); other stages count as 0.
uint64_t EdfQueues::head_work(size_t qi) {
  const size_t i = chosen[qi];
  if (!spin) return 0;
  if (e.started[i]) return e.left[i];
  return spin_work_tsc(lc.t->tsc, lc.rt, meta(e.staged[i].front())->payload_len);
}

// An EDF worker as edf/edf_stage.h's loop sees it: the policy over its queues, its stage, and
// where finished packets go (staged per queue, enqueued in bursts on its port's ring).
struct EdfWorker {
  // The staging arrays are filled before they are read: left uninitialised (16 KiB per poll).
  EdfWorker(LcoreContext& l, EdfQueues& queues, const StageInstance& stage)
      : lc(l), e(*l.edf), st(*l.stats), q(queues), policy(l.rt.scheduling), ops(stage.ops), state(e.stage_state[l.rt.stage]) {}

  LcoreContext& lc;
  EdfRole& e;
  LcoreStats& st;
  EdfQueues& q;
  const Policy policy;
  const edfpipe_stage_ops* ops;
  void* state;
  std::array<std::array<rte_mbuf*, kMaxBurst>, kMaxClasses> out;  // NOLINT: filled before read
  std::array<uint32_t, kMaxClasses> n_out{};
  std::array<uint16_t, kMaxClasses> out_port;  // NOLINT: set with the first packet of a queue
  size_t run_q = kNoQueue;  // the queue whose turn `run` may extend (n_rx == 1: its ring too)
  EdfRun run;

  // With the edf policy and one RX lcore, a queue that won keeps its turn while its next head
  // would win a full pick again (edf/edf_merge.h's EdfRun): the other heads do not change until
  // a full pick, since only the picked queue is popped and an empty ring stays empty this poll.
  // One scan of the heads then serves a run of packets instead of one.
  size_t pick(uint64_t now) {
    if (run_q != kNoQueue) {
      const auto& staged = e.staged[run_q];
      if (!staged.empty() && run.keeps(meta(staged.front())->deadline_tsc, now)) return run_q;
    }
    if (policy == Policy::kEdf && q.n_rx == 1) return run_q = pick_edf_run(q, lc.t->n_queues, now, run);
    return edf::pick(policy, q, lc.t->n_queues, now);
  }
  size_t ring(size_t qi) const { return q.chosen[qi]; }
  rte_mbuf* head(size_t i) { return e.staged[i].front(); }
  void pop(size_t i) { e.staged[i].pop(); }
  bool& started(size_t i) { return e.started[i]; }
  uint64_t& resume(size_t i) { return e.left[i]; }
  static uint64_t deadline(rte_mbuf* m) { return meta(m)->deadline_tsc; }
  bool expired_drops(rte_mbuf* m) const { return lc.rt.expired[meta(m)->cls] == ExpiredPolicy::kDrop; }
  bool has_work() const { return ops->process != nullptr; }
  StageVerdict process(rte_mbuf* m, uint64_t* resume_at, uint64_t until, uint32_t* reason) {
    const PacketMeta& md = *meta(m);
    edfpipe_pkt p{m, rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m),
                  md.l3_offset(), md.l4_offset, md.payload_len, md.cls, static_cast<uint8_t>(md.ip_version()),
                  md.deadline_tsc};
    return static_cast<StageVerdict>(ops->process(state, &p, resume_at, until, reason));
  }
  static uint64_t clock() { return rte_rdtsc(); }
  void late(rte_mbuf* m) { counter_add(st.cls[meta(m)->cls].late, 1); }
  void expired(rte_mbuf* m) { drop(m, DropReason::kExpired); }
  void stage_drop(rte_mbuf* m, uint32_t reason) {
    // A reason the stage does not have is still a drop: counted under its last slot, not lost.
    drop(m, stage_drop_reason(std::min<uint32_t>(reason, kMaxStageDrops - 1)));
  }
  void drop(rte_mbuf* m, DropReason why) {
    counter_add(st.cls[meta(m)->cls].drops[static_cast<size_t>(why)], 1);
    rte_pktmbuf_free(m);
  }
  void emit(size_t qi, rte_mbuf* m) {
    const PacketMeta& md = *meta(m);
    if (md.l4_offset != 0) lc.t->port_map.rewrite(rte_pktmbuf_mtod_offset(m, uint8_t*, md.l4_offset));
    if (n_out[qi] && out_port[qi] != md.out_port) flush(qi);  // keep per-port order per queue
    out_port[qi] = md.out_port;
    out[qi][n_out[qi]++] = m;
  }
  void flush(size_t qi) {
    if (n_out[qi] == 0) return;
    rte_ring* r = e.out[out_port[qi]][qi];
    unsigned free_space = 0;
    const unsigned done = rte_ring_sp_enqueue_burst(r, reinterpret_cast<void**>(out[qi].data()), n_out[qi], &free_space);
    note_hwm(st.tx_ring_hwm[out_port[qi]][qi], rte_ring_get_capacity(r) - free_space);
    free_refused(st, out[qi].data() + done, n_out[qi] - done, DropReason::kTxRingFull);
    n_out[qi] = 0;
  }
};

// Processes packets in the order of the worker's policy (edf/policy.h; EDF by default) through
// the running processing stage, in time slices: edf/edf_stage.h has the rules. `busy` is set when
// the poll did work, even if no packet finished.
size_t edf_poll(LcoreContext& lc, uint64_t loop_now, bool& busy) {
  const DataTables& app = *lc.t;
  const StageInstance& stage = app.stages[lc.rt.stage];
  const bool work = stage.ops->process != nullptr;
  EdfQueues q{lc, *lc.edf, app.n_rx, lc.rt.stage == kStageSpin, lc.rx == nullptr};
  EdfWorker w(lc, q, stage);
  // A stage with work reads its own clock: on a shared lcore, RX's time since the loop's clock
  // must not count as time the packet in progress got. fwd does no timed work: the loop's will do.
  const uint64_t now = work ? rte_rdtsc() : loop_now;
  const EdfPollResult r = edf_run(w, now, app.fixed.edf_slice_tsc, app.fixed.burst);
  busy = r.busy;
  for (size_t qi = 0; qi < app.n_queues; ++qi) w.flush(qi);
  return r.handled;
}

// ---------------------------------------------------------------- TX

// The class rings of one output port, seen through their staged bursts (egress.h's Queues).
// Queue c of an output port is the merge, by deadline, of its W rings (one per worker, each in
// the order its worker emitted); head_bytes() offers the earliest staged head, pop() takes it.
struct TxQueues {
  TxPortState& tp;
  unsigned burst;
  // Rings found empty in this poll (bit c * kMaxWorkers + w): DRR asks every class's head each
  // round, and an idle class's ring is dequeued at most once per poll, not once per packet.
  uint64_t empty = 0;
  static_assert(kMaxClasses * kMaxWorkers <= 64);

  bool refill(size_t c, size_t w) {
    auto& q = tp.staged[c][w];
    if (!q.empty()) return true;
    const uint64_t bit = uint64_t{1} << (c * kMaxWorkers + w);
    if (empty & bit) return false;
    const unsigned n = rte_ring_sc_dequeue_burst(tp.ring[c][w], reinterpret_cast<void**>(q.refill_area()), burst, nullptr);
    q.filled(n);
    if (n == 0) empty |= bit;
    return n != 0;
  }
  // Inlined into the egress machine's DRR loop, which calls it up to twice per packet: as a call
  // it was its own 5 % of perf samples in single-lcore fwd (docs/scaling.md says how to profile).
  [[gnu::always_inline]] std::optional<uint32_t> head_bytes(size_t c) {
    if (tp.n_workers == 1) {  // one worker: pop() takes from staged[c][0], no head_worker store
      if (!refill(c, 0)) return std::nullopt;
      return rte_pktmbuf_pkt_len(tp.staged[c][0].front());
    }
    size_t w = 0;
    const uint64_t d = merged_head(
        [&](size_t k) { return refill(c, k) ? meta(tp.staged[c][k].front())->deadline_tsc : kNoDeadline; },
        [](size_t) { return false; }, tp.n_workers, w);
    if (d == kNoDeadline) return std::nullopt;
    tp.head_worker[c] = static_cast<uint8_t>(w);
    return rte_pktmbuf_pkt_len(tp.staged[c][w].front());
  }
  rte_mbuf* pop(size_t c) { return tp.staged[c][tp.n_workers == 1 ? 0 : tp.head_worker[c]].pop(); }
  // The rest of a DRR turn in one pass (drr.h): staged heads of queue c while they fit `deficit`
  // and admit() takes them, at most max, into out. One worker only (with several, each head is a
  // merge); what is staged only, so that a refill stays with head_bytes().
  template <typename Admit>
  size_t take_while(size_t c, uint64_t& deficit, size_t max, Admit& admit, rte_mbuf** out) {
    if (tp.n_workers != 1) return 0;
    uint64_t d = deficit;
    const size_t n = tp.staged[c][0].pop_while(out, max, [&](rte_mbuf* m) {
      const uint32_t len = rte_pktmbuf_pkt_len(m);
      if (len > d || !admit(len)) return false;
      d -= len;
      return true;
    });
    deficit = d;
    return n;
  }
};

// The NIC side of one output port (egress.h's Port): tx_burst, and the counters of what it took
// or what was given up.
struct TxPort {
  const DataTables& app;
  LcoreStats& st;
  uint16_t port;

  size_t send(rte_mbuf** pkts, size_t n, uint64_t now) {
    // Once handed over, sent mbufs belong to the PMD (it may free them at once): read what the
    // stats need first. Converting cycles to ns is two multiplies per packet, no divide, and does
    // not wrap however long a packet was held (edf/tsc_scale.h).
    std::array<uint8_t, kMaxBurst> cls;
    std::array<uint32_t, kMaxBurst> len;
    std::array<uint64_t, kMaxBurst> arrival, deadline;
    for (size_t k = 0; k < n; ++k) {
      const PacketMeta& md = *meta(pkts[k]);
      cls[k] = md.cls;
      len[k] = rte_pktmbuf_pkt_len(pkts[k]);
      arrival[k] = md.arrival_tsc;
      deadline[k] = md.deadline_tsc;
    }
    const uint16_t sent = rte_eth_tx_burst(port, 0, pkts, static_cast<uint16_t>(n));
    // Counters per class once per burst; the latency of each packet into its class's histogram.
    std::array<uint32_t, kMaxClasses> misses{};
    std::array<uint64_t, kMaxClasses> bytes{};
    std::array<Histogram::Burst, kMaxClasses> lat{};
    // Egress serves a queue for a quantum at a time, so a burst comes in runs of one class; RX
    // stamps its whole burst with one arrival time, so within a run the latency changes only
    // where the arrival does. A run is summed in registers, its latency converted and bucketed
    // once per arrival, and each counter stored once per run: a read-modify-write of the same
    // counter per packet made each packet wait for the previous one's store.
    for (size_t k = 0; k < sent;) {
      const uint8_t c = cls[k];
      Histogram& h = st.latency[c];
      Histogram::Burst run;
      uint64_t run_bytes = 0;
      uint32_t run_misses = 0;
      uint64_t at = arrival[k] + 1;  // differs from arrival[k]: the first packet converts
      uint64_t ns = 0;
      size_t bucket = 0;
      uint64_t in_bucket = 0;
      for (; k < sent && cls[k] == c; ++k) {
        run_bytes += len[k];
        run_misses += now > deadline[k];
        if (arrival[k] != at) {
          at = arrival[k];
          ns = app.tsc.cycles_to_ns(now > at ? now - at : 0);
          const size_t b = Histogram::bucket_of(ns);
          if (b != bucket) {
            if (in_bucket) h.record_in_bucket(bucket, in_bucket);
            bucket = b;
            in_bucket = 0;
          }
        }
        ++in_bucket;
        run.add(ns);
      }
      h.record_in_bucket(bucket, in_bucket);
      lat[c].merge(run);
      bytes[c] += run_bytes;
      misses[c] += run_misses;
    }
    for (size_t c = 0; c < kMaxClasses; ++c) {
      if (lat[c].count == 0) continue;
      ClassCounters& cc = st.cls[c];
      counter_add(cc.tx, lat[c].count);
      counter_add(cc.tx_bytes, bytes[c]);
      if (misses[c]) counter_add(cc.misses, misses[c]);
      st.latency[c].record_burst(lat[c]);
    }
    return sent;
  }
  void give_up(rte_mbuf** pkts, size_t n) { free_refused(st, pkts, n, DropReason::kTxFailed); }
  void stalled() { counter_add(st.tx_stalls[port], 1); }
};

// TX reads its own clock, once per poll: when roles share an lcore, the loop's clock was read
// before RX and EDF ran, and latency measured against it would leave out their time.
size_t tx_poll(LcoreContext& lc) {
  const uint64_t now = rte_rdtsc();
  size_t work = 0;
  for (TxPortState& tp : lc.tx->ports) {
    TxQueues q{tp, lc.t->fixed.burst};
    TxPort port{*lc.t, *lc.stats, tp.port};
    work += tp.egress.poll(q, port, now);
  }
  return work;
}

void idle(const FixedConfig& p) {
  switch (p.idle) {
    case IdlePolicy::kSpin: rte_pause(); break;
    case IdlePolicy::kYield: sched_yield(); break;
    case IdlePolicy::kSleep: rte_delay_us_sleep(p.idle_sleep_us); break;
  }
}

// At stop: everything still staged on this lcore is freed and counted as a shutdown drop.
void flush_staged(LcoreContext& lc) {
  LcoreStats& st = *lc.stats;
  auto drop_all = [&](rte_mbuf** pkts, size_t n) {
    for (size_t k = 0; k < n; ++k)
      counter_add(st.cls[meta(pkts[k])->cls].drops[static_cast<size_t>(DropReason::kShutdown)], 1);
    rte_pktmbuf_free_bulk(pkts, static_cast<unsigned>(n));
  };
  if (lc.rx) {
    for (RxInput& in : lc.rx->inputs) {
      // Staged RX packets have no class yet: they are counted with the class-less drops.
      in.staged.drain([&](rte_mbuf** pkts, size_t n) {
        counter_add(st.parse_drops[static_cast<size_t>(DropReason::kShutdown)], n);
        rte_pktmbuf_free_bulk(pkts, static_cast<unsigned>(n));
      });
    }
  }
  if (lc.edf) {
    for (auto& q : lc.edf->staged) q.drain(drop_all);
    lc.edf->started.fill(false);
    lc.edf->left.fill(0);
  }
  if (lc.tx) {
    for (TxPortState& tp : lc.tx->ports) {
      for (auto& per_worker : tp.staged)
        for (auto& q : per_worker) q.drain(drop_all);
      tp.egress.drain_pending(drop_all);
    }
  }
}

}  // namespace

int lcore_main(void* arg) {
  LcoreContext& lc = *static_cast<LcoreContext*>(arg);
  AppContext& app = *lc.app;
  const FixedConfig& p = lc.t->fixed;
  LcoreStats& st = *lc.stats;
  uint32_t empty_polls = 0;
  runtime_poll(lc);
  uint64_t prev = rte_rdtsc();
  bool prev_busy = false;
  uint64_t iteration = 0;
  uint64_t last_config_check = prev;
  const uint64_t config_check_tsc = lc.t->tsc_hz / 1000;

  while (true) {
    const Phase phase = app.phase.load(std::memory_order_acquire);
    if (phase == Phase::kStop) break;
    const uint64_t now = rte_rdtsc();
    lc.stalls.note(prev, now, p.stall_tsc);
    // Busy cycles from the clock already read: the previous iteration's length, if it worked.
    counter_add(st.total_cycles, now - prev);
    if (prev_busy) counter_add(st.busy_cycles, now - prev);
    counter_add(st.loops, 1);
    prev = now;
    // A new configuration is looked for every 64 iterations, or after 1 ms when iterations are
    // slow (a spin stage), so the shell's changes are acknowledged promptly either way.
    if ((++iteration & (kConfigCheckLoops - 1)) == 0 || now - last_config_check > config_check_tsc) {
      runtime_poll(lc);
      last_config_check = now;
    }

    size_t work = 0;
    if (lc.rx) {
      const bool running = phase == Phase::kRun;
      work += rx_poll(lc, now, running);
      if (!running && !lc.rx_stopped.load(std::memory_order_relaxed))
        lc.rx_stopped.store(true, std::memory_order_release);
    }
    bool edf_busy = false;
    if (lc.edf) work += edf_poll(lc, now, edf_busy);
    if (lc.tx) work += tx_poll(lc);

    prev_busy = work != 0 || edf_busy;
    if (prev_busy) {
      counter_add(st.work, work);
      empty_polls = 0;
    } else if (++empty_polls >= p.idle_polls) {
      idle(p);
    }
  }
  // The last iteration's cycles: each is otherwise counted when the next one begins.
  const uint64_t end = rte_rdtsc();
  counter_add(st.total_cycles, end - prev);
  if (prev_busy) counter_add(st.busy_cycles, end - prev);
  flush_staged(lc);
  lc.rx_stopped.store(true, std::memory_order_release);
  return 0;
}

}  // namespace edf
