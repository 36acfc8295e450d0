#include "init.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <new>

#include "edf/counter.h"
#include "runtime.h"
#include "stages.h"

namespace edf {
namespace {

std::string dpdk_error(int rc) {
  const int e = rc < 0 ? -rc : rte_errno;
  return std::string(rte_strerror(e)) + " (" + std::to_string(e) + ")";
}

uint32_t init_logtype() {
  static const int t = rte_log_register_type_and_pick_level("edfpipe.init", RTE_LOG_INFO);
  return t >= 0 ? static_cast<uint32_t>(t) : RTE_LOGTYPE_USER1;
}
#define INIT_LOG(level, fmt, ...) \
  rte_log(RTE_LOG_##level, init_logtype(), "edfpipe: " fmt "\n" __VA_OPT__(, ) __VA_ARGS__)

// A T constructed in DPDK memory on `socket` (zeroed first), or nullptr; delete_on_socket undoes it.
template <typename T>
T* new_on_socket(const char* name, unsigned socket) {
  void* mem = rte_zmalloc_socket(name, sizeof(T), RTE_CACHE_LINE_SIZE, static_cast<int>(socket));
  return mem ? new (mem) T() : nullptr;
}
template <typename T>
void delete_on_socket(T* p) {
  if (!p) return;
  p->~T();
  rte_free(p);
}

LcoreStats* new_stats(unsigned socket) {
  void* mem = rte_zmalloc_socket("edfpipe_stats", sizeof(LcoreStats), RTE_CACHE_LINE_SIZE,
                                 static_cast<int>(socket));
  return mem ? new (mem) LcoreStats{} : nullptr;
}

// What EAL found, as make_plan() takes it.
EalFacts gather_eal_facts() {
  EalFacts f;
  f.main_lcore = rte_get_main_lcore();
  f.main_socket = rte_socket_id();
  unsigned lc;
  RTE_LCORE_FOREACH_WORKER(lc) f.worker_lcores.push_back(lc);
  for (unsigned i = 0; i < RTE_MAX_LCORE; ++i)
    if (rte_lcore_is_enabled(i)) {
      if (f.lcore_socket.size() <= i) f.lcore_socket.resize(i + 1, 0);
      f.lcore_socket[i] = rte_lcore_to_socket_id(i);
    }
  for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; ++p)
    if (rte_eth_dev_is_valid_port(p)) f.ports.push_back(p);
  return f;
}

// A ring with one producer and one consumer: each stays in the order its producer wrote, which
// is deadline order within a queue (one RX lcore stamps in arrival order; one worker emits in
// EDF order). Names are short (DPDK allows 29 characters): the statistics name them by class.
rte_ring* make_ring(const std::string& name, uint32_t size, unsigned socket, Status& st) {
  rte_ring* r = rte_ring_create(name.c_str(), size, static_cast<int>(socket), RING_F_EXACT_SZ | RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (!r) st.add_error("cannot create ring " + name + " of " + std::to_string(size) + ": " + dpdk_error(-rte_errno));
  return r;
}

// What the apply steps of init_app hand on to the next ones.
struct Applying {
  const Plan& plan;
  std::map<unsigned, LcoreContext*> by_id;                        // lcore id -> its context
  std::map<unsigned, rte_mempool*> pool_of_socket;
  std::map<std::pair<uint16_t, uint16_t>, unsigned> input_lcore;  // (port, RX queue) -> its RX lcore
  [[nodiscard]] unsigned socket_of(unsigned lcore) const { return plan.lcore(lcore)->socket; }
  [[nodiscard]] bool receives(uint16_t p) const {
    return std::find(plan.rx_ports.begin(), plan.rx_ports.end(), p) != plan.rx_ports.end();
  }
};

// The classifier, the port map, what never changes after launch (FixedConfig) and the first
// runtime configuration, from the profile.
void apply_configuration(AppContext& app) {
  const Profile& prof = app.profile;
  const PipelineConfig& pc = prof.pipeline;
  // Classes
  for (size_t c = 0; c < app.n_classes; ++c) {
    const ClassConfig& k = prof.classes[c];
    for (const PortRange& r : k.udp_dst_ports) app.classifier.add_port_range(r.first, r.last, static_cast<uint8_t>(c));
    for (uint8_t d : k.dscp) app.classifier.add_dscp(d, static_cast<uint8_t>(c));
  }
  app.classifier.set_default_class(static_cast<uint8_t>(prof.default_class()));
  for (const PortMapRange& m : prof.udp_port_map) app.port_map.add_range(m.in_first, m.in_last, m.out_first);
  if (const std::optional<size_t> oc = prof.other_class()) app.fixed.other_class = static_cast<uint8_t>(*oc);
  app.fixed.burst = pc.burst;
  app.fixed.idle = pc.idle;
  app.fixed.idle_polls = pc.idle_polls;
  app.fixed.idle_sleep_us = pc.idle_sleep_us;
  app.fixed.edf_slice_tsc = app.tsc.us_to_cycles(pc.edf_slice_us);
  app.fixed.tx_retry_tsc = app.tsc.us_to_cycles(pc.tx_retry_us);
  app.fixed.tx_stall_tsc = app.tsc.us_to_cycles(std::max<uint64_t>(1000, 2 * uint64_t{pc.tx_retry_us}));
  // An iteration may legitimately last one EDF slice, or one idle sleep: only more is a stall.
  const uint64_t sleep_us = pc.idle == IdlePolicy::kSleep ? pc.idle_sleep_us : 0;
  app.fixed.stall_tsc = app.tsc.us_to_cycles(200 + uint64_t{pc.edf_slice_us} + sleep_us);
  app.runtime[0] = runtime_from_profile(app, prof, true);
  app.runtime[0].generation = 1;  // lcores start at 0 and take it on their first loop
  app.runtime_index.store(0);
}

// Lcore contexts, one per lcore with a role (roles may share one), and a struct per role.
Status apply_lcores(AppContext& app, Applying& a) {
  for (const PlanLcore& pl : a.plan.lcores) {
    const auto oom = [&](const char* what) {
      return Status::error(std::string("cannot allocate the ") + what + " of lcore " + std::to_string(pl.id) + ": out of memory");
    };
    auto* c = new_on_socket<LcoreContext>("edfpipe_lcore", pl.socket);
    if (!c) return oom("context");
    app.lcores.push_back(c);  // freed with its roles by close_ports_and_check_pools, whatever fails next
    c->lcore_id = pl.id;
    c->app = &app;
    c->stats = new_stats(pl.socket);
    a.by_id[pl.id] = c;
    if (!c->stats) return oom("statistics");
    if (pl.rx >= 0 && !(c->rx = new_on_socket<RxRole>("edfpipe_rx", pl.socket))) return oom("RX role");
    if (pl.edf >= 0 && !(c->edf = new_on_socket<EdfRole>("edfpipe_edf", pl.socket))) return oom("EDF role");
    if (pl.tx >= 0 && !(c->tx = new_on_socket<TxRole>("edfpipe_tx", pl.socket))) return oom("TX role");
  }
  app.ctl_stats = new_stats(rte_socket_id());
  if (!app.ctl_stats) return Status::error("cannot allocate statistics: out of memory");
  return {};
}

// One mempool per socket of an RX lcore (l3fwd's rule: memory local to the lcore that fills it).
Status apply_pools(AppContext& app, Applying& a) {
  const PipelineConfig& pc = app.profile.pipeline;
  for (unsigned s : a.plan.pool_sockets) {
    const std::string name = "edfpipe_pool_s" + std::to_string(s);
    rte_mempool* mp = rte_pktmbuf_pool_create(name.c_str(), pc.mbufs, pc.mbuf_cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(s));
    if (!mp)
      return Status::error("cannot create mempool " + name + " of " + std::to_string(pc.mbufs) + " mbufs on socket " +
                           std::to_string(s) + ": " + dpdk_error(-rte_errno) +
                           " (reserve more hugepages or lower [pipeline] mbufs)");
    a.pool_of_socket[s] = mp;
    app.pools.push_back(mp);
  }
  // A pool smaller than what the pipeline can hold still works, but RX then runs out of mbufs
  // (ethdev rx_nombuf) under load.
  if (a.plan.mbufs_held > uint64_t{pc.mbufs} * a.plan.pool_sockets.size())
    INIT_LOG(WARNING, "[pipeline] mbufs = %u is less than the %llu mbufs the pipeline can hold; under load RX "
             "will run out of mbufs (ethdev rx_nombuf)", pc.mbufs, static_cast<unsigned long long>(a.plan.mbufs_held));
  return {};
}

// Rings: RX -> EDF on the worker's socket, EDF -> TX on the TX lcore's socket.
Status apply_rings(AppContext& app, const Applying& a) {
  const size_t R = app.n_rx, W = app.n_workers, Q = app.n_queues;
  app.rx_rings.assign(R * W * Q, nullptr);
  app.tx_rings.assign(W * kMaxPorts * Q, nullptr);
  Status rings;
  for (size_t r = 0; r < R && rings.ok(); ++r)
    for (size_t w = 0; w < W && rings.ok(); ++w)
      for (size_t q = 0; q < Q && rings.ok(); ++q)
        app.rx_rings[(r * W + w) * Q + q] =
            make_ring("ei_r" + std::to_string(r) + "w" + std::to_string(w) + "q" + std::to_string(q),
                      a.plan.rx_ring_size[q], a.socket_of(a.plan.edf[w]), rings);
  for (size_t w = 0; w < W && rings.ok(); ++w)
    for (uint16_t p : a.plan.out_ports)
      for (size_t q = 0; q < Q && rings.ok(); ++q)
        app.tx_rings[(w * kMaxPorts + p) * Q + q] =
            make_ring("eo_w" + std::to_string(w) + "p" + std::to_string(p) + "q" + std::to_string(q),
                      a.plan.tx_ring_size[q], a.socket_of(a.plan.tx[static_cast<size_t>(a.plan.tx_lcore_of_port[p])]), rings);
  return rings;
}

// RX: its inputs and their DRR, and its ring to each worker's queue.
void apply_rx_role(const AppContext& app, Applying& a, const PlanLcore& pl, RxRole& rx) {
  const auto r = static_cast<size_t>(pl.rx);
  std::vector<uint32_t> quanta;
  for (const PlanInput& pi : pl.inputs) {
    RxInput in{};
    in.port = pi.port;
    in.queue = pi.queue;
    in.out_port = pi.out_port;
    rx.inputs.push_back(in);
    quanta.push_back(pi.quantum_bytes);
    a.input_lcore[{pi.port, pi.queue}] = pl.id;
  }
  rx.drr.set_quanta(quanta);
  rx.n_workers = static_cast<uint32_t>(app.n_workers);
  for (size_t w = 0; w < app.n_workers; ++w)
    for (size_t q = 0; q < app.n_queues; ++q) rx.to[w][q] = app.rx_ring(r, w, q);
}

// EDF: its R x Q input rings, merged by queue, and its ring to each output port's queue.
void apply_edf_role(const AppContext& app, const Applying& a, const PlanLcore& pl, EdfRole& e) {
  const size_t R = app.n_rx, Q = app.n_queues;
  const auto w = static_cast<size_t>(pl.edf);
  e.worker = static_cast<uint32_t>(w);
  e.n_merged = static_cast<uint32_t>(R * Q);
  for (size_t q = 0; q < Q; ++q)
    for (size_t r = 0; r < R; ++r) {
      e.from[q * R + r] = app.rx_ring(r, w, q);
      e.queue_of_merged[q * R + r] = static_cast<uint8_t>(q);
    }
  for (uint16_t p : a.plan.out_ports)
    for (size_t q = 0; q < Q; ++q) e.out[p][q] = app.tx_ring(w, p, q);
}

// TX: its output ports, each with a ring per (queue, worker) and its egress machine.
void apply_tx_role(const AppContext& app, const Applying& a, const PlanLcore& pl, TxRole& tx) {
  const size_t W = app.n_workers;
  for (uint16_t p : pl.tx_ports) {
    TxPortState& tp = tx.ports.emplace_back();
    tp.port = p;
    tp.n_workers = static_cast<uint32_t>(W);
    for (size_t q = 0; q < app.n_queues; ++q)
      for (size_t w = 0; w < W; ++w) tp.ring[q][w] = app.tx_ring(w, p, q);
    tp.egress.drr().set_quanta(a.plan.queue_quantum_bytes);
    const PortConfig pcfg = app.profile.port(p);
    tp.egress.bucket().configure(pcfg.rate_bps, pcfg.rate_burst_bytes, app.tsc_hz, rte_rdtsc());
    // After a stall, class order lasts for up to one ring of queue 0 (from every worker) plus
    // one staged burst.
    tp.egress.configure({app.fixed.burst, app.fixed.tx_retry_tsc, app.fixed.tx_stall_tsc,
                         static_cast<uint32_t>(a.plan.tx_ring_size[0] * W) + app.fixed.burst});
  }
}

// Port p: rx_queues RX queues (none for a TX-only port), one TX queue (only its TX lcore sends).
Status apply_port(AppContext& app, const Applying& a, uint16_t p) {
  const Profile& prof = app.profile;
  const PipelineConfig& pc = prof.pipeline;
  const PortConfig pcfg = prof.port(p);
  const uint16_t n_rxq = a.receives(p) ? pcfg.rx_queues : 0;
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(p, &info); rc != 0) return Status::error("port " + std::to_string(p) + ": cannot get device info: " + dpdk_error(rc));
  if (n_rxq > info.max_rx_queues)
    return Status::error("[port " + std::to_string(p) + "] rx_queues = " + std::to_string(pcfg.rx_queues) + ": driver " +
           info.driver_name + " offers at most " + std::to_string(info.max_rx_queues));
  rte_eth_conf conf{};
  // The NIC verifies IPv4 header checksums where it can: RX then skips its own sum for packets
  // the NIC marked good (packet_parse.h).
  if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
  if (n_rxq > 1) {
    // Spread flows over the RX queues by IP/UDP hash; each queue is one ingress DRR input.
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
    if (conf.rx_adv_conf.rss_conf.rss_hf == 0) {
      conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
      INIT_LOG(WARNING, "port %u (%s) offers no IP/UDP RSS: its %u RX queues will not share the traffic", p,
               info.driver_name, n_rxq);
    }
  }
  // Some drivers (net_tap) refuse a port without RX queues: a TX-only port then gets one RX
  // queue that is set up and never polled.
  uint16_t n_rxq_cfg = n_rxq;
  int rc_cfg = rte_eth_dev_configure(p, n_rxq, 1, &conf);
  if (rc_cfg != 0 && n_rxq == 0) {
    n_rxq_cfg = 1;
    rc_cfg = rte_eth_dev_configure(p, 1, 1, &conf);
    if (rc_cfg == 0)
      INIT_LOG(INFO, "port %u (%s) needs an RX queue: TX-only, it gets one that is never polled", p, info.driver_name);
  }
  if (rc_cfg != 0)
    return Status::error("port " + std::to_string(p) + ": rte_eth_dev_configure(rxq=" + std::to_string(n_rxq_cfg) +
           ", txq=1) failed: " + dpdk_error(rc_cfg));
  uint16_t rxd = pc.rxd, txd = pc.txd;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(p, &rxd, &txd); rc != 0)
    return Status::error("port " + std::to_string(p) + ": cannot adjust descriptor counts: " + dpdk_error(rc));
  for (uint16_t q = 0; q < n_rxq; ++q) {
    // The plan gives every RX queue of a receiving port an RX lcore, and every RX lcore's socket
    // a pool; a plan that did not would be a bug, said as one rather than thrown.
    const auto lcore = a.input_lcore.find({p, q});
    const auto pool = lcore == a.input_lcore.end() ? a.pool_of_socket.end()
                                                   : a.pool_of_socket.find(rte_lcore_to_socket_id(lcore->second));
    if (pool == a.pool_of_socket.end())
      return Status::error("internal error: port " + std::to_string(p) + " RX queue " + std::to_string(q) +
                           " has no RX lcore or no mempool in the plan");
    const unsigned s = pool->first;
    const int port_socket = rte_eth_dev_socket_id(p);
    if (port_socket >= 0 && static_cast<unsigned>(port_socket) != s)
      INIT_LOG(WARNING, "port %u is on socket %d but RX queue %u is polled from socket %u", p, port_socket, q, s);
    if (int rc = rte_eth_rx_queue_setup(p, q, rxd, s, nullptr, pool->second); rc != 0)
      return Status::error("port " + std::to_string(p) + " RX queue " + std::to_string(q) + ": setup failed: " + dpdk_error(rc));
  }
  if (n_rxq_cfg > n_rxq) {
    rte_mempool* mp = app.pools.front();
    if (int rc = rte_eth_rx_queue_setup(p, 0, rxd, static_cast<unsigned>(mp->socket_id), nullptr, mp); rc != 0)
      return Status::error("port " + std::to_string(p) + " unpolled RX queue 0: setup failed: " + dpdk_error(rc));
  }
  const int tx_of_port = a.plan.tx_lcore_of_port[p];
  const unsigned tx_socket = tx_of_port >= 0 ? a.socket_of(a.plan.tx[static_cast<size_t>(tx_of_port)]) : rte_socket_id();
  if (int rc = rte_eth_tx_queue_setup(p, 0, txd, tx_socket, nullptr); rc != 0)
    return Status::error("port " + std::to_string(p) + " TX queue 0: setup failed: " + dpdk_error(rc));
  if (int rc = rte_eth_dev_start(p); rc != 0) return Status::error("port " + std::to_string(p) + ": start failed: " + dpdk_error(rc));
  // A bump in the wire receives frames addressed to the hosts on either side, not to this port:
  // without promiscuous mode a NIC would drop them unseen. Some vdevs (net_null, net_ring, net_pcap)
  // receive everything anyway and refuse the call; say so rather than fail.
  if (int rc = rte_eth_promiscuous_enable(p); rc != 0)
    INIT_LOG(NOTICE, "port %u: promiscuous mode not enabled (%s): only frames addressed to its MAC, "
                     "broadcast and multicast may reach it", p, rte_strerror(-rc));
  return {};
}

// What the data path reads, copied onto each socket with a worker lcore.
Status apply_tables(AppContext& app) {
  std::map<unsigned, DataTables*> tables_of_socket;
  for (LcoreContext* c : app.lcores) {
    const unsigned socket = rte_lcore_to_socket_id(c->lcore_id);
    DataTables*& t = tables_of_socket[socket];
    if (!t) {
      t = new_on_socket<DataTables>("edfpipe_tables", socket);
      if (!t) return Status::error("cannot allocate the data path's tables on socket " + std::to_string(socket) + ": out of memory");
      app.tables.push_back(t);
      t->classifier = app.classifier;
      t->port_map = app.port_map;
      t->fixed = app.fixed;
      t->tsc = app.tsc;
      t->tsc_hz = app.tsc_hz;
      t->n_classes = app.n_classes;
      t->n_queues = app.n_queues;
      t->n_rx = app.n_rx;
      t->queue_of = app.queue_of;
      for (size_t i = 0; i < app.stages.size() && i < kMaxStages; ++i) t->stages[i] = app.stages[i];
    }
    c->t = t;
  }
  return {};
}

}  // namespace

