// dataplane.h: the lcore main loop and its three roles (RX, EDF, TX).
//
// One loop runs whichever roles the profile gave this lcore, in order RX -> EDF -> TX, so roles
// that share an lcore run to completion. The clock is read once per iteration and passed down;
// TX reads it once more per poll, so that latency includes the RX and EDF time before it.
// An iteration that did no work counts towards the idle policy (spin, yield, sleep).
//   RX:  ingress DRR over this lcore's inputs (port/queue); each input is refilled with one
//        rx_burst when its staging queue is empty; packets are parsed, classified, stamped with
//        arrival and deadline, and enqueued in bursts onto the class ring (full: kRxRingFull).
//   EDF: earliest head deadline across the class rings, except that a late winner yields to a
//        head of a higher-priority class, on time if one is (edf_merge.h); expired packets follow their class
//        policy; processing (fwd or spin); enqueue onto the output port's class ring
//        (full: kTxRingFull). Gives the lcore back after `burst` packets or edf_slice_us.
//   TX:  per output port, egress DRR over class rings, gated by the port's token bucket, into
//        rte_eth_tx_burst; refused packets are retried for tx_retry_us, then kTxFailed.
// Nothing here allocates, locks, logs or makes a syscall per packet.
#pragma once

namespace edf {

// rte_eal_remote_launch entry point; `arg` is the lcore's LcoreContext.
int lcore_main(void* arg);

}  // namespace edf
