"""EDF scheduling with the spin stage as the bottleneck: overtaking, the expired policy, full rings.

With `--processing spin` each packet costs at least 100 us on the EDF lcore, while RX reads a burst
of 32 per loop, so the whole pcap (a few hundred frames) is queued within a few milliseconds and EDF
decides the order. The properties below follow from that, not from the machine's speed: a faster
machine only queues the pcap sooner.
"""
import pytest

import edfit

SPIN = ["--processing", "spin", "--idle-exit", edfit.IDLE_EXIT_MS]


def run_spin(edfpipe, pcap_manifest, name, extra=()):
    pcap, manifest = pcap_manifest
    out = f"{edfpipe.workdir}/{name}.pcap"
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"], [*SPIN, *extra], timeout=60)
    assert res.rc == 0, res.describe()
    assert res.stats is not None, res.describe()
    edfit.check_read_all(res, manifest["valid"] + sum(manifest["malformed"].values()))
    edfit.check_accounting(res.stats, name)
    frames = edfit.read_pcap(out)
    assert len(frames) == res.stats["tx"], f"{len(frames)} frames in {out}, tx {res.stats['tx']}"
    return res, edfit.out_classes(frames)


def assert_fifo_per_class(order):
    last = {}
    for seq, cls in order:
        assert seq > last.get(cls, -1), f"class {cls}: seq {seq} sent after seq {last[cls]}"
        last[cls] = seq


def test_high_overtakes_earlier_low(edfpipe, make_pcap):
    # 150 low frames, then 150 high frames: every low frame arrived before every high frame, but a
    # high deadline (arrival + 1 ms) is earlier than a queued low one (arrival + 100 ms).
    pcap, manifest = make_pcap("--count", 300, "--order", "low-then-high", "--seed", 3)
    assert manifest["classes"]["low"] == 150 and manifest["classes"]["high"] == 150
    res, order = run_spin(edfpipe, (pcap, manifest), "overtake")
    st, cls = res.stats, edfit.by_class(res.stats)
    assert st["rx"] == st["tx"] == 300 and st["drops"] == 0
    assert cls["low"]["tx"] == cls["high"]["tx"] == 150
    last_high = max(i for i, (_, c) in enumerate(order) if c == "high")
    low_after = sum(1 for _, c in order[last_high + 1:] if c == "low")
    assert low_after >= 75, f"only {low_after} of 150 low frames left after the last high frame: EDF did not reorder"
    assert_fifo_per_class(order)


def test_high_preempts_low_in_progress(edfpipe, make_pcap):
    # 10 low frames, then 10 high, read one per RX poll (--burst 1), each costing 20 ms of spin. EDF
    # starts the first low frame before any high frame has arrived; it spins in 20 us slices, and
    # RX reads the first high frame a few slices later, long before the 20 ms are up (even if the
    # machine takes the CPU away for a few milliseconds meanwhile: the spin is timed on the TSC). The low frame
    # must give way (it keeps its progress and resumes afterwards) rather than finish first: a
    # non-preemptive stage would send it before every high frame.
    pcap, manifest = make_pcap("--count", 20, "--order", "low-then-high", "--seed", 4)
    assert manifest["classes"]["low"] == manifest["classes"]["high"] == 10
    res, order = run_spin(edfpipe, (pcap, manifest), "preempt",
                          ["--burst", "1", "--spin-base-ns", "20000000", "--spin-per-byte-ns", "0"])
    classes = [c for _, c in order]
    assert classes == ["high"] * 10 + ["low"] * 10, f"EDF did not preempt the low frame in progress: {classes}"
    assert_fifo_per_class(order)
    cls = edfit.by_class(res.stats)
    # Each high frame waited only for the high frames before it (10 x 20 ms at most), never for a low one.
    assert cls["high"]["latency_ns"]["max"] < cls["low"]["latency_ns"]["min"], (cls["high"]["latency_ns"],
                                                                             cls["low"]["latency_ns"])


@pytest.fixture(scope="module")
def mixed_pcap(make_pcap):
    return make_pcap("--count", 200, "--mix", "high=1,low=1", "--seed", 5)


def test_expired_high_dropped(edfpipe, mixed_pcap):
    _, manifest = mixed_pcap
    n_high = manifest["classes"]["high"]
    res, order = run_spin(edfpipe, mixed_pcap, "expired_drop",
                          ["--set", "class high.expired=drop", "--set", "class high.budget_us=200"])
    high = edfit.by_class(res.stats)["high"]
    # About 100 high frames at >= 100 us each take >= 10 ms, 50x the 200 us budget: most wait past it.
    assert high["rx"] == n_high
    assert high["drops_by_reason"]["expired"] >= n_high // 2, high
    assert high["tx"] + high["drops_by_reason"]["expired"] == n_high, high
    assert high["late"] == 0, "policy drop must not deliver late packets"
    assert res.stats["drops_by_reason"]["expired"] == high["drops_by_reason"]["expired"], \
        "only high has the drop policy"
    assert sum(1 for _, c in order if c == "high") == high["tx"]
    assert_fifo_per_class(order)


def test_expired_high_delivered_late_by_default(edfpipe, mixed_pcap):
    _, manifest = mixed_pcap
    n_high = manifest["classes"]["high"]
    res, order = run_spin(edfpipe, mixed_pcap, "expired_deliver", ["--set", "class high.budget_us=200"])
    st, high = res.stats, edfit.by_class(res.stats)["high"]
    assert st["drops"] == 0 and st["tx"] == manifest["valid"]
    assert high["tx"] == n_high
    assert high["late"] >= n_high // 2, high
    assert high["misses"] >= high["late"], "a packet late before processing is late when sent"
    assert sum(1 for _, c in order if c == "high") == n_high
    assert_fifo_per_class(order)


def test_rx_ring_full_drops_low_only(edfpipe, make_pcap):
    # A 64-entry low ring in front of a spinning EDF: RX outruns it by far more than 64 packets.
    pcap, manifest = make_pcap("--count", 400, "--mix", "high=1,low=3", "--seed", 11)
    res, order = run_spin(edfpipe, (pcap, manifest), "ring_full", ["--set", "class low.rx_ring=64"])
    st, cls = res.stats, edfit.by_class(res.stats)
    low, high = cls["low"], cls["high"]
    assert low["rx"] == manifest["classes"]["low"] and high["rx"] == manifest["classes"]["high"]
    assert low["drops_by_reason"]["rx_ring_full"] > 0, low
    assert low["tx"] + low["drops_by_reason"]["rx_ring_full"] == low["rx"], low
    assert low["tx"] >= 64, "what the ring held must still be delivered"
    assert high["drops"] == 0 and high["tx"] == high["rx"], high
    assert st["drops_by_reason"]["rx_ring_full"] == low["drops_by_reason"]["rx_ring_full"]
    assert sum(1 for _, c in order if c == "low") == low["tx"]
    assert_fifo_per_class(order)
