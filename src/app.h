// app.h: the running pipeline's shared state: ports, pools, rings, per-lcore contexts and stats.
//
// Who writes what (grout's convention):
//   AppContext fields      ctlplane (main lcore): wo before launch, ro after; dataplane: ro
//   AppContext::phase      ctlplane: wo; dataplane: ro (polled once per loop)
//   LcoreStats             its own lcore: wo (relaxed single-writer counters, edf/counter.h);
//                          ctlplane, telemetry: ro at any time; ctlplane: wo only after the lcore stopped
//   LcoreContext::rx_stopped  its own lcore: wo; ctlplane: ro
// Nothing here is allocated after launch.
#pragma once

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edf/burst_queue.h"
#include "edf/classifier.h"
#include "edf/drop_reason.h"
#include "edf/drr.h"
#include "edf/egress.h"
#include "edf/histogram.h"
#include "edf/plan.h"
#include "edf/port_map.h"
#include "edf/profile.h"
#include "edf/stall_log.h"
#include "edf/status.h"
#include "edf/token_bucket.h"
#include "edf/tsc_scale.h"
#include "edfpipe/stage.h"

namespace edf {

// kMaxPorts, kMaxInputsPerLcore: edf/plan.h; kMaxRxLcores, kMaxWorkers, kMaxTxLcores: edf/profile.h.
// The EDF merge of one worker: R RX lcores x Q queues, each ring sorted by deadline (pick_edf's limit).
inline constexpr size_t kMaxMergedQueues = kMaxRxLcores * kMaxClasses;
inline constexpr size_t kMaxStages = 3;  // started stages: fwd, spin and the profile's (stages.h)
static_assert(kMaxMergedQueues <= 64);

// Per-packet metadata, in an mbuf dynamic field (registered once at init).
struct PacketMeta {
  uint64_t arrival_tsc;   // TSC when its RX burst was received
  uint64_t deadline_tsc;  // arrival + class budget
  uint16_t l4_offset;     // UDP header offset in the first segment; 0: not UDP (other traffic)
  uint16_t payload_len;   // UDP payload bytes (other traffic: edf/packet_parse.h's payload_len)
  uint16_t out_port;      // output port from the input port's tx_port
  uint8_t cls;            // traffic class index
  uint8_t l3;             // IP version (bits 0-3: 4, 6, or 0 if not IP); bit 4: one VLAN tag
  [[nodiscard]] unsigned ip_version() const { return l3 & 0x0fu; }
  [[nodiscard]] uint16_t l3_offset() const { return ip_version() ? ((l3 & 0x10u) ? 18 : 14) : 0; }
};
static_assert(sizeof(PacketMeta) == 24);

// Offset of PacketMeta in every mbuf; written once by init before any lcore starts, then constant,
// as DPDK's own dynfield offsets are.
extern int g_meta_offset;

inline PacketMeta* meta(rte_mbuf* m) { return RTE_MBUF_DYNFIELD(m, g_meta_offset, PacketMeta*); }

struct alignas(RTE_CACHE_LINE_SIZE) ClassCounters {
  uint64_t rx;          // classified into this class (valid packets)
  uint64_t rx_bytes;
  uint64_t tx;          // taken by the NIC
  uint64_t tx_bytes;
  uint64_t late;        // past deadline before processing, delivered anyway (policy deliver)
  uint64_t misses;      // past deadline when transmitted
  std::array<uint64_t, kDropReasonCount> drops;
};

struct alignas(RTE_CACHE_LINE_SIZE) LcoreStats {
  uint64_t rx;          // every frame an rx_burst returned, valid or not
  uint64_t rx_bytes;
  std::array<uint64_t, kDropReasonCount> parse_drops;  // frames with no class: malformed, or still
                                                       // staged unparsed on RX at stop (kShutdown)
  std::array<uint64_t, kFrameKindCount> kinds;  // frames that entered a class, by kind (udp4, arp, ...)
  std::array<ClassCounters, kMaxClasses> cls;
  std::array<Histogram, kMaxClasses> latency;  // arrival to tx_burst, ns (TX role)
  uint64_t loops;
  uint64_t busy_cycles;  // cycles of loop iterations that did work
  uint64_t total_cycles;
  uint64_t work;         // packets handled by this lcore's roles (RX + EDF + TX, each counts)
  // Ring high-water marks, packets, kept by the ring's producer after each enqueue burst.
  std::array<std::array<uint64_t, kMaxClasses>, kMaxWorkers> edf_ring_hwm;  // RX lcores: [worker][queue]
  std::array<std::array<uint64_t, kMaxClasses>, kMaxPorts> tx_ring_hwm;     // EDF workers: [port][queue]
  std::array<uint64_t, kMaxPorts> tx_stalls;  // TX lcore: times a port entered kStalled (outages)
};

enum class Phase : int { kRun, kDrain, kStop };

// What the lcores read that never changes after launch (ctlplane: wo before launch; dataplane: ro).
struct FixedConfig {
  uint32_t burst = 32;
  IdlePolicy idle = IdlePolicy::kYield;
  uint32_t idle_polls = 64;
  uint32_t idle_sleep_us = 20;
  uint64_t edf_slice_tsc = 0;
  uint64_t tx_retry_tsc = 0;
  uint64_t tx_stall_tsc = 0;  // no packet taken for this long: the port is stalled (1 ms or 2 x tx_retry)
  uint64_t stall_tsc = 0;  // an iteration gap longer than this is a stall (init.cc)
  uint8_t other_class = kNoClass;  // [pipeline] other_traffic: the class of non-UDP frames, or drop
};

// What the shell may change while traffic flows. The control plane publishes a new version into
// the idle half of AppContext::runtime and flips runtime_index; every lcore checks the index every
// kConfigCheckLoops iterations, copies the struct, applies it at that safe point, and acknowledges
// the generation. The next publish waits for every acknowledgement, so no lcore can still be
// reading the half being rewritten (a double buffer with quiescent-state acknowledgement, as RCU).
struct RuntimeConfig {
  uint64_t generation = 0;
  bool forwarding = true;  // false (shell `stop`): RX counts arrivals as kStopped and frees them
  // The EDF workers' policy (edf/policy.h). The shell switches only among policies with the same
  // queue layout (policy_switch_is_live): fifo's one shared queue is fixed at start.
  Policy scheduling = Policy::kEdf;
  uint8_t stage = 0;  // the processing stage: a slot of AppContext::stages (stages.h)
  uint32_t spin_base_ns = 0;
  uint32_t spin_per_byte_ns = 0;
  std::array<uint64_t, kMaxClasses> budget_tsc{};
  std::array<ExpiredPolicy, kMaxClasses> expired{};
  std::array<uint32_t, kMaxClasses> quantum_bytes{};
  std::array<uint64_t, kMaxPorts> rate_bps{};
  std::array<uint32_t, kMaxPorts> rate_burst_bytes{};
};
inline constexpr uint64_t kConfigCheckLoops = 64;

struct RxInput {
  uint16_t port;
  uint16_t queue;
  uint16_t out_port;
  BurstQueue<rte_mbuf*, kMaxBurst> staged;
};

// One output port on its TX lcore: per queue, one EDF -> TX ring from each worker (single
// producer, single consumer, so each is sorted by deadline) and its staged burst; a queue's head
// is the earliest of its W staged heads (a merge), and the egress machine (edf/egress.h: DRR under
// the token bucket, retry, stall and catch-up) serves the queues.
struct TxPortState {
  uint16_t port = 0;
  uint32_t n_workers = 1;
  std::array<std::array<rte_ring*, kMaxWorkers>, kMaxClasses> ring{};  // [queue][worker]
  std::array<std::array<BurstQueue<rte_mbuf*, kMaxBurst>, kMaxWorkers>, kMaxClasses> staged;
  std::array<uint8_t, kMaxClasses> head_worker{};  // the worker whose head was last offered, per queue
  Egress<rte_mbuf*, kMaxClasses, kMaxBurst> egress;
};

struct AppContext;

// A processing stage started for this run (stages.h): its operations and shared configuration.
struct StageInstance {
  const edfpipe_stage_ops* ops = nullptr;
  void* config = nullptr;
};

// What the data path reads per packet or per poll and never writes after launch: one copy per NUMA
// socket with a worker lcore, in hugepage memory on that socket (init.cc), so an lcore's lookups
// (the 64 KiB classifier and 128 KiB port map, the fixed configuration, the started stages) stay on
// its own node and off main()'s stack. ctlplane: wo before launch; dataplane: ro.
struct alignas(RTE_CACHE_LINE_SIZE) DataTables {
  Classifier classifier;
  PortMap port_map;
  FixedConfig fixed;
  TscScale tsc;
  uint64_t tsc_hz = 0;
  size_t n_classes = 0, n_queues = 0, n_rx = 1;
  std::array<uint8_t, kMaxClasses> queue_of{};
  std::array<StageInstance, kMaxStages> stages{};
};

// The state of each role an lcore may hold, allocated only for the roles it has, on its own NUMA
// socket (rte_zmalloc_socket, init.cc), so that each role's hot state is contiguous and local.
// Written and read by its lcore only after launch (init.cc fills them before).

// RX: its inputs served by DRR; ring to[w][q] goes to worker w's queue q (SP/SC).
struct alignas(RTE_CACHE_LINE_SIZE) RxRole {
  std::vector<RxInput> inputs;  // sized before launch
  Drr<kMaxInputsPerLcore> drr;
  uint32_t n_workers = 1;
  std::array<std::array<rte_ring*, kMaxClasses>, kMaxWorkers> to{};
};

// EDF (a worker): its index, the state each started stage keeps for it (stages.h), R x Q input
// rings, merged queue i = q * R + r, so that a lower index is a higher-priority queue (pick_edf's
// rule) and each (RX lcore, queue) ring keeps its order.
struct alignas(RTE_CACHE_LINE_SIZE) EdfRole {
  uint32_t worker = 0;
  std::array<void*, kMaxStages> stage_state{};
  uint32_t n_merged = 0;
  std::array<rte_ring*, kMaxMergedQueues> from{};
  std::array<uint8_t, kMaxMergedQueues> queue_of_merged{};
  std::array<BurstQueue<rte_mbuf*, kMaxBurst>, kMaxMergedQueues> staged;
  // The head of staged[i] once EDF has started it: its expiry was checked, and a stage that
  // yielded keeps its progress in left[i] (a preempted packet keeps its place and its progress).
  std::array<bool, kMaxMergedQueues> started{};
  std::array<uint64_t, kMaxMergedQueues> left{};
  std::array<std::array<rte_ring*, kMaxClasses>, kMaxPorts> out{};  // this worker -> [port][queue]
};

// TX: the output ports this lcore owns.
struct alignas(RTE_CACHE_LINE_SIZE) TxRole {
  std::vector<TxPortState> ports;  // sized before launch
};

// One worker lcore's state, allocated on the lcore's own NUMA socket, with a role struct for
// each role it holds (nullptr for the others).
struct alignas(RTE_CACHE_LINE_SIZE) LcoreContext {
  unsigned lcore_id = 0;
  AppContext* app = nullptr;
  const DataTables* t = nullptr;  // its socket's copy
  RxRole* rx = nullptr;
  EdfRole* edf = nullptr;
  TxRole* tx = nullptr;
  [[nodiscard]] bool has_rx() const { return rx != nullptr; }
  [[nodiscard]] bool has_edf() const { return edf != nullptr; }
  [[nodiscard]] bool has_tx() const { return tx != nullptr; }
  // The ports this lcore transmits on, and the inputs it polls: empty without the role.
  [[nodiscard]] std::span<TxPortState> tx_ports() const { return tx ? std::span(tx->ports) : std::span<TxPortState>(); }
  [[nodiscard]] std::span<RxInput> rx_inputs() const { return rx ? std::span(rx->inputs) : std::span<RxInput>(); }
  std::atomic<bool> rx_stopped{false};
  std::atomic<uint64_t> config_seen{0};  // generation of RuntimeConfig applied (lcore: wo; ctlplane: ro)
  RuntimeConfig rt;                      // this lcore's copy (lcore only)
  LcoreStats* stats = nullptr;  // rte_zmalloc'd on this lcore's socket
  // Loop iterations that began more than FixedConfig::stall_tsc after the previous one: the lcore
  // was not running (lcore: wo; ctlplane: counts at any time, records after the lcore stopped).
  StallLog stalls;
};

struct AppContext {
  Profile profile;  // the running profile: ctlplane only, and telemetry under telemetry_lock()
  FixedConfig fixed;
  std::array<RuntimeConfig, 2> runtime;  // ctlplane: wo (idle half); lcores: ro (published half)
  std::atomic<uint32_t> runtime_index{0};
  uint64_t tsc_hz = 0;
  TscScale tsc;  // cycles <-> ns without wrapping or a per-packet divide (edf/tsc_scale.h)
  size_t n_classes = 0;
  // Scheduling queues: one per class (edf), or a single shared one (fifo, the baseline without
  // DRR or EDF). Rings and DRR queues are indexed by queue, counters by class.
  size_t n_queues = 0;
  std::array<uint8_t, kMaxClasses> queue_of{};
  Classifier classifier;
  PortMap port_map;
  std::vector<uint16_t> ports;                       // ports in use, ascending
  size_t n_rx = 1, n_workers = 1;                    // R RX lcores, W EDF workers
  // Every ring, for statistics and the flush at stop: RX -> EDF at [(r * W + w) * Q + q],
  // EDF -> TX at [(w * kMaxPorts + port) * Q + q] (nullptr for a port not in use).
  std::vector<rte_ring*> rx_rings, tx_rings;
  [[nodiscard]] rte_ring* rx_ring(size_t r, size_t w, size_t q) const { return rx_rings[(r * n_workers + w) * n_queues + q]; }
  [[nodiscard]] rte_ring* tx_ring(size_t w, size_t port, size_t q) const {
    return tx_rings[(w * kMaxPorts + port) * n_queues + q];
  }
  std::vector<rte_mempool*> pools;                   // one per NUMA socket in use
  std::vector<LcoreContext*> lcores;                 // worker lcores with roles (hugepage memory, own socket)
  std::vector<DataTables*> tables;                   // one per socket with a worker lcore (hugepage memory)
  LcoreStats* ctl_stats = nullptr;                   // main lcore: drops counted at shutdown
  std::atomic<Phase> phase{Phase::kRun};
  uint64_t start_tsc = 0;
  // Started stages by slot (stages.h: fwd, spin, the profile's), and the names of the profile's
  // stage's drop reasons, counted as DropReason::kStage0 + i.
  std::vector<StageInstance> stages;
  std::vector<std::string> stage_drop_names;
};

}  // namespace edf
