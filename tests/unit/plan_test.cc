// Tests for make_plan (plan.h): role layouts for R/W/T/port combinations (the default profile on one
// worker, R = W = T = 2 on two ports, roles sharing lcores, W = 3), round-robin dealing of inputs and
// ports, ring counts and sizes (split by R and W, fifo, never below the burst), mempool sockets, the
// mbuf estimate, and every start-up error, all reported at once with the output left untouched.
#include "edf/plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "edf/profile.h"

namespace edf {
namespace {

// EAL with main lcore 0, the given workers (all on socket 0 unless `sockets` says otherwise) and ports.
EalFacts facts(std::vector<unsigned> workers, std::vector<uint16_t> ports, std::vector<unsigned> sockets = {}) {
  EalFacts f;
  f.main_lcore = 0;
  f.worker_lcores = std::move(workers);
  f.ports = std::move(ports);
  f.lcore_socket = std::move(sockets);
  return f;
}

// The default profile with `settings` applied as --set would ("section", "key", "value").
Profile profile(const std::vector<std::vector<std::string>>& settings = {}) {
  Profile p = default_profile();
  for (const auto& s : settings) {
    const Status why = apply_setting(p, s[0], s[1], s[2]);
    EXPECT_TRUE(why.ok()) << s[0] << "." << s[1] << "=" << s[2] << ": " << why.message();
  }
  EXPECT_TRUE(validate_profile(p).ok()) << validate_profile(p).message();
  return p;
}

Plan plan_ok(const Profile& p, const EalFacts& f) {
  Plan out;
  const Status st = make_plan(p, f, out);
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

// make_plan fails with exactly `expect`, in order, and leaves its output untouched.
void expect_errors(const Profile& p, const EalFacts& f, const std::vector<std::string>& expect) {
  Plan out;
  out.rx = {99};
  out.mbufs_held = 12345;
  EXPECT_EQ(make_plan(p, f, out).messages(), expect);
  EXPECT_EQ(out.rx, std::vector<unsigned>{99});
  EXPECT_EQ(out.mbufs_held, 12345u);
  EXPECT_TRUE(out.lcores.empty());
}

bool same(const PlanInput& a, const PlanInput& b) {
  return a.port == b.port && a.queue == b.queue && a.out_port == b.out_port && a.quantum_bytes == b.quantum_bytes;
}

void expect_inputs(const PlanLcore& l, const std::vector<PlanInput>& expect) {
  ASSERT_EQ(l.inputs.size(), expect.size()) << "lcore " << l.id;
  for (size_t i = 0; i < expect.size(); ++i)
    EXPECT_TRUE(same(l.inputs[i], expect[i]))
        << "lcore " << l.id << " input " << i << ": got (" << l.inputs[i].port << "," << l.inputs[i].queue << ")->"
        << l.inputs[i].out_port << " q" << l.inputs[i].quantum_bytes;
}

TEST(Plan, DefaultProfileOnOneWorkerIsOneLcoreWithEveryRole) {
  const Plan plan = plan_ok(default_profile(), facts({1}, {0}));
  EXPECT_EQ(plan.rx, std::vector<unsigned>{1});
  EXPECT_EQ(plan.edf, std::vector<unsigned>{1});
  EXPECT_EQ(plan.tx, std::vector<unsigned>{1});
  ASSERT_EQ(plan.lcores.size(), 1u);
  const PlanLcore& l = plan.lcores[0];
  EXPECT_EQ(l.id, 1u);
  EXPECT_EQ(l.socket, 0u);  // lcore_socket left empty: socket 0
  EXPECT_EQ(l.rx, 0);
  EXPECT_EQ(l.edf, 0);
  EXPECT_EQ(l.tx, 0);
  expect_inputs(l, {{0, 0, 0, 16384}});
  EXPECT_EQ(l.tx_ports, std::vector<uint16_t>{0});
  EXPECT_EQ(plan.rx_ports, std::vector<uint16_t>{0});
  EXPECT_EQ(plan.ports, std::vector<uint16_t>{0});
  EXPECT_EQ(plan.tx_lcore_of_port, std::vector<int>{0});
  EXPECT_EQ(plan.n_queues, 4u);
  EXPECT_EQ(plan.queue_of, (std::vector<uint8_t>{0, 1, 2, 3}));
  EXPECT_EQ(plan.queue_quantum_bytes, (std::vector<uint32_t>{4096, 4096, 4096, 4096}));
  EXPECT_EQ(plan.rx_ring_size, (std::vector<uint32_t>{1024, 1024, 1024, 1024}));
  EXPECT_EQ(plan.tx_ring_size, (std::vector<uint32_t>{1024, 1024, 1024, 1024}));
  EXPECT_EQ(plan.n_rx_rings(), 4u);
  EXPECT_EQ(plan.n_tx_rings(), 4u);
  EXPECT_EQ(plan.pool_sockets, std::vector<unsigned>{0});
  // As src/init.cc estimated before the plan: 1 queue x (1024 rxd + 32), 4 classes x (1024 + 1024 + 2 x 32),
  // 256-mbuf caches on the lcore and the main lcore, 1024 txd.
  EXPECT_EQ(plan.mbufs_held, 1056u + 4 * 2112u + 512u + 1024u);
  EXPECT_EQ(plan.lcore(1), &plan.lcores[0]);
  EXPECT_EQ(plan.lcore(0), nullptr);
  EXPECT_EQ(plan.lcore(2), nullptr);
}

TEST(Plan, TwoRxTwoWorkersTwoTxOnTwoPorts) {
  const Profile p = profile({{"lcores", "rx", "1,2"}, {"lcores", "edf", "3,4"}, {"lcores", "tx", "2,1"},
                             {"port 0", "rx_queues", "2"}, {"port 0", "tx_port", "1"},
                             {"port 1", "rx_queues", "2"}, {"port 1", "tx_port", "0"},
                             {"port 1", "rx_quantum_bytes", "1500"}});
  const Plan plan = plan_ok(p, facts({1, 2, 3, 4}, {0, 1}, {0, 0, 1, 0, 1}));
  EXPECT_EQ(plan.rx, (std::vector<unsigned>{1, 2}));
  EXPECT_EQ(plan.edf, (std::vector<unsigned>{3, 4}));
  EXPECT_EQ(plan.tx, (std::vector<unsigned>{2, 1}));  // profile order
  ASSERT_EQ(plan.lcores.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(plan.lcores[i].id, i + 1);  // ascending id
  const PlanLcore &l1 = plan.lcores[0], &l2 = plan.lcores[1], &l3 = plan.lcores[2], &l4 = plan.lcores[3];
  EXPECT_EQ((std::vector<int>{l1.rx, l1.edf, l1.tx}), (std::vector<int>{0, -1, 1}));
  EXPECT_EQ((std::vector<int>{l2.rx, l2.edf, l2.tx}), (std::vector<int>{1, -1, 0}));
  EXPECT_EQ((std::vector<int>{l3.rx, l3.edf, l3.tx}), (std::vector<int>{-1, 0, -1}));
  EXPECT_EQ((std::vector<int>{l4.rx, l4.edf, l4.tx}), (std::vector<int>{-1, 1, -1}));
  EXPECT_EQ((std::vector<unsigned>{l1.socket, l2.socket, l3.socket, l4.socket}), (std::vector<unsigned>{0, 1, 0, 1}));
  expect_inputs(l1, {{0, 0, 1, 16384}, {1, 0, 0, 1500}});
  expect_inputs(l2, {{0, 1, 1, 16384}, {1, 1, 0, 1500}});
  EXPECT_TRUE(l3.inputs.empty());
  // Ports 0, 1 dealt over tx = 2,1: port 0 to lcore 2 (index 0), port 1 to lcore 1.
  EXPECT_EQ(l2.tx_ports, std::vector<uint16_t>{0});
  EXPECT_EQ(l1.tx_ports, std::vector<uint16_t>{1});
  EXPECT_TRUE(l3.tx_ports.empty());
  EXPECT_EQ(plan.tx_lcore_of_port, (std::vector<int>{0, 1}));
  EXPECT_EQ(plan.n_rx_rings(), 2u * 2 * 4);
  EXPECT_EQ(plan.n_tx_rings(), 2u * 2 * 4);
  EXPECT_EQ(plan.rx_ring_size, (std::vector<uint32_t>{512, 512, 512, 512}));  // 1024 / R
  EXPECT_EQ(plan.tx_ring_size, (std::vector<uint32_t>{512, 512, 512, 512}));  // 1024 / W
  EXPECT_EQ(plan.pool_sockets, (std::vector<unsigned>{0, 1}));  // RX lcores 1 and 2
  const uint64_t rx_desc = 2 * 2 * (1024 + 32), rings = 4 * 512 * 2 * 2 + 4 * 512 * 2 * 2;
  const uint64_t staging = 32 * 4 * (2 + 2), caches = 256 * (4 + 1) * 2, tx_desc = 1024 * 2;
  EXPECT_EQ(plan.mbufs_held, rx_desc + rings + staging + caches + tx_desc);
}

TEST(Plan, RolesShareLcoresOnATwoCpuMachine) {
  // R = W = T = 2 on two lcores, each holding all three roles.
  const Profile p = profile({{"lcores", "rx", "1,2"}, {"lcores", "edf", "1,2"}, {"lcores", "tx", "1,2"},
                             {"port 0", "tx_port", "1"}, {"port 1", "tx_port", "0"}});
  const Plan plan = plan_ok(p, facts({1, 2}, {0, 1}));
  ASSERT_EQ(plan.lcores.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const PlanLcore& l = plan.lcores[i];
    EXPECT_EQ(l.id, i + 1);
    EXPECT_EQ(l.rx, static_cast<int>(i));
    EXPECT_EQ(l.edf, static_cast<int>(i));
    EXPECT_EQ(l.tx, static_cast<int>(i));
    EXPECT_EQ(l.tx_ports, std::vector<uint16_t>{static_cast<uint16_t>(i)});
  }
  expect_inputs(plan.lcores[0], {{0, 0, 1, 16384}});
  expect_inputs(plan.lcores[1], {{1, 0, 0, 16384}});
  EXPECT_EQ(plan.n_rx_rings(), 16u);
  EXPECT_EQ(plan.n_tx_rings(), 16u);
  EXPECT_EQ(plan.pool_sockets, std::vector<unsigned>{0});
  // And all roles on one explicit lcore that is not the first worker.
  const Plan one = plan_ok(profile({{"lcores", "rx", "3"}, {"lcores", "edf", "3"}, {"lcores", "tx", "3"}}),
                           facts({1, 2, 3}, {0}, {0, 0, 0, 1}));
  ASSERT_EQ(one.lcores.size(), 1u);
  EXPECT_EQ(one.lcores[0].id, 3u);
  EXPECT_EQ(one.lcores[0].socket, 1u);
  EXPECT_EQ(one.pool_sockets, std::vector<unsigned>{1});
}

TEST(Plan, ThreeWorkersSplitTheTxRingsAndShareEveryInput) {
  const Profile p = profile({{"lcores", "edf", "2,3,4"}, {"class high", "rx_ring", "1000"}});
  const Plan plan = plan_ok(p, facts({1, 2, 3, 4}, {0}));
  EXPECT_EQ(plan.rx, std::vector<unsigned>{1});  // auto: the first worker
  EXPECT_EQ(plan.edf, (std::vector<unsigned>{2, 3, 4}));
  EXPECT_EQ(plan.tx, std::vector<unsigned>{1});
  ASSERT_EQ(plan.lcores.size(), 4u);
  EXPECT_EQ(plan.lcores[0].rx, 0);
  EXPECT_EQ(plan.lcores[0].tx, 0);
  EXPECT_EQ(plan.lcores[0].edf, -1);
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(plan.lcores[i].edf, static_cast<int>(i - 1));
  EXPECT_EQ(plan.n_rx_rings(), 1u * 3 * 4);
  EXPECT_EQ(plan.n_tx_rings(), 3u * 1 * 4);
  // R = 1: each worker's ring of a class holds the class's rx_ring; W = 3: ceil(1024 / 3) = 342.
  EXPECT_EQ(plan.rx_ring_size, (std::vector<uint32_t>{1000, 1024, 1024, 1024}));
  EXPECT_EQ(plan.tx_ring_size, (std::vector<uint32_t>{342, 342, 342, 342}));
}

TEST(Plan, InputsAndPortsAreDealtRoundRobinInAscendingOrder) {
  // Receive on ports 0 (4 queues) and 2 (1 queue); port 2 sends to port 1, TX-only (not in the mask).
  const Profile p = profile({{"pipeline", "portmask", "0x5"}, {"lcores", "rx", "5,3,4"}, {"lcores", "tx", "3,4"},
                             {"port 0", "rx_queues", "4"}, {"port 2", "tx_port", "1"},
                             {"port 2", "rx_quantum_bytes", "9000"}});
  const Plan plan = plan_ok(p, facts({1, 2, 3, 4, 5}, {0, 1, 2, 3}));
  EXPECT_EQ(plan.rx_ports, (std::vector<uint16_t>{0, 2}));
  EXPECT_EQ(plan.ports, (std::vector<uint16_t>{0, 1, 2}));  // port 3 neither receives nor is an output
  const PlanLcore *l3 = plan.lcore(3), *l4 = plan.lcore(4), *l5 = plan.lcore(5);
  ASSERT_TRUE(l3 && l4 && l5);
  EXPECT_EQ(plan.lcores.size(), 4u);  // 1 (edf = auto), 3, 4, 5
  // Inputs (0,0) (0,1) (0,2) (0,3) (2,0) over rx = 5,3,4.
  expect_inputs(*l5, {{0, 0, 0, 16384}, {0, 3, 0, 16384}});
  expect_inputs(*l3, {{0, 1, 0, 16384}, {2, 0, 1, 9000}});
  expect_inputs(*l4, {{0, 2, 0, 16384}});
  // The output ports 0 (port 0 sends back out of itself) and 1 (port 2's tx_port) over tx = 3,4;
  // port 2 only receives: no TX lcore, no EDF -> TX ring.
  EXPECT_EQ(plan.out_ports, (std::vector<uint16_t>{0, 1}));
  EXPECT_EQ(l3->tx_ports, std::vector<uint16_t>{0});
  EXPECT_EQ(l4->tx_ports, std::vector<uint16_t>{1});
  EXPECT_TRUE(l5->tx_ports.empty());
  EXPECT_EQ(plan.tx_lcore_of_port, (std::vector<int>{0, 1, -1}));
  EXPECT_EQ(plan.n_tx_rings(), 1u * 2 * 4);
  // mbufs: RX descriptors only for receiving ports, EDF -> TX rings for output ports, TX
  // descriptors for all three.
  const uint64_t rx_desc = (4 + 1) * (1024 + 32), rings = 4 * ((1024 / 3 + 1) * 3 + 1024 * 2);
  const uint64_t staging = 32 * 4 * (1 + 2), caches = 256 * (4 + 1), tx_desc = 1024 * 3;
  EXPECT_EQ(plan.mbufs_held, rx_desc + rings + staging + caches + tx_desc);
}

TEST(Plan, TxPortSparseIdsGetATableUpToTheLargest) {
  const Profile p = profile({{"pipeline", "portmask", "0x1"}, {"port 0", "tx_port", "7"}});
  const Plan plan = plan_ok(p, facts({1}, {0, 7}));
  EXPECT_EQ(plan.ports, (std::vector<uint16_t>{0, 7}));
  EXPECT_EQ(plan.tx_lcore_of_port, (std::vector<int>{-1, -1, -1, -1, -1, -1, -1, 0}));  // port 0 only receives
  expect_inputs(plan.lcores[0], {{0, 0, 7, 16384}});
}

TEST(Plan, FifoHasOneQueueSizedAsEveryClassTogether) {
  const Profile p = profile({{"pipeline", "scheduling", "fifo"}, {"lcores", "rx", "1,2"}, {"lcores", "edf", "1,2"},
                             {"port 0", "rx_queues", "2"}, {"class high", "tx_ring", "101"}});
  const Plan plan = plan_ok(p, facts({1, 2}, {0}));
  EXPECT_EQ(plan.n_queues, 1u);
  EXPECT_EQ(plan.queue_of, (std::vector<uint8_t>{0, 0, 0, 0}));
  EXPECT_EQ(plan.queue_quantum_bytes, std::vector<uint32_t>{1});  // one queue: DRR is plain FIFO
  EXPECT_EQ(plan.rx_ring_size, std::vector<uint32_t>{4096 / 2});
  EXPECT_EQ(plan.tx_ring_size, std::vector<uint32_t>{(3 * 1024 + 101 + 1) / 2});  // rounded up
  EXPECT_EQ(plan.n_rx_rings(), 2u * 2 * 1);
  EXPECT_EQ(plan.n_tx_rings(), 2u * 1 * 1);
}

TEST(Plan, RingsNeverHoldLessThanABurst) {
  // 8 RX lcores and 8 workers split 64-slot rings into 8 slots: a ring still takes one burst.
  Profile p = profile({{"pipeline", "burst", "256"}, {"lcores", "rx", "1,2,3,4,5,6,7,8"},
                       {"lcores", "edf", "1,2,3,4,5,6,7,8"}, {"port 0", "rx_queues", "8"}});
  for (ClassConfig& k : p.classes) k.rx_ring = k.tx_ring = 64;
  p.classes[1].rx_ring = 4096;  // 4096 / 8 = 512: above the burst, kept
  const Plan plan = plan_ok(p, facts({1, 2, 3, 4, 5, 6, 7, 8}, {0}));
  EXPECT_EQ(plan.rx_ring_size, (std::vector<uint32_t>{256, 512, 256, 256}));
  EXPECT_EQ(plan.tx_ring_size, (std::vector<uint32_t>{256, 256, 256, 256}));
  EXPECT_EQ(plan.n_rx_rings(), 8u * 8 * 4);
  EXPECT_EQ(plan.n_tx_rings(), 8u * 1 * 4);
  for (const PlanLcore& l : plan.lcores) EXPECT_EQ(l.inputs.size(), 1u);
}

// ---------------------------------------------------------------- errors

TEST(Plan, NoPorts) {
  expect_errors(default_profile(), facts({1}, {}),
                {"no ports: give EAL a --vdev (e.g. --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap) or bind a "
                 "NIC with dpdk-devbind.py"});
}

TEST(Plan, PortmaskSelectingNothing) {
  expect_errors(profile({{"pipeline", "portmask", "0x4"}}), facts({1}, {0, 1}),
                {"--portmask/[pipeline] portmask selects none of the 2 ports"});
}

TEST(Plan, PortSectionForAMissingPort) {
  expect_errors(profile({{"port 3", "rx_queues", "1"}}), facts({1}, {0}),
                {"[port 3]: no such port (EAL found 1; check --vdev/-a)"});
}

TEST(Plan, TxPortMissing) {
  expect_errors(profile({{"port 0", "tx_port", "5"}}), facts({1}, {0}),
                {"[port 0] tx_port = 5: no such port (EAL found 1)"});
}

TEST(Plan, PortsAboveTheLimit) {
  std::vector<uint16_t> ports;
  for (uint16_t i = 0; i <= 17; ++i) ports.push_back(i);
  expect_errors(profile({{"pipeline", "portmask", "0x10000"}, {"port 16", "tx_port", "17"}}), facts({1}, ports),
                {"port 16: edfpipe handles ports 0-15", "port 17: edfpipe handles ports 0-15"});
}

TEST(Plan, NoWorkerLcore) {
  expect_errors(default_profile(), facts({}, {0}),
                {"no worker lcore: edfpipe runs its roles on worker lcores; give EAL at least two, e.g. -l 0-1 "
                 "or --lcores '0@0,1@1' (roles may share one worker)"});
}

TEST(Plan, LcoreNotEnabled) {
  expect_errors(profile({{"lcores", "rx", "1,3"}, {"lcores", "edf", "7"}, {"port 0", "rx_queues", "2"}}),
                facts({1}, {0}),
                {"[lcores] rx = 3: lcore is not enabled by EAL (give it to -l or --lcores)",
                 "[lcores] edf = 7: lcore is not enabled by EAL (give it to -l or --lcores)"});
}

TEST(Plan, RoleOnTheMainLcore) {
  expect_errors(profile({{"lcores", "tx", "0"}}), facts({1}, {0}),
                {"[lcores] tx = 0: lcore is EAL's main lcore, which runs statistics and control; use a worker lcore"});
}

TEST(Plan, MoreRxLcoresThanInputs) {
  expect_errors(profile({{"lcores", "rx", "1,2"}}), facts({1, 2}, {0}),
                {"[lcores] rx lists 2 lcores but there are only 1 inputs (port/queue pairs): raise [port N] "
                 "rx_queues or list fewer RX lcores"});
}

TEST(Plan, MoreTxLcoresThanPorts) {
  expect_errors(profile({{"lcores", "tx", "1,2"}}), facts({1, 2}, {0}),
                {"[lcores] tx lists 2 lcores but there are only 1 output ports: each output port has one TX lcore; "
                 "list fewer TX lcores"});
}

TEST(Plan, MoreThan32InputsOnOneRxLcore) {
  // 3 ports x 16 queues = 48 inputs: 24 on each of two RX lcores fits, 48 on one does not.
  const Profile two = profile({{"lcores", "rx", "1,2"}, {"port 0", "rx_queues", "16"},
                               {"port 1", "rx_queues", "16"}, {"port 2", "rx_queues", "16"}});
  EXPECT_EQ(plan_ok(two, facts({1, 2}, {0, 1, 2})).lcores[0].inputs.size(), 24u);
  Profile one = two;
  one.lcores.rx = {kAutoLcore};
  expect_errors(one, facts({1, 2}, {0, 1, 2}), {"lcore 1: more than 32 inputs"});
}

TEST(Plan, EveryProblemIsReportedAtOnce) {
  const Profile p = profile({{"port 3", "rx_queues", "1"}, {"port 0", "tx_port", "5"}, {"lcores", "rx", "1,2"},
                             {"lcores", "edf", "7"}, {"lcores", "tx", "0"}});
  expect_errors(p, facts({1, 2}, {0}),
                {"[port 3]: no such port (EAL found 1; check --vdev/-a)",
                 "[port 0] tx_port = 5: no such port (EAL found 1)",
                 "[lcores] edf = 7: lcore is not enabled by EAL (give it to -l or --lcores)",
                 "[lcores] tx = 0: lcore is EAL's main lcore, which runs statistics and control; use a worker lcore",
                 "[lcores] rx lists 2 lcores but there are only 1 inputs (port/queue pairs): raise [port N] "
                 "rx_queues or list fewer RX lcores"});
}

TEST(Plan, AProfileBuiltInCodeWithAnEmptyRoleIsRefused) {
  Profile p = default_profile();
  p.lcores.edf.clear();
  expect_errors(p, facts({1}, {0}), {"[lcores]: every role needs an lcore (rx, edf, tx; auto is the first worker)"});
}

}  // namespace
}  // namespace edf
