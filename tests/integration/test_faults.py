"""Faults: mempool exhaustion, a signal under overload with a tiny pool, and an output link that
goes down and comes back (a TX stall). Each run must keep exact accounting, return every mbuf and
exit on time; see docs/robustness.md for what edfpipe does in each case.

SIGINT/SIGTERM under full load with a sink that takes everything are in test_shutdown.py.
"""
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

import edfit


def test_mempool_exhaustion_counts_and_recovers(edfpipe, make_pcap):
    # 1024 mbufs, a slow EDF stage (spin 5 us a packet) and a file read as fast as RX polls: the
    # rings hold the whole pool, RX runs dry and net_pcap counts each frame it could not place as
    # rx_nombuf (the frame is lost before edfpipe sees it). As EDF frees mbufs, RX gets them back.
    pcap, manifest = make_pcap("--count", 4000, "--seed", 5)
    out = f"{edfpipe.workdir}/exhaust_out.pcap"
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"],
                      ["--mbufs", "1024", "--processing", "spin", "--spin-base-ns", "5000", "--spin-per-byte-ns", "0",
                       "--idle-exit", edfit.IDLE_EXIT_MS], timeout=60)
    assert res.rc == 0, res.describe()
    st = res.stats
    edfit.check_accounting(st, "tiny pool")
    assert "less than the" in res.stdout + res.stderr, "no start-up warning about the small pool"
    port = st["ports"][0]
    assert port["rx_nombuf"] > 0, f"the pool never ran dry: {port}"
    # Every frame of the file is either received by edfpipe or counted by the NIC as rx_nombuf.
    assert st["rx"] + port["rx_nombuf"] == manifest["valid"], (st["rx"], port)
    # Recovery: far more packets went through than the pool holds, and all of them left.
    assert st["tx"] == st["rx"] > 2 * 1024, st["tx"]
    assert st["mempools"][0]["size"] == 1024
    frames = edfit.read_pcap(out)
    seqs = [edfit.parse_udp(f).seq for f in frames]
    assert len(seqs) == len(set(seqs)) == st["tx"], "a frame left twice"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_under_overload_with_tiny_pool(edfpipe, make_pcap, sig):
    # Overload (spin makes EDF the bottleneck, the input is replayed forever) with a pool small
    # enough that RX runs dry: the signal must still end the run within the drain bound, and what
    # the drain could not send is counted as shutdown drops with every mbuf back.
    pcap, _ = make_pcap("--count", 400, "--malformed-every", 10, "--seed", 31)
    vdevs = [f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "net_null0"]
    args = ["--portmask", "0x1", "--set", "port 0.tx_port=1", "--mbufs", "2047", "--processing", "spin",
            "--spin-base-ns", "20000", "--drain-ms", "200"]
    res = edfpipe.run(vdevs, args, timeout=30, send_signal=sig, ready_text="edfpipe: lcore", signal_delay=1.0)
    assert res.rc == 0, res.describe()
    edfit.check_accounting(res.stats, f"{sig.name} under overload")
    assert res.extra["after_signal_s"] <= 3.0, f"exit took {res.extra['after_signal_s']:.2f} s"
    st = res.stats
    assert st["tx"] > 0
    assert st["drops_by_reason"]["shutdown"] + st["drops_by_reason"]["rx_ring_full"] > 0, st["drops_by_reason"]
    hi = edfit.by_class(st)["high"]
    assert hi["tx"] > 0


# ---------------------------------------------------------------- link down / up (TX stall)

NETNS = f"edfrob{os.getpid()}"
TAP = "edfrob0"


def _ip(*args, check=True):
    return subprocess.run(["ip", "netns", "exec", NETNS, "ip", *args], capture_output=True, text=True,
                          check=check, timeout=10)


@pytest.fixture(scope="module")
def netns():
    # Root and iproute2 are what tools/test.sh provides; without them this must fail, not skip.
    assert os.geteuid() == 0, "the net_tap fault test needs root to create a network namespace"
    assert shutil.which("ip"), "the net_tap fault test needs iproute2 (tools/install-deps.sh installs it)"
    subprocess.run(["ip", "netns", "add", NETNS], check=True, capture_output=True)
    try:
        yield NETNS
    finally:
        subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)


class NetnsEdfpipe(edfit.Edfpipe):
    """Runs edfpipe inside a network namespace, so its net_tap interface lives there."""

    def command(self, vdevs, args, prefix, stats_path=None):
        return ["ip", "netns", "exec", NETNS, *super().command(vdevs, args, prefix, stats_path)]


CAPTURE = Path(__file__).with_name("afpacket_capture.py")


