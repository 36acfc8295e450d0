// plan.h: edfpipe's start-up layout as a pure function of the profile and of what EAL found.
//
// make_plan() decides, without touching EAL or a device, which lcore holds which role, which RX
// lcore polls which (port, RX queue), which TX lcore owns which port, how many rings there are and
// of what size, which NUMA sockets get a mempool, and how many mbufs the pipeline can hold. src/
// gathers EalFacts, calls make_plan() and applies the Plan in short steps (grout's queue
// distribution, qos_sched's init); everything here is unit-tested without hugepages.
//
// Dealing (round robin, as l3fwd and testpmd do):
// - Inputs: for each receiving port in ascending order, queues 0..rx_queues-1; input i goes to
//   RX lcore rx[i % R]. An input sends to its port's tx_port, or back out of its own port.
// - Output ports (those some input sends to, ascending): port i goes to TX lcore tx[i % T].
// Rings: one single-producer/single-consumer ring per (RX lcore, worker, queue) and per (worker,
// output port, queue). A class's rx_ring and tx_ring stay what one worker, and one port, can hold
// in total: each RX->EDF ring of a queue has ceil(rx_ring / R) slots, each EDF->TX ring
// ceil(tx_ring / W), never fewer than `burst`; so memory grows with R x W only by that rounding.
// With scheduling = fifo the one queue is sized as all the classes together.
// Errors are the complete messages users see; every problem is reported, not only the first.
// Control path only: allocates freely. No EAL or DPDK header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "edf/profile.h"
#include "edf/status.h"

namespace edf {

inline constexpr size_t kMaxPorts = 16;           // port ids 0..15 (per-port tables in the data path)
inline constexpr size_t kMaxInputsPerLcore = 32;  // (port, queue) inputs of one RX lcore (its DRR)

struct EalFacts {                        // what EAL found, gathered by src/init.cc
  unsigned main_lcore = 0;
  std::vector<unsigned> worker_lcores;   // enabled lcores other than the main one, ascending
  std::vector<unsigned> lcore_socket;    // NUMA socket of lcore i (index = lcore id); 0 past its end
  std::vector<uint16_t> ports;           // valid ethdev port ids, ascending
  unsigned main_socket = 0;
};

struct PlanInput {
  uint16_t port = 0, queue = 0, out_port = 0;
  uint32_t quantum_bytes = 0;            // the port's rx_quantum_bytes: this input's ingress DRR quantum
};

struct PlanLcore {                       // one worker lcore and the roles it holds
  unsigned id = 0, socket = 0;
  int rx = -1, edf = -1, tx = -1;        // index in Plan::rx/edf/tx, -1 when it has not that role
  std::vector<PlanInput> inputs;         // RX: its (port, queue) inputs, dealt round robin
  std::vector<uint16_t> tx_ports;        // TX: the output ports it owns, ascending
};

struct Plan {
  std::vector<unsigned> rx, edf, tx;     // lcore ids per role, in profile order; edf.size() = W workers
  std::vector<PlanLcore> lcores;         // every lcore with a role, ascending id
  std::vector<uint16_t> rx_ports;        // ports received from (portmask), ascending
  std::vector<uint16_t> ports;           // rx_ports and their output ports, ascending
  std::vector<uint16_t> out_ports;       // ports some input sends to, ascending: each has one TX lcore
  std::vector<int> tx_lcore_of_port;     // indexed by port id (size max port + 1): index in tx, -1 if not an output
  size_t n_queues = 0;                   // classes, or 1 with scheduling = fifo
  std::vector<uint8_t> queue_of;         // class -> queue
  std::vector<uint32_t> queue_quantum_bytes;  // per queue: egress DRR quantum (1 with fifo: plain FIFO)
  std::vector<uint32_t> rx_ring_size;    // per queue: size of each RX->EDF ring (one per (rx, worker, queue))
  std::vector<uint32_t> tx_ring_size;    // per queue: size of each EDF->TX ring (one per (worker, port, queue))
  std::vector<unsigned> pool_sockets;    // one mempool per socket that has an RX lcore, ascending
  // Mbufs the whole pipeline can hold at once: RX descriptors and bursts, every ring, EDF and TX
  // staging, per-lcore mempool caches, TX descriptors. Compare with mbufs x pool_sockets.size():
  // below it the pipeline still works, but RX runs out of mbufs (ethdev rx_nombuf) under load.
  uint64_t mbufs_held = 0;

  [[nodiscard]] size_t n_rx_rings() const { return rx.size() * edf.size() * n_queues; }
  [[nodiscard]] size_t n_tx_rings() const { return edf.size() * out_ports.size() * n_queues; }
  // The lcore `id`, or nullptr when it holds no role.
  [[nodiscard]] const PlanLcore* lcore(unsigned id) const;
};

// Lays out `profile` (already validated by load_profile/validate_profile) on what EAL found. On
// success returns OK and sets `out`; otherwise returns every problem, in the order ports, lcores,
// dealing, and leaves `out` untouched.
[[nodiscard]] Status make_plan(const Profile& profile, const EalFacts& eal, Plan& out);

}  // namespace edf