// The layout is decided without touching a device (lib/edf/plan.h), then applied in steps; what a
// failed step leaves behind is undone by close_ports_and_check_pools, as at exit.
Status init_app(AppContext& app) {
  const Profile& prof = app.profile;
  app.tsc_hz = rte_get_tsc_hz();
  app.tsc = TscScale(app.tsc_hz);
  app.n_classes = prof.classes.size();

  static const rte_mbuf_dynfield kMetaField = {"edfpipe_packet_meta", sizeof(PacketMeta),
                                               alignof(PacketMeta), 0};
  g_meta_offset = rte_mbuf_dynfield_register(&kMetaField);
  if (g_meta_offset < 0) return Status::error("cannot register the mbuf dynamic field: " + dpdk_error(-rte_errno));

  Plan plan;
  if (Status st = make_plan(prof, gather_eal_facts(), plan); !st.ok()) return st;
  app.n_queues = plan.n_queues;
  for (size_t c = 0; c < app.n_classes; ++c) app.queue_of[c] = plan.queue_of[c];
  app.n_rx = plan.rx.size();
  app.n_workers = plan.edf.size();
  app.ports = plan.ports;

  apply_configuration(app);

  Applying a{plan, {}, {}, {}};
  if (Status st = apply_lcores(app, a); !st.ok()) return st;
  if (Status st = apply_pools(app, a); !st.ok()) return st;
  if (Status st = apply_rings(app, a); !st.ok()) return st;
  for (const PlanLcore& pl : plan.lcores) {
    LcoreContext& c = *a.by_id[pl.id];  // apply_lcores made one for every lcore of the plan
    if (c.rx) apply_rx_role(app, a, pl, *c.rx);
    if (c.edf) apply_edf_role(app, a, pl, *c.edf);
    if (c.tx) apply_tx_role(app, a, pl, *c.tx);
  }
  for (uint16_t p : app.ports)
    if (Status st = apply_port(app, a, p); !st.ok()) return st;
  // Processing stages: fwd, spin and the profile's, with a state per EDF worker (stages.h).
  if (Status st = start_stages(app); !st.ok()) return st;
  app.runtime[0].stage = stage_slot(app, prof.pipeline.processing);
  return apply_tables(app);
}

