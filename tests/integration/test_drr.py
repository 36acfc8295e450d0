"""Egress DRR under a rate limit: the bottleneck port shares its bytes by quantum.

A pcap of 100 low then 100 high frames, all 1000 bytes, is replayed forever into port 0 and sent to
port 1, limited to 20 Mbit/s (2,500 frames/s), while the pipeline itself moves millions of frames
per second. Port 1 is a TX-only net_pcap (the portmask leaves it out) writing a pcap, so the test
sees the order in which frames left, not just totals.

Why this is deterministic: both classes' TX rings (256 each, well inside the hugepage mode's
4095-mbuf pool) stay full for the whole run -- tx_ring_full drops in both prove it -- so every DRR
round finds both backlogged and, with quanta low 3000 : high 1000 and 1000-byte frames, sends
exactly one high and three low frames, whatever the speed of the machine. A stall only pauses the
rounds (the token bucket refills, the rings stay full). Only the start is different: the first
token burst goes out while the rings are still filling (with the first 100 frames all low), so the
byte share is asserted after WARMUP departures as well as over the whole run.
"""
import pytest

import edfit

RATE_BPS = 20_000_000
BURST_BYTES = 32768   # [port N] rate_burst_bytes default: the bucket starts full
FRAME = 1000
WARMUP = 64           # the first token burst (32 frames) and the rings' first fill
MIN_DEPARTURES = 400  # 2 s at the rate is ~5,000: fewer means the machine stalled, and says so


@pytest.fixture(scope="module")
def drr_run(edfpipe, make_pcap):
    pcap, manifest = make_pcap("--count", 200, "--order", "low-then-high", "--min-size", FRAME,
                               "--max-size", FRAME, "--seed", 41)
    assert manifest["classes"]["low"] == manifest["classes"]["high"] == 100
    assert {p["len"] for p in manifest["packets"]} == {FRAME}
    out = f"{edfpipe.workdir}/drr_out.pcap"
    args = ["--portmask", "0x1", "--set", "port 0.tx_port=1", "--rate", f"1:{RATE_BPS}",
            "--set", "class low.quantum_bytes=3000", "--set", "class high.quantum_bytes=1000",
            "--set", "class low.tx_ring=256", "--set", "class high.tx_ring=256",
            "--duration", "2", "--drain-ms", "100"]
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},infinite_rx=1", f"net_pcap1,tx_pcap={out}"], args, timeout=60)
    assert res.rc == 0, res.describe()
    edfit.check_accounting(res.stats, "drr")
    order = [c for _, c in edfit.out_classes(edfit.read_pcap(out))]
    assert len(order) == res.stats["tx"], f"{len(order)} frames in {out}, tx {res.stats['tx']}"
    assert len(order) >= MIN_DEPARTURES, (
        f"only {len(order)} frames left in {res.stats['uptime_s']:.1f} s at {RATE_BPS} bit/s: the worker "
        f"lcore barely ran (machine stalled?); too few to measure shares\n{res.describe()}")
    return res.stats, order


def test_both_classes_backlogged(drr_run):
    st, _ = drr_run
    cls = edfit.by_class(st)
    for name in ("low", "high"):
        assert cls[name]["drops_by_reason"]["tx_ring_full"] > 0, f"{name} never filled its TX ring: not backlogged"
    # Nothing but the pcap came in, and the TX-only port was not polled.
    assert cls["medium"]["rx"] == cls["best_effort"]["rx"] == 0
    assert all(st["drops_by_reason"][r] == 0 for r in edfit.PARSE_REASONS), st["drops_by_reason"]
    assert st["drops_by_reason"]["tx_failed"] == 0


def test_byte_share_follows_quanta(drr_run):
    st, order = drr_run
    cls = edfit.by_class(st)
    low, high = cls["low"]["tx_bytes"], cls["high"]["tx_bytes"]
    assert low == cls["low"]["tx"] * FRAME and high == cls["high"]["tx"] * FRAME
    assert high > 0 and 2.25 <= low / high <= 3.75, \
        f"whole run: low/high tx_bytes = {low}/{high} = {low / max(high, 1):.2f}, quanta say 3 (+-25%)"
    steady = order[WARMUP:]
    n_low, n_high = steady.count("low"), steady.count("high")
    assert n_low + n_high == len(steady)
    assert n_high > 0 and 2.25 <= n_low / n_high <= 3.75, \
        f"after {WARMUP} frames: low/high = {n_low}/{n_high} = {n_low / max(n_high, 1):.2f}, quanta say 3 (+-25%)"


def test_drr_rounds_are_exact(drr_run):
    # Backlogged DRR with quanta 3000:1000 and 1000-byte frames: ... H L L L H L L L ... exactly.
    _, order = drr_run
    text = "".join("H" if c == "high" else "L" for c in order[WARMUP:])
    assert "HH" not in text, f"two high frames in a row at {text.find('HH') + WARMUP}: {text[:200]}"
    assert "LLLL" not in text, f"four low frames in a row at {text.find('LLLL') + WARMUP}: {text[:200]}"


def test_rate_limit_is_an_upper_bound(drr_run):
    # The bucket starts full and refills at RATE_BPS/8 bytes per second from its set-up (just before
    # the run's clock starts): more than that can never leave, however fast the machine.
    st, _ = drr_run
    tx_bytes = sum(c["tx_bytes"] for c in st["classes"])
    limit = RATE_BPS / 8 * (st["uptime_s"] + 0.5) + BURST_BYTES
    assert tx_bytes <= limit, f"{tx_bytes} bytes left in {st['uptime_s']:.2f} s at {RATE_BPS} bit/s"
