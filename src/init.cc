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

namespace edf {
namespace {

std::string dpdk_error(int rc) {
  const int e = rc < 0 ? -rc : rte_errno;
  return std::string(rte_strerror(e)) + " (" + std::to_string(e) + ")";
}

std::string resolve_lcore(int32_t id, unsigned first_worker, const char* role, unsigned& out) {
  if (id == kAutoLcore) {
    out = first_worker;
    return {};
  }
  const auto lc = static_cast<unsigned>(id);
  if (lc >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lc))
    return std::string("[lcores] ") + role + " = " + std::to_string(id) +
           ": lcore is not enabled by EAL (give it to -l or --lcores)";
  if (lc == rte_get_main_lcore())
    return std::string("[lcores] ") + role + " = " + std::to_string(id) +
           ": lcore is EAL's main lcore, which runs statistics and control; use a worker lcore";
  out = lc;
  return {};
}

uint32_t init_logtype() {
  static const int t = rte_log_register_type_and_pick_level("edfpipe.init", RTE_LOG_INFO);
  return t >= 0 ? static_cast<uint32_t>(t) : RTE_LOGTYPE_USER1;
}
#define INIT_LOG(level, fmt, ...) \
  rte_log(RTE_LOG_##level, init_logtype(), "edfpipe: " fmt "\n" __VA_OPT__(, ) __VA_ARGS__)

LcoreStats* new_stats(unsigned socket) {
  void* mem = rte_zmalloc_socket("edfpipe_stats", sizeof(LcoreStats), RTE_CACHE_LINE_SIZE,
                                 static_cast<int>(socket));
  return mem ? new (mem) LcoreStats{} : nullptr;
}

}  // namespace

Status init_app(AppContext& app) {
  const Profile& prof = app.profile;
  const PipelineConfig& pc = prof.pipeline;
  app.tsc_hz = rte_get_tsc_hz();
  app.tsc = TscScale(app.tsc_hz);
  app.n_classes = prof.classes.size();
  app.n_queues = pc.scheduling == Scheduling::kFifo ? 1 : app.n_classes;
  for (size_t c = 0; c < app.n_classes; ++c)
    app.queue_of[c] = static_cast<uint8_t>(pc.scheduling == Scheduling::kFifo ? 0 : c);

  static const rte_mbuf_dynfield kMetaField = {"edfpipe_packet_meta", sizeof(PacketMeta),
                                               alignof(PacketMeta), 0};
  g_meta_offset = rte_mbuf_dynfield_register(&kMetaField);
  if (g_meta_offset < 0) return Status::error("cannot register the mbuf dynamic field: " + dpdk_error(-rte_errno));

  // Classes
  for (size_t c = 0; c < app.n_classes; ++c) {
    const ClassConfig& k = prof.classes[c];
    for (const PortRange& r : k.udp_dst_ports) app.classifier.add_port_range(r.first, r.last, static_cast<uint8_t>(c));
    for (uint8_t d : k.dscp) app.classifier.add_dscp(d, static_cast<uint8_t>(c));
  }
  app.classifier.set_default_class(static_cast<uint8_t>(prof.default_class()));
  for (const PortMapRange& m : prof.udp_port_map) app.port_map.add_range(m.in_first, m.in_last, m.out_first);
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

  // Ports: the portmask selects the ports to receive from; their output ports (tx_port) are
  // configured too, TX-only when the portmask leaves them out (e.g. a net_null sink).
  const uint16_t n_avail = rte_eth_dev_count_avail();
  if (n_avail == 0)
    return Status::error("no ports: give EAL a --vdev (e.g. --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap) or bind a NIC "
           "with dpdk-devbind.py");
  std::vector<uint16_t> rx_ports;
  for (uint16_t pid = 0; pid < RTE_MAX_ETHPORTS; ++pid) {
    if (!rte_eth_dev_is_valid_port(pid)) continue;
    if (pc.portmask && (pid >= 64 || !((pc.portmask >> pid) & 1))) continue;
    rx_ports.push_back(pid);
  }
  if (rx_ports.empty())
    return Status::error("--portmask/[pipeline] portmask selects none of the " + std::to_string(n_avail) + " ports");
  for (const PortConfig& pcfg : prof.ports) {
    if (!rte_eth_dev_is_valid_port(pcfg.port_id))
      return Status::error("[port " + std::to_string(pcfg.port_id) + "]: no such port (EAL found " + std::to_string(n_avail) +
             "; check --vdev/-a)");
    if (pcfg.tx_port >= 0 && !rte_eth_dev_is_valid_port(static_cast<uint16_t>(pcfg.tx_port)))
      return Status::error("[port " + std::to_string(pcfg.port_id) + "] tx_port = " + std::to_string(pcfg.tx_port) +
             ": no such port (EAL found " + std::to_string(n_avail) + ")");
  }
  auto add_port = [&](uint16_t p) {
    if (std::find(app.ports.begin(), app.ports.end(), p) == app.ports.end()) app.ports.push_back(p);
  };
  for (uint16_t p : rx_ports) {
    add_port(p);
    const int32_t out = prof.port(p).tx_port;
    add_port(out < 0 ? p : static_cast<uint16_t>(out));
  }
  std::sort(app.ports.begin(), app.ports.end());
  for (uint16_t p : app.ports)
    if (p >= kMaxPorts) return Status::error("port " + std::to_string(p) + ": edfpipe handles ports 0-" + std::to_string(kMaxPorts - 1));
  auto receives = [&](uint16_t p) { return std::find(rx_ports.begin(), rx_ports.end(), p) != rx_ports.end(); };

  // Lcore roles
  const unsigned first_worker = rte_get_next_lcore(static_cast<unsigned>(-1), 1, 0);
  if (first_worker >= RTE_MAX_LCORE)
    return Status::error("no worker lcore: edfpipe runs its roles on worker lcores; give EAL at least two, e.g. -l 0-1 "
           "or --lcores '0@0,1@1' (roles may share one worker)");
  std::vector<unsigned> rx_lcores;
  for (int32_t id : prof.lcores.rx) {
    unsigned lc = 0;
    if (std::string e = resolve_lcore(id, first_worker, "rx", lc); !e.empty()) return Status::error(e);
    rx_lcores.push_back(lc);
  }
  // One EDF and one TX lcore until the data path takes the lists (issue 12; lib/edf/plan.h).
  if (prof.lcores.edf.size() != 1 || prof.lcores.tx.size() != 1)
    return Status::error("[lcores] edf and tx: this build runs one EDF lcore and one TX lcore; list one of each");
  unsigned edf_lcore = 0, tx_lcore = 0;
  if (std::string e = resolve_lcore(prof.lcores.edf.front(), first_worker, "edf", edf_lcore); !e.empty()) return Status::error(e);
  if (std::string e = resolve_lcore(prof.lcores.tx.front(), first_worker, "tx", tx_lcore); !e.empty()) return Status::error(e);

  std::map<unsigned, LcoreContext*> by_id;
  auto ctx = [&](unsigned lc) {
    LcoreContext*& c = by_id[lc];
    if (!c) {
      c = new LcoreContext();
      c->lcore_id = lc;
      c->app = &app;
      c->stats = new_stats(rte_lcore_to_socket_id(lc));
      app.lcores.push_back(c);
    }
    return c;
  };
  for (unsigned lc : rx_lcores) ctx(lc)->has_rx = true;
  ctx(edf_lcore)->has_edf = true;
  ctx(tx_lcore)->has_tx = true;
  app.ctl_stats = new_stats(rte_socket_id());
  for (LcoreContext* c : app.lcores)
    if (!c->stats) return Status::error("cannot allocate statistics for lcore " + std::to_string(c->lcore_id) + ": out of memory");
  if (!app.ctl_stats) return Status::error("cannot allocate statistics: out of memory");

  // Inputs (port, queue) dealt round robin to the RX lcores.
  size_t next = 0;
  std::map<std::pair<uint16_t, uint16_t>, unsigned> input_lcore;
  for (uint16_t p : rx_ports) {
    const PortConfig pcfg = prof.port(p);
    for (uint16_t q = 0; q < pcfg.rx_queues; ++q) {
      LcoreContext* c = ctx(rx_lcores[next++ % rx_lcores.size()]);
      if (c->inputs.size() >= kMaxInputsPerLcore)
        return Status::error("lcore " + std::to_string(c->lcore_id) + ": more than " + std::to_string(kMaxInputsPerLcore) + " inputs");
      RxInput in{};
      in.port = p;
      in.queue = q;
      in.out_port = static_cast<uint16_t>(pcfg.tx_port < 0 ? p : pcfg.tx_port);
      c->inputs.push_back(in);
      input_lcore[{p, q}] = c->lcore_id;
    }
  }
  if (next < rx_lcores.size())
    return Status::error("[lcores] rx lists " + std::to_string(rx_lcores.size()) + " lcores but there are only " + std::to_string(next) +
           " inputs (port/queue pairs): raise [port N] rx_queues or list fewer RX lcores");
  for (LcoreContext* c : app.lcores) {
    std::vector<uint32_t> quanta;
    for (const RxInput& in : c->inputs) quanta.push_back(prof.port(in.port).rx_quantum_bytes);
    c->rx_drr.set_quanta(quanta);
  }

  // One mempool per socket of an RX lcore (l3fwd's rule: memory local to the lcore that fills it).
  std::map<unsigned, rte_mempool*> pool_of_socket;
  for (unsigned lc : rx_lcores) {
    const unsigned s = rte_lcore_to_socket_id(lc);
    if (pool_of_socket.count(s)) continue;
    const std::string name = "edfpipe_pool_s" + std::to_string(s);
    rte_mempool* mp = rte_pktmbuf_pool_create(name.c_str(), pc.mbufs, pc.mbuf_cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(s));
    if (!mp)
      return Status::error("cannot create mempool " + name + " of " + std::to_string(pc.mbufs) + " mbufs on socket " +
             std::to_string(s) + ": " + dpdk_error(-rte_errno) + " (reserve more hugepages or lower [pipeline] mbufs)");
    pool_of_socket[s] = mp;
    app.pools.push_back(mp);
  }

  // Mbufs the pipeline can hold at once: RX descriptors, rings, staging, per-lcore caches. A pool
  // smaller than that still works, but RX then runs out of mbufs (ethdev rx_nombuf) under load.
  {
    uint64_t hold = 0;
    for (uint16_t p : rx_ports) hold += uint64_t{prof.port(p).rx_queues} * (pc.rxd + pc.burst);
    for (const ClassConfig& k : prof.classes) hold += k.rx_ring + uint64_t{k.tx_ring} * app.ports.size() + 2 * pc.burst;
    hold += uint64_t{pc.mbuf_cache} * (app.lcores.size() + 1) + uint64_t{pc.txd} * app.ports.size();
    if (hold > pc.mbufs)
      INIT_LOG(WARNING, "[pipeline] mbufs = %u is less than the %llu mbufs the pipeline can hold; under load RX "
               "will run out of mbufs (ethdev rx_nombuf)", pc.mbufs, static_cast<unsigned long long>(hold));
  }

  // Rings: RX -> EDF per class on the EDF lcore's socket; EDF -> TX per output port and class.
  const int edf_socket = static_cast<int>(rte_lcore_to_socket_id(edf_lcore));
  const int tx_socket = static_cast<int>(rte_lcore_to_socket_id(tx_lcore));
  // fifo scheduling shares one ring per stage, sized as all the classes' rings together.
  const bool fifo = pc.scheduling == Scheduling::kFifo;
  auto queue_name = [&](size_t qi) { return fifo ? std::string("fifo") : prof.classes[qi].name; };
  auto queue_size = [&](size_t qi, uint32_t ClassConfig::*size) {
    if (!fifo) return prof.classes[qi].*size;
    uint32_t total = 0;
    for (const ClassConfig& k : prof.classes) total += k.*size;
    return total;
  };
  for (size_t qi = 0; qi < app.n_queues; ++qi) {
    unsigned flags = RING_F_EXACT_SZ | RING_F_SC_DEQ | (rx_lcores.size() == 1 ? RING_F_SP_ENQ : 0);
    const std::string name = "edf_in_" + queue_name(qi);
    const uint32_t size = queue_size(qi, &ClassConfig::rx_ring);
    app.edf_ring[qi] = rte_ring_create(name.c_str(), size, edf_socket, flags);
    if (!app.edf_ring[qi]) return Status::error("cannot create ring " + name + " of " + std::to_string(size) + ": " + dpdk_error(-rte_errno));
  }
  std::vector<uint16_t> out_ports;
  for (const LcoreContext* c : app.lcores)
    for (const RxInput& in : c->inputs)
      if (std::find(out_ports.begin(), out_ports.end(), in.out_port) == out_ports.end()) out_ports.push_back(in.out_port);
  std::sort(out_ports.begin(), out_ports.end());
  LcoreContext* txc = ctx(tx_lcore);
  for (uint16_t p : out_ports) {
    TxPortState tp{};
    tp.port = p;
    std::vector<uint32_t> quanta;
    for (size_t qi = 0; qi < app.n_queues; ++qi) {
      const std::string name = "edf_out_p" + std::to_string(p) + "_" + queue_name(qi);
      const uint32_t size = queue_size(qi, &ClassConfig::tx_ring);
      rte_ring* r = rte_ring_create(name.c_str(), size, tx_socket, RING_F_EXACT_SZ | RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (!r) return Status::error("cannot create ring " + name + " of " + std::to_string(size) + ": " + dpdk_error(-rte_errno));
      app.tx_ring[p][qi] = tp.ring[qi] = r;
      quanta.push_back(fifo ? 1 : prof.classes[qi].quantum_bytes);  // one queue: DRR is plain FIFO
    }
    tp.egress.drr().set_quanta(quanta);
    const PortConfig pcfg = prof.port(p);
    tp.egress.bucket().configure(pcfg.rate_bps, pcfg.rate_burst_bytes, app.tsc_hz, rte_rdtsc());
    // After a stall, class order lasts for up to one ring of queue 0 plus one staged burst.
    tp.egress.configure({app.fixed.burst, app.fixed.tx_retry_tsc, app.fixed.tx_stall_tsc,
                         rte_ring_get_capacity(tp.ring[0]) + app.fixed.burst});
    txc->tx_ports.push_back(tp);
  }

  // Ports: rx_queues RX queues each (none for TX-only ports), one TX queue (only TX lcore sends).
  for (uint16_t p : app.ports) {
    const PortConfig pcfg = prof.port(p);
    const uint16_t n_rxq = receives(p) ? pcfg.rx_queues : 0;
    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(p, &info); rc != 0) return Status::error("port " + std::to_string(p) + ": cannot get device info: " + dpdk_error(rc));
    if (n_rxq > info.max_rx_queues)
      return Status::error("[port " + std::to_string(p) + "] rx_queues = " + std::to_string(pcfg.rx_queues) + ": driver " +
             info.driver_name + " offers at most " + std::to_string(info.max_rx_queues));
    rte_eth_conf conf{};
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
      const unsigned s = rte_lcore_to_socket_id(input_lcore[{p, q}]);
      const int port_socket = rte_eth_dev_socket_id(p);
      if (port_socket >= 0 && static_cast<unsigned>(port_socket) != s)
        INIT_LOG(WARNING, "port %u is on socket %d but RX queue %u is polled from socket %u", p, port_socket, q, s);
      if (int rc = rte_eth_rx_queue_setup(p, q, rxd, s, nullptr, pool_of_socket[s]); rc != 0)
        return Status::error("port " + std::to_string(p) + " RX queue " + std::to_string(q) + ": setup failed: " + dpdk_error(rc));
    }
    if (n_rxq_cfg > n_rxq) {
      rte_mempool* mp = app.pools.front();
      if (int rc = rte_eth_rx_queue_setup(p, 0, rxd, static_cast<unsigned>(mp->socket_id), nullptr, mp); rc != 0)
        return Status::error("port " + std::to_string(p) + " unpolled RX queue 0: setup failed: " + dpdk_error(rc));
    }
    if (int rc = rte_eth_tx_queue_setup(p, 0, txd, static_cast<unsigned>(tx_socket), nullptr); rc != 0)
      return Status::error("port " + std::to_string(p) + " TX queue 0: setup failed: " + dpdk_error(rc));
    if (int rc = rte_eth_dev_start(p); rc != 0) return Status::error("port " + std::to_string(p) + ": start failed: " + dpdk_error(rc));
    (void)rte_eth_promiscuous_enable(p);  // not every vdev supports it; traffic is addressed to us anyway
  }
  return {};
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
  for (size_t qi = 0; qi < app.n_queues; ++qi) {
    drain(app.edf_ring[qi]);
    for (uint16_t p : app.ports) drain(app.tx_ring[p][qi]);
  }
}

std::vector<MempoolReport> close_ports_and_check_pools(AppContext& app) {
  for (uint16_t p : app.ports) {
    (void)rte_eth_dev_stop(p);
    (void)rte_eth_dev_close(p);
  }
  std::vector<MempoolReport> out;
  for (rte_mempool* mp : app.pools) out.push_back({mp->name, mp->size, rte_mempool_avail_count(mp)});
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
