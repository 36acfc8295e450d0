"""Several lcores per role: R RX lcores, W EDF workers, T TX lcores, mapped onto the two CPUs.

Two net_pcap ports forward into each other (port 0 -> port 1, port 1 -> port 0). RX lcores 1 and 2
each poll one port, workers 3 and 4 share the flows by hash, TX lcores 5 and 6 each own one port.
Checked: every frame is sent once or counted; within a flow, frames leave in arrival order; both
workers and both TX lcores did work; the rings show per worker; a `set` reaches every worker.
"""
import collections
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import edfit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "tools"))
from edfpipe import frames, pcap  # noqa: E402

LCORES = "0@0,1@1,2@0,3@1,4@0,5@1,6@0"
ROLES = ["--rx-lcores", "1,2", "--edf-lcores", "3,4", "--tx-lcores", "5,6", "--idle", "yield"]
N_FLOWS = 40
PER_PORT = 1500


def flow_frames(first_seq, n, sport_base):
    """n frames over N_FLOWS flows (source ports), alternating high and low classes."""
    out = []
    for i in range(n):
        flow = i % N_FLOWS
        cls, dport = ("high", 8080) if flow % 2 == 0 else ("low", 8084)
        payload = frames.tagged_payload(first_seq + i, cls, 64)
        out.append(frames.eth(0x0800, frames.ipv4(frames.udp(dport, payload, sport=sport_base + flow))))
    return out


def sport_of(frame: bytes, u) -> int:
    return int.from_bytes(frame[u.l4:u.l4 + 2], "big")


@pytest.fixture(scope="module")
def two_ports(tmp_path_factory):
    d = tmp_path_factory.mktemp("scaling")
    a, b = d / "a.pcap", d / "b.pcap"
    pcap.write_pcap(str(a), flow_frames(0, PER_PORT, 41000))
    pcap.write_pcap(str(b), flow_frames(PER_PORT, PER_PORT, 42000))
    return d, str(a), str(b)


def run(binary, mode, d, vdevs, args, stdin=None, timeout=90):
    prefix = edfit.unique_prefix()
    stats = str(d / f"stats_{prefix}.json")
    cmd = [binary, *mode.eal, "--no-pci", "--lcores", LCORES, "--file-prefix", prefix]
    for v in vdevs:
        cmd += ["--vdev", v]
    cmd += ["--", *mode.app, *args, "--stats-json", stats]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, input=stdin,
                           stdin=None if stdin is not None else subprocess.DEVNULL)
    finally:
        edfit.cleanup_prefix(prefix)
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    assert p.returncode == 0, f"rc {p.returncode}\n{' '.join(cmd)}\n{out[-3000:]}\n{err[-3000:]}"
    with open(stats) as f:
        return json.load(f), out, err


@pytest.fixture(scope="module")
def forwarded(edfpipe, two_ports):
    d, a, b = two_ports
    oa, ob = str(d / f"out_a_{edfpipe.mode.name}.pcap"), str(d / f"out_b_{edfpipe.mode.name}.pcap")
    st, out, err = run(edfpipe.binary, edfpipe.mode, d,
                       [f"net_pcap0,rx_pcap={a},tx_pcap={oa}", f"net_pcap1,rx_pcap={b},tx_pcap={ob}"],
                       [*ROLES, "--set", "port 0.tx_port=1", "--set", "port 1.tx_port=0",
                        "--set", "class high.rx_ring=4096", "--set", "class low.rx_ring=4096",
                        "--idle-exit", edfit.IDLE_EXIT_MS])
    return st, pcap.read_pcap(oa), pcap.read_pcap(ob), out + err


def test_every_frame_sent_once_or_counted(forwarded):
    st, out_a, out_b, log = forwarded
    edfit.check_accounting(st, "R=2 W=2 T=2")
    assert st["rx"] == 2 * PER_PORT, log[-3000:]
    seqs = collections.Counter()
    for frames_out, first in ((out_b, 0), (out_a, PER_PORT)):  # port 0's input leaves on port 1
        for fr in frames_out:
            u = frames.parse_udp(fr)
            assert u is not None and u.seq is not None
            assert first <= u.seq < first + PER_PORT, f"frame {u.seq} left on the wrong port"
            seqs[u.seq] += 1
    assert all(n == 1 for n in seqs.values()), "a frame left twice"
    assert len(seqs) == st["tx"]


def test_a_flow_leaves_in_arrival_order(forwarded):
    _, out_a, out_b, _ = forwarded
    for frames_out in (out_a, out_b):
        last = {}
        for fr in frames_out:
            u = frames.parse_udp(fr)
            flow = sport_of(fr, u)
            assert u.seq > last.get(flow, -1), f"flow {flow}: frame {u.seq} after {last[flow]}"
            last[flow] = u.seq


def test_every_worker_and_tx_lcore_works(forwarded):
    st, _, _, _ = forwarded
    roles = {l["lcore"]: l for l in st["lcores"]}
    assert set(roles) == {1, 2, 3, 4, 5, 6}, roles.keys()
    for lc, role in ((1, "rx"), (2, "rx"), (3, "edf"), (4, "edf"), (5, "tx"), (6, "tx")):
        assert roles[lc]["roles"] == role, roles[lc]
        assert roles[lc]["packets"] > 0, f"lcore {lc} ({role}) handled nothing: {roles[lc]}"


def test_rings_per_worker(forwarded):
    st, _, _, _ = forwarded
    names = {r["name"] for r in st["rings"]}
    for w in (0, 1):
        for cls in ("high", "low"):
            assert f"edf_in_w{w}_{cls}" in names, names
    assert "edf_out_p0_high" in names and "edf_out_p1_low" in names, names


def test_a_set_reaches_three_workers(edfpipe, two_ports):
    # W = 3 on lcores 3, 4 and 5: the shell's change is published only once every lcore took it.
    d, a, _ = two_ports
    script = b"set class high budget 2500\nshow classes\nquit\n"
    st, out, err = run(edfpipe.binary, edfpipe.mode, d, [f"net_pcap0,rx_pcap={a},tx_pcap=/dev/null,infinite_rx=1"],
                       ["--rx-lcores", "1", "--edf-lcores", "3,4,5", "--tx-lcores", "6", "--idle", "yield", "-i"],
                       stdin=script)
    assert "ok: [class high] budget_us = 2500" in out, out[-3000:]
    assert "has not acknowledged" not in out + err and "has not picked up" not in out + err, out[-3000:]
    assert next(c for c in st["classes"] if c["name"] == "high")["budget_us"] == 2500
    edfit.check_accounting(st, "W=3")
    assert sum(1 for l in st["lcores"] if "edf" in l["roles"].split()) == 3
