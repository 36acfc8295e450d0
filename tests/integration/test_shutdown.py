"""Shutdown under load: SIGINT, SIGTERM and --duration end a busy run cleanly.

Input is a pcap replayed forever (infinite_rx=1) on port 0, forwarded to port 1, a net_null sink
that takes every packet. The portmask selects port 0 only, so port 1 is a TX-only port: were it
polled, net_null would inject 64-byte frames of garbage, which the per-kind malformed counts expose. On a stop edfpipe must stop RX, drain, print the
final table, account for every packet, get every mbuf back and exit 0 -- promptly.
"""
import glob
import signal

import pytest

import edfit

EXIT_BOUND_S = 5.0


@pytest.fixture(scope="module")
def replay(make_pcap):
    pcap, _ = make_pcap("--count", 450, "--malformed-every", 10, "--vlan-every", 9, "--seed", 31)  # 5 of each of 9 malformed kinds
    return [f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "net_null0"]


ARGS = ["--portmask", "0x1", "--set", "port 0.tx_port=1"]


def hugetlb_kb(pid):
    total = 0
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if line.startswith(("Private_Hugetlb:", "Shared_Hugetlb:")):
                total += int(line.split()[1])
    return total


def inspect(pid):
    return {"threads": thread_names(pid), "hugetlb_kb": hugetlb_kb(pid)}


def thread_names(pid):
    names = []
    for comm in glob.glob(f"/proc/{pid}/task/*/comm"):
        try:
            with open(comm) as f:
                names.append(f.read().strip())
        except OSError:
            pass
    return names


def check_clean_stop(res, what):
    assert res.rc == 0, f"{what}: exit {res.rc}\n{res.describe()}"
    assert "== edfpipe final" in res.stdout, f"{what}: no final table\n{res.describe()}"
    for name in ("high", "medium", "low", "best_effort", "total: rx"):
        assert name in res.stdout.split("== edfpipe final")[1], f"{what}: final table lacks {name!r}"
    st = res.stats
    assert st is not None, res.describe()
    edfit.check_accounting(st, what)
    assert f"accounting: rx {st['rx']} = tx {st['tx']} + drops {st['drops']}" in res.stdout
    # It was really busy: packets of every class moved, and malformed ones were counted.
    assert st["tx"] > 1000, st
    assert all(c["tx"] > 0 for c in st["classes"]), "a class moved nothing"
    # The replayed pcap holds one frame of each malformed kind per 99 frames, so however far the
    # replay got, the kinds' counts differ by at most one; anything else came from somewhere else.
    kinds = [st["drops_by_reason"][r] for r in edfit.PARSE_REASONS
             if r != "segmented" and r not in edfit.OTHER_TRAFFIC_REASONS]
    assert min(kinds) > 0 and max(kinds) - min(kinds) <= 1, f"{what}: malformed counts {st['drops_by_reason']}"
    assert st["drops_by_reason"]["segmented"] == 0
    # net_null takes everything: nothing may be lost on the way out.
    for reason in ("tx_failed", "tx_ring_full", "rx_ring_full", "expired"):
        assert st["drops_by_reason"][reason] == 0, f"{what}: {reason} drops {st['drops_by_reason']}"
    return st


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_cleanly(edfpipe, replay, sig):
    res = edfpipe.run(replay, ARGS, timeout=30, send_signal=sig, ready_text="edfpipe: lcore",
                      signal_delay=1.0, while_running=inspect)
    check_clean_stop(res, sig.name)
    assert res.extra["after_signal_s"] <= EXIT_BOUND_S, f"exit took {res.extra['after_signal_s']:.2f} s after {sig.name}"
    assert f"signal {int(sig)} received" in res.stdout + res.stderr
    assert res.stats["uptime_s"] >= 1.0
    seen = res.extra["while_running"]
    # The worker lcore thread has a name alloc_counter.c recognises (test_alloc.py relies on it).
    assert any(n.startswith(edfit.WORKER_THREAD_PREFIXES) for n in seen["threads"]), seen["threads"]
    # The two memory modes really differ: hugepage memory is mapped only in the hugepage mode.
    if edfpipe.mode is edfit.HUGEPAGES:
        assert seen["hugetlb_kb"] >= 2048, f"hugepage mode, but no hugetlb mapping: {seen}"
    else:
        assert seen["hugetlb_kb"] == 0, f"--no-huge, but {seen['hugetlb_kb']} kB of hugetlb mappings"


def test_duration_ends_run(edfpipe, replay):
    res = edfpipe.run(replay, [*ARGS, "--duration", "1"], timeout=30)
    check_clean_stop(res, "--duration 1")
    assert "duration of 1 s reached" in res.stdout + res.stderr
    assert 1.0 <= res.stats["uptime_s"] <= 1.0 + EXIT_BOUND_S, res.stats["uptime_s"]
    assert res.elapsed <= 1.0 + EXIT_BOUND_S + 5, f"run took {res.elapsed:.1f} s"



def test_stop_with_full_queues_counts_the_rest(edfpipe, replay):
    # Spin makes EDF the bottleneck, so every ring is full when the run ends and 50 ms of drain
    # cannot empty them: what is left is freed and counted as shutdown drops, each mbuf returned.
    res = edfpipe.run(replay, [*ARGS, "--processing", "spin", "--duration", "1", "--drain-ms", "50"], timeout=30)
    assert res.rc == 0, res.describe()
    st = res.stats
    edfit.check_accounting(st, "spin backlog")
    assert "not empty after 50 ms" in res.stdout + res.stderr, res.describe()
    assert st["drops_by_reason"]["shutdown"] > 0, st["drops_by_reason"]
    assert st["drops_by_reason"]["rx_ring_full"] > 0, st["drops_by_reason"]
    assert st["tx"] > 0


def test_no_drain_two_inputs(edfpipe, make_pcap):
    # --drain-ms 0 stops at once: with two inputs, DRR usually leaves frames received but not yet
    # parsed on one of them. They have no class, so they must not be charged to any class (each
    # class still has rx = tx + drops) -- yet they are counted, and their mbufs come back.
    pcap, _ = make_pcap("--count", 450, "--malformed-every", 10, "--vlan-every", 9, "--seed", 31)  # 5 of each of 9 malformed kinds
    vdevs = [f"net_pcap0,rx_pcap={pcap},infinite_rx=1", f"net_pcap1,rx_pcap={pcap},infinite_rx=1", "net_null0"]
    args = ["--portmask", "0x3", "--set", "port 0.tx_port=2", "--set", "port 1.tx_port=2",
            "--duration", "1", "--drain-ms", "0"]
    res = edfpipe.run(vdevs, args, timeout=30)
    assert res.rc == 0, res.describe()
    edfit.check_accounting(res.stats, "--drain-ms 0, two inputs")
    assert all(c["rx"] > 0 for c in res.stats["classes"])
    assert sum(p["ipackets"] for p in res.stats["ports"] if p["port"] in (0, 1)) == res.stats["rx"]
    assert all(p["ipackets"] > 0 for p in res.stats["ports"] if p["port"] in (0, 1)), res.stats["ports"]