void flush_rings(AppContext& app) {
  std::array<rte_mbuf*, kMaxBurst> pkts;
  auto drain = [&](rte_ring* r) {
    if (!r) return;
    unsigned n;
    while ((n = rte_ring_dequeue_burst(r, reinterpret_cast<void**>(pkts.data()), kMaxBurst, nullptr)) > 0) {
      for (unsigned k = 0; k < n; ++k)
        counter_add(app.ctl_stats->cls[meta(pkts[k])->cls].drops[static_cast<size_t>(DropReason::kShutdown)], 1);
      rte_pktmbuf_free_bulk(pkts.data(), n);
    }
  };
  for (rte_ring* r : app.rx_rings) drain(r);
  for (rte_ring* r : app.tx_rings) drain(r);
}

std::vector<MempoolReport> close_ports_and_check_pools(AppContext& app) {
  stop_stages(app);  // the workers returned (or never ran): nothing uses a stage's state any more
  for (uint16_t p : app.ports) {
    (void)rte_eth_dev_stop(p);
    (void)rte_eth_dev_close(p);
  }
  std::vector<MempoolReport> out;
  for (rte_mempool* mp : app.pools) out.push_back({mp->name, mp->size, rte_mempool_avail_count(mp)});
  // The lcore contexts live in DPDK memory (their socket's), which leak checkers do not scan: their
  // vectors are freed here, with them, once nothing reads them (workers returned, telemetry detached).
  for (LcoreContext* lc : app.lcores) {
    delete_on_socket(lc->rx);
    delete_on_socket(lc->edf);
    delete_on_socket(lc->tx);
    delete_on_socket(lc->stats);
    delete_on_socket(lc);
  }
  app.lcores.clear();
  delete_on_socket(app.ctl_stats);
  app.ctl_stats = nullptr;
  for (DataTables* t : app.tables) delete_on_socket(t);
  app.tables.clear();
  return out;
}

uint64_t total_moved(const AppContext& app) {
  uint64_t n = 0;
  for (const LcoreContext* c : app.lcores) {
    n += counter_read(c->stats->rx);
    for (size_t k = 0; k < app.n_classes; ++k) {
      n += counter_read(c->stats->cls[k].tx);
      for (uint64_t d : c->stats->cls[k].drops) n += counter_read(d);
    }
  }
  return n;
}

}  // namespace edf
