#include "edf/plan.h"

#include <algorithm>
#include <map>
#include <set>

namespace edf {
namespace {

// The lcore ids of one role, each resolved against EAL; `auto` is the first worker lcore. An id
// that cannot be used is reported and left out.
std::vector<unsigned> resolve_role(const std::vector<int32_t>& ids, const char* role, const EalFacts& eal,
                                   Status& errs) {
  std::vector<unsigned> out;
  for (int32_t id : ids) {
    if (id == kAutoLcore) {
      if (!eal.worker_lcores.empty()) out.push_back(eal.worker_lcores.front());
      continue;  // no worker at all is one message of its own
    }
    const auto lc = static_cast<unsigned>(id);
    const std::string at = std::string("[lcores] ") + role + " = " + std::to_string(id);
    if (lc == eal.main_lcore)
      errs.add_error(at + ": lcore is EAL's main lcore, which runs statistics and control; use a worker lcore");
    else if (!std::binary_search(eal.worker_lcores.begin(), eal.worker_lcores.end(), lc))
      errs.add_error(at + ": lcore is not enabled by EAL (give it to -l or --lcores)");
    else
      out.push_back(lc);
  }
  return out;
}

unsigned socket_of(const EalFacts& eal, unsigned lcore) {
  return lcore < eal.lcore_socket.size() ? eal.lcore_socket[lcore] : 0;
}

uint32_t ceil_div(uint64_t a, uint64_t b) { return static_cast<uint32_t>((a + b - 1) / b); }

}  // namespace

const PlanLcore* Plan::lcore(unsigned id) const {
  auto it = std::lower_bound(lcores.begin(), lcores.end(), id, [](const PlanLcore& l, unsigned v) { return l.id < v; });
  return it != lcores.end() && it->id == id ? &*it : nullptr;
}

Status make_plan(const Profile& profile, const EalFacts& eal, Plan& out) {
  const PipelineConfig& pc = profile.pipeline;
  Status errs;
  Plan plan;
  auto exists = [&](int64_t p) {
    return p >= 0 && std::binary_search(eal.ports.begin(), eal.ports.end(), static_cast<uint16_t>(p));
  };
  const std::string n_avail = std::to_string(eal.ports.size());

  // Ports: the portmask selects the ports to receive from; their output ports (tx_port) are used
  // too, TX-only when the portmask leaves them out (e.g. a net_null sink).
  if (eal.ports.empty()) {
    errs.add_error("no ports: give EAL a --vdev (e.g. --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap) or bind a "
                   "NIC with dpdk-devbind.py");
  } else {
    for (uint16_t pid : eal.ports)
      if (!pc.portmask || (pid < 64 && ((pc.portmask >> pid) & 1))) plan.rx_ports.push_back(pid);
    if (plan.rx_ports.empty())
      errs.add_error("--portmask/[pipeline] portmask selects none of the " + n_avail + " ports");
    for (const PortConfig& pcfg : profile.ports) {
      if (!exists(pcfg.port_id))
        errs.add_error("[port " + std::to_string(pcfg.port_id) + "]: no such port (EAL found " + n_avail +
                       "; check --vdev/-a)");
      if (pcfg.tx_port >= 0 && !exists(pcfg.tx_port))
        errs.add_error("[port " + std::to_string(pcfg.port_id) + "] tx_port = " + std::to_string(pcfg.tx_port) +
                       ": no such port (EAL found " + n_avail + ")");
    }
  }
  std::set<uint16_t> in_use;
  for (uint16_t p : plan.rx_ports) {
    in_use.insert(p);
    const int32_t to = profile.port(p).tx_port;
    if (to < 0) continue;
    if (exists(to)) in_use.insert(static_cast<uint16_t>(to));
  }
  plan.ports.assign(in_use.begin(), in_use.end());
  for (uint16_t p : plan.ports)
    if (p >= kMaxPorts)
      errs.add_error("port " + std::to_string(p) + ": edfpipe handles ports 0-" + std::to_string(kMaxPorts - 1));

  // Lcore roles
  if (eal.worker_lcores.empty())
    errs.add_error("no worker lcore: edfpipe runs its roles on worker lcores; give EAL at least two, e.g. -l 0-1 "
                   "or --lcores '0@0,1@1' (roles may share one worker)");
  const LcoreRoles& roles = profile.lcores;
  if (roles.rx.empty() || roles.edf.empty() || roles.tx.empty()) {  // only a Profile built in code
    errs.add_error("[lcores]: every role needs an lcore (rx, edf, tx; auto is the first worker)");
    return errs;
  }
  plan.rx = resolve_role(profile.lcores.rx, "rx", eal, errs);
  plan.edf = resolve_role(profile.lcores.edf, "edf", eal, errs);
  plan.tx = resolve_role(profile.lcores.tx, "tx", eal, errs);

  // Inputs (port, queue) dealt round robin by position in the rx list, so that the counts are
  // checked even when one of its lcores was refused above.
  const std::vector<int32_t>& rx_listed = profile.lcores.rx;
  std::vector<std::vector<PlanInput>> inputs_of(rx_listed.size());
  size_t n_inputs = 0;
  for (uint16_t p : plan.rx_ports) {
    const PortConfig pcfg = profile.port(p);
    for (uint16_t q = 0; q < pcfg.rx_queues; ++q) {
      PlanInput in;
      in.port = p;
      in.queue = q;
      in.out_port = static_cast<uint16_t>(pcfg.tx_port < 0 ? p : pcfg.tx_port);
      in.quantum_bytes = pcfg.rx_quantum_bytes;
      inputs_of[n_inputs++ % rx_listed.size()].push_back(in);
    }
  }
  for (size_t i = 0; i < rx_listed.size(); ++i)
    if (inputs_of[i].size() > kMaxInputsPerLcore) {
      const std::string id = rx_listed[i] != kAutoLcore ? std::to_string(rx_listed[i])
                             : eal.worker_lcores.empty()  ? std::string("auto")
                                                          : std::to_string(eal.worker_lcores.front());
      errs.add_error("lcore " + id + ": more than " + std::to_string(kMaxInputsPerLcore) + " inputs");
    }
  if (!plan.rx_ports.empty() && n_inputs < rx_listed.size())
    errs.add_error("[lcores] rx lists " + std::to_string(rx_listed.size()) + " lcores but there are only " +
                   std::to_string(n_inputs) + " inputs (port/queue pairs): raise [port N] rx_queues or list fewer RX lcores");
  // Output ports: those some input sends to (a receiving port whose tx_port is another sends nothing).
  for (const auto& per_lcore : inputs_of)
    for (const PlanInput& in : per_lcore) plan.out_ports.push_back(in.out_port);
  std::sort(plan.out_ports.begin(), plan.out_ports.end());
  plan.out_ports.erase(std::unique(plan.out_ports.begin(), plan.out_ports.end()), plan.out_ports.end());
  const size_t n_tx_listed = profile.lcores.tx.size();
  if (!plan.rx_ports.empty() && plan.out_ports.size() < n_tx_listed)
    errs.add_error("[lcores] tx lists " + std::to_string(n_tx_listed) + " lcores but there are only " +
                   std::to_string(plan.out_ports.size()) +
                   " output ports: each output port has one TX lcore; list fewer TX lcores");
  if (!errs.ok()) return errs;

  // Every lcore with a role, ascending id.
  std::map<unsigned, PlanLcore> by_id;
  auto at = [&](unsigned id) -> PlanLcore& {
    PlanLcore& l = by_id[id];
    l.id = id;
    l.socket = socket_of(eal, id);
    return l;
  };
  for (size_t i = 0; i < plan.rx.size(); ++i) {
    PlanLcore& l = at(plan.rx[i]);
    l.rx = static_cast<int>(i);
    l.inputs = std::move(inputs_of[i]);
  }
  for (size_t i = 0; i < plan.edf.size(); ++i) at(plan.edf[i]).edf = static_cast<int>(i);
  for (size_t i = 0; i < plan.tx.size(); ++i) at(plan.tx[i]).tx = static_cast<int>(i);
  plan.tx_lcore_of_port.assign(plan.ports.empty() ? 0 : size_t{plan.ports.back()} + 1, -1);
  for (size_t i = 0; i < plan.out_ports.size(); ++i) {
    const size_t t = i % plan.tx.size();
    plan.tx_lcore_of_port[plan.out_ports[i]] = static_cast<int>(t);
    at(plan.tx[t]).tx_ports.push_back(plan.out_ports[i]);
  }
  for (auto& [id, l] : by_id) plan.lcores.push_back(std::move(l));

  // Queues and ring sizes.
  const bool fifo = pc.scheduling == Scheduling::kFifo;
  const size_t n_classes = profile.classes.size();
  plan.n_queues = fifo ? 1 : n_classes;
  for (size_t c = 0; c < n_classes; ++c) plan.queue_of.push_back(static_cast<uint8_t>(fifo ? 0 : c));
  const uint64_t r = plan.rx.size(), w = plan.edf.size();
  for (size_t q = 0; q < plan.n_queues; ++q) {
    uint64_t rx_total = 0, tx_total = 0;
    for (size_t c = 0; c < n_classes; ++c)
      if (plan.queue_of[c] == q) {
        rx_total += profile.classes[c].rx_ring;
        tx_total += profile.classes[c].tx_ring;
      }
    plan.queue_quantum_bytes.push_back(fifo ? 1 : profile.classes[q].quantum_bytes);
    plan.rx_ring_size.push_back(std::max(ceil_div(rx_total, r), pc.burst));
    plan.tx_ring_size.push_back(std::max(ceil_div(tx_total, w), pc.burst));
  }

  // One mempool per socket of an RX lcore (l3fwd's rule: memory local to the lcore that fills it).
  std::set<unsigned> sockets;
  for (unsigned lc : plan.rx) sockets.insert(socket_of(eal, lc));
  plan.pool_sockets.assign(sockets.begin(), sockets.end());

  // Mbufs the pipeline can hold at once.
  uint64_t hold = 0;
  for (uint16_t p : plan.rx_ports) hold += uint64_t{profile.port(p).rx_queues} * (pc.rxd + pc.burst);
  const uint64_t n_out = plan.out_ports.size();
  for (size_t q = 0; q < plan.n_queues; ++q)
    hold += uint64_t{plan.rx_ring_size[q]} * r * w + uint64_t{plan.tx_ring_size[q]} * w * n_out;
  hold += uint64_t{pc.burst} * plan.n_queues * (w + n_out);  // EDF staging per worker, TX staging per port
  hold += uint64_t{pc.mbuf_cache} * (plan.lcores.size() + 1) * plan.pool_sockets.size();
  hold += uint64_t{pc.txd} * plan.ports.size();
  plan.mbufs_held = hold;

  out = std::move(plan);
  return errs;
}

}  // namespace edf