def _toggle_link(events, stop, capture_out, capture_log):
    # Wait for edfpipe's tap interface, let traffic flow 1.5 s, take the link down for 1.5 s. While
    # it is down, start a capture on the tap (inside the namespace) that records, in order, the
    # first frames edfpipe gets out once the link is up again.
    deadline = time.monotonic() + 20
    while _ip("link", "show", TAP, check=False).returncode != 0:
        if stop.is_set() or time.monotonic() > deadline:
            return
        time.sleep(0.05)
    time.sleep(1.5)
    _ip("link", "set", TAP, "down")
    events.append(("down", time.monotonic()))
    cap = subprocess.Popen(["ip", "netns", "exec", NETNS, "/usr/bin/python3", str(CAPTURE), TAP, capture_out,
                            "--count", "3000", "--timeout", "6"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    events.append(("capture", cap.stdout.readline().strip()))
    time.sleep(1.5)
    _ip("link", "set", TAP, "up")
    events.append(("up", time.monotonic()))
    out, _ = cap.communicate(timeout=20)
    capture_log.append(out)


def test_tx_link_down_and_up(edfpipe, netns, make_pcap):
    # Port 1 is a net_tap whose kernel interface we take down and up. While it is down the tap
    # refuses every packet: TX retries for tx_retry_us, then counts tx_failed and marks the port
    # stalled; from then on it probes the port with the high class alone, and EDF's rings of the
    # other classes fill (tx_ring_full). The lcore must not hang, TX must resume when the link is
    # up, and the first packets out must be high's backlog before any other class's.
    # (Port 1 is also polled: net_tap needs as many RX queues as TX queues; the kernel's own
    # frames on it, IPv6 neighbour discovery and the like, are counted under their reasons with
    # other_traffic = drop, so nothing but the pcap's frames goes out.) High is 1 frame in 10, so that without the catch-up
    # rule the first frames out would most likely be low.
    pcap, _ = make_pcap("--count", 400, "--seed", 9, "--mix", "high=1,low=9")
    runner = NetnsEdfpipe(edfpipe.binary, edfpipe.mode, edfpipe.workdir)
    capture_out = f"{edfpipe.workdir}/tap_after_up.pcap"
    events, stop, capture_log = [], threading.Event(), []
    t = threading.Thread(target=_toggle_link, args=(events, stop, capture_out, capture_log), daemon=True)
    t.start()
    try:
        res = runner.run([f"net_pcap0,rx_pcap={pcap},infinite_rx=1", f"net_tap0,iface={TAP}"],
                         ["--portmask", "0x3", "--set", "port 0.tx_port=1", "--duration", "6", "--stats-period", "1",
                          "--other-traffic", "drop"],
                         timeout=40)
    finally:
        stop.set()
        t.join(timeout=30)
    assert [e for e, _ in events] == ["down", "capture", "up"], f"link was not toggled: {events}\n{res.describe()}"
    assert events[1][1] == "ready", f"capture did not start: {events[1][1]} {capture_log}"
    assert res.rc == 0, res.describe()
    st = res.stats
    edfit.check_accounting(st, "link down/up")
    assert st["drops_by_reason"]["tx_failed"] > 0, f"no TX drop counted while the link was down: {st['drops_by_reason']}"
    tap = next(p for p in st["ports"] if p["port"] == 1)
    assert tap["oerrors"] > 0, tap
    assert tap["tx_stalls"] >= 1, f"the outage was not recorded as a stall: {tap}"
    parse_drops = {r: n for r, n in st["drops_by_reason"].items() if n and r in edfit.PARSE_REASONS}
    assert set(parse_drops) <= set(edfit.OTHER_TRAFFIC_REASONS), parse_drops
    # While stalled, only high probed the port: low waited in its ring and was tail-dropped there.
    low = edfit.by_class(st)["low"]
    assert low["drops_by_reason"]["tx_ring_full"] > 0, low["drops_by_reason"]
    # Per-second totals: TX moved before the link went down and again after it came up.
    totals = [tuple(map(int, m)) for m in re.findall(r"total: rx (\d+)\s+tx (\d+)\s+drops (\d+)", res.stdout)]
    assert len(totals) >= 5, res.stdout
    tx = [t[1] for t in totals]
    assert tx[0] > 0, "nothing sent before the link went down"
    assert tx[-1] - tx[-3] > 1000, f"TX did not resume after the link came up: tx per second {tx}"
    # The first frames out after the link came up: high's backlog, then the others.
    classes = [u.cls for u in map(edfit.parse_udp, edfit.read_pcap(capture_out)) if u and u.cls]
    assert len(classes) >= 50, f"captured only {len(classes)} frames after the link came up: {capture_log}"
    lead = next((i for i, c in enumerate(classes) if c != "high"), len(classes))
    assert lead >= 2, f"high was not served first when the port came back: {classes[:40]}"
    assert "low" in classes, f"low never resumed after high's backlog: {classes[:40]}"


# ---------------------------------------------------------------- bad configuration

# Errors only EAL can reveal (lcores, ports), which test_cli.py cannot reach without EAL: each
# must give its own message and exit 1 before any lcore starts. (Option and profile syntax errors
# are in test_cli.py.)
BAD_CONFIG = [
    ("lcore_not_in_eal", ["-l", "0-1"], ["--edf-lcore", "7"], ["[lcores] edf = 7", "not enabled by EAL"]),
    ("rx_lcore_not_in_eal", ["-l", "0-1"], ["--rx-lcores", "1,3"], ["[lcores] rx = 3", "not enabled by EAL"]),
    ("role_on_main_lcore", ["-l", "0-1"], ["--tx-lcore", "0"], ["[lcores] tx = 0", "main lcore"]),
    ("no_worker_lcore", ["-l", "0"], [], ["no worker lcore"]),
    ("more_rx_lcores_than_inputs", ["--lcores", "0@0,(1-2)@1"], ["--rx-lcores", "1,2"],
     ["rx lists 2 lcores", "only 1 inputs"]),
    ("rx_lcore_listed_twice", ["-l", "0-1"], ["--rx-lcores", "1,1"], ["[lcores] rx", "twice"]),
    ("port_section_for_missing_port", ["-l", "0-1"], ["--set", "port 3.rx_queues=1"], ["[port 3]", "no such port"]),
    ("tx_port_missing", ["-l", "0-1"], ["--set", "port 0.tx_port=5"], ["tx_port = 5", "no such port"]),
    ("portmask_selects_nothing", ["-l", "0-1"], ["-p", "0x4"], ["portmask selects none"]),
    ("pool_below_minimum", ["-l", "0-1"], ["--mbufs", "10"], ["--mbufs 10", "out of range"]),
    ("second_default_class", ["-l", "0-1"], ["--set", "class high.default=yes"], ["more than one class has default", "high"]),
    ("bad_class_name", ["-l", "0-1"], ["--set", "class Bad-Name.budget_us=5"], ["class name 'Bad-Name'"]),
    ("too_many_classes", ["-l", "0-1"], [a for i in range(5) for a in ("--set", f"class x{i}.budget_us=5")],
     ["too many classes"]),
    ("unknown_class_in_set", ["-l", "0-1"], ["--set", "class hihg.budget_us=500"], ["hihg", "no packet can reach it"]),
]


@pytest.mark.parametrize("name,eal,args,fragments", BAD_CONFIG,
                         ids=[c[0] if isinstance(c, tuple) else c.id for c in BAD_CONFIG])
def test_bad_configuration(edfpipe_bin, tmp_path, name, eal, args, fragments):
    prefix = edfit.unique_prefix()
    stats = tmp_path / "stats.json"
    cmd = [edfpipe_bin, "--no-huge", "-m", "256", "--no-pci", *eal, "--file-prefix", prefix,
           "--vdev", "net_null0", "--", *args, "--duration", "1", "--stats-json", str(stats)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    finally:
        edfit.cleanup_prefix(prefix)
    out = p.stdout + p.stderr
    assert p.returncode == 1, f"{name}: exit {p.returncode}\n{' '.join(cmd)}\n{out[-3000:]}"
    errors = [ln for ln in p.stderr.splitlines() if ln.startswith("edfpipe: error:")]
    assert errors, out
    for frag in fragments:
        assert any(frag in ln for ln in errors), f"{name}: no error mentions {frag!r}: {errors}"
    # Nothing started: no lcore got a role, no table, no report.
    assert not re.search(r"edfpipe: lcore \d+:", out), out
    assert "== edfpipe" not in out and not stats.exists(), out


def test_soak_short(edfpipe_bin, tmp_path):
    # tools/soak for 8 s: about 10x overload of best effort; the high class stays inside its 1 ms
    # budget, memory stays flat, accounting holds and every mbuf comes back.
    import json
    import sys
    report = tmp_path / "soak.json"
    soak = Path(__file__).resolve().parent.parent.parent / "tools" / "soak"
    p = subprocess.run([sys.executable, str(soak),
                        "--edfpipe", edfpipe_bin, "--duration", "8", "--json", str(report)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    r = json.loads(report.read_text())
    assert len(r["samples"]) >= 6 and not r["problems"], r["problems"]
    final = r["final"]
    hi = edfit.by_class(final)["high"]
    be = edfit.by_class(final)["best_effort"]
    assert be["rx"] > 5 * be["tx"], "best effort was not overloaded"
    assert hi["tx"] > 0 and hi["latency_ns"]["p99"] < 1_000_000, hi["latency_ns"]
