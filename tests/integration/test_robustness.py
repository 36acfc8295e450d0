"""Hostile input: malformed and unusual frames on the real binary (see hostile.py for the corpus).

Each hostile frame has exactly one fault or one legal oddity. With other_traffic = drop, edfpipe
must count each frame that is not valid UDP over IPv4/IPv6 under its own drop reason; by default
the well-formed ones among them (ARP, TCP, fragments, ...) pass unchanged through the default
class, counted by kind, and only the malformed ones are dropped. In both, edfpipe must forward each legal oddity (IPv4 options, Ethernet padding, DF,
VLAN priority, zero UDP checksum, jumbo frames chained over several mbufs) exactly once with its
port rewritten, leave the valid frames around them untouched, keep the counts conserved and get
every mbuf back.
"""
import collections
import subprocess
import sys
from pathlib import Path

import pytest

import edfit

HERE = Path(__file__).resolve().parent
HOSTILE_PY = HERE / "hostile.py"
CORPUS = HERE.parent / "corpus" / "hostile.pcap"


def make_corpus(directory, *args):
    pcap, manifest = directory / "hostile.pcap", directory / "hostile.json"
    p = subprocess.run([sys.executable, str(HOSTILE_PY), str(pcap), "--manifest", str(manifest), *args],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    import json
    with open(manifest) as f:
        return str(pcap), json.load(f)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("hostile_small"), "--max-len", "1514")


def test_committed_corpus_is_current(corpus):
    # tests/corpus/hostile.pcap is what hostile.py writes: regenerate it when the generator changes.
    pcap, _ = corpus
    assert CORPUS.exists(), f"{CORPUS} missing: python3 {HOSTILE_PY} {CORPUS} --manifest {CORPUS.with_suffix('.json')}"
    assert Path(pcap).read_bytes() == CORPUS.read_bytes(), \
        f"{CORPUS} is stale: python3 {HOSTILE_PY} {CORPUS} --manifest {CORPUS.with_suffix('.json')}"


def test_corpus_covers_every_parse_reason(corpus):
    # Guards the test's input. `segmented` cannot be produced through net_pcap (it puts 2 KB in
    # the first segment, more than the 86 header bytes parse_udp needs); the unit tests and the
    # parse fuzzer cover it.
    _, m = corpus
    assert set(m["malformed"]) == set(edfit.PARSE_REASONS) - {"segmented"}
    names = {e["name"] for e in m["entries"]}
    for must in ("runt_13_bytes", "ipv4_ihl_4", "ipv4_total_gt_frame", "ipv4_bad_checksum", "udp_len_gt_ip_payload",
                 "fragment_offset", "fragment_first_mf", "ipv4_options_4_bytes", "ipv6_udp", "arp_request",
                 "qinq_88a8", "double_8100", "jumbo_9018_vlan", "jumbo_bad_checksum", "udp_checksum_zero",
                 # the IPv6 part: truncated headers, extension-header chains, fragment headers,
                 # jumbo payload length, bad UDP length
                 "ipv6_truncated_header", "ipv6_ext_chain_9", "ipv6_ext_chain_8", "ipv6_fragment_first",
                 "ipv6_jumbogram", "ipv6_plen_65535", "ipv6_udp_len_gt_payload", "ipv6_udp_checksum_zero",
                 "ipv6_hbh_routing_dstopts", "ipv6_jumbo_9000_ext"):
        assert must in names, must
    assert max(e["len"] for e in m["entries"]) > 9000


@pytest.fixture(scope="module")
def hostile_run(edfpipe, corpus):
    pcap, manifest = corpus
    out = f"{edfpipe.workdir}/hostile_out.pcap"
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"],
                      ["--idle-exit", edfit.IDLE_EXIT_MS, "--other-traffic", "drop"], timeout=60)
    assert res.rc == 0, res.describe()
    assert res.stats is not None, res.describe()
    edfit.check_read_all(res, manifest["frames"])
    return pcap, manifest, edfit.read_pcap(out), res


def test_other_traffic_passes_unchanged_by_default_and_malformed_is_dropped(edfpipe, corpus):
    # The default other_traffic is the default class (best_effort): every well-formed frame that is
    # not UDP leaves once, byte for byte, counted under its kind; the malformed ones are dropped
    # under the same reasons as with other_traffic = drop.
    pcap, m = corpus
    out = f"{edfpipe.workdir}/hostile_default_out.pcap"
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"], ["--idle-exit", edfit.IDLE_EXIT_MS], timeout=60)
    assert res.rc == 0, res.describe()
    st = res.stats
    edfit.check_accounting(st, "hostile corpus, other traffic passed")
    n_other = sum(m["other"].values())
    others = [e for e in m["entries"] if "other" in e]
    assert len(others) == n_other
    malformed = dict(m["malformed"])
    for e in others:
        malformed[e["expect"]] -= 1
    got = {r: n for r, n in st["drops_by_reason"].items() if n}
    assert got == {r: n for r, n in malformed.items() if n}, f"drops {got}"
    assert st["tx"] == m["valid"] + n_other
    kinds = {k: n for k, n in st["rx_by_kind"].items() if n}
    ip6 = sum(1 for p in m["packets"] if p["name"].startswith("ipv6_"))
    assert kinds == {**m["other"], "udp4": m["valid"] - ip6, "udp6": ip6}, kinds
    be = edfit.by_class(st)["best_effort"]
    assert be["tx"] == m["classes"].get("best_effort", 0) + n_other
    # byte for byte: every other-traffic input frame is in the output, as often as it was sent
    frames_in = edfit.read_pcap(pcap)
    left = collections.Counter(edfit.read_pcap(out))
    for e in others:
        fr = frames_in[e["index"]]
        assert left[fr] > 0, f"{e['name']} did not leave unchanged"
        left[fr] -= 1


def test_each_malformed_frame_counted_under_its_reason(hostile_run):
    _, manifest, _, res = hostile_run
    st = res.stats
    edfit.check_accounting(st, "hostile corpus")
    got = {r: n for r, n in st["drops_by_reason"].items() if n}
    assert got == manifest["malformed"], f"drops by reason {got}, expected {manifest['malformed']}"
    assert st["tx"] == manifest["valid"]
    assert "error" not in res.stderr.lower(), res.stderr


def test_valid_and_unusual_frames_leave_once_rewritten(hostile_run):
    pcap, manifest, out_frames, _ = hostile_run
    in_frames = edfit.read_pcap(pcap)
    # A zero UDP checksum means "none" in IPv4 and must stay zero through the port rewrite;
    # edfit.check_forwarded insists on a real checksum, so those frames are checked apart.
    zero = {e["seq"] for e in manifest["packets"] if e["name"].startswith("udp_checksum_zero")}
    assert len(zero) == 2
    rest = dict(manifest, packets=[p for p in manifest["packets"] if p["seq"] not in zero])
    by_seq = edfit.frames_by_seq(out_frames)
    edfit.check_forwarded(in_frames, rest, [f for s, f in by_seq.items() if s not in zero], edfit.DEFAULT_PORT_MAP)
    assert len(out_frames) == len(by_seq) == manifest["valid"], "a frame left twice, or an untagged frame left"
    inputs = edfit.frames_by_seq(in_frames)
    for p in manifest["packets"]:
        if p["seq"] not in zero:
            continue
        fr, src = by_seq[p["seq"]], inputs[p["seq"]]
        u = edfit.parse_udp(fr)
        assert u.checksum == 0, f"{p['name']}: zero UDP checksum became {u.checksum:#06x}"
        assert u.dport == edfit.DEFAULT_PORT_MAP.get(p["dst_port"], p["dst_port"])
        assert fr[:u.l4 + 2] == src[:u.l4 + 2] and fr[u.l4 + 4:] == src[u.l4 + 4:]


def test_per_class_counts_and_order(hostile_run):
    _, manifest, out_frames, res = hostile_run
    cls = edfit.by_class(res.stats)
    for name, n in manifest["classes"].items():
        assert cls[name]["rx"] == cls[name]["tx"] == n, f"class {name}: {cls[name]['rx']}/{cls[name]['tx']}, expected {n}"
    last = {}
    for seq, c in edfit.out_classes(out_frames):
        assert seq > last.get(c, -1), f"class {c}: seq {seq} after {last[c]}"
        last[c] = seq


def test_jumbo_frames_forwarded_whole(hostile_run):
    _, manifest, out_frames, _ = hostile_run
    big = {p["seq"]: p["len"] for p in manifest["packets"] if p["len"] > 2048}
    assert len(big) >= 4
    sizes = {edfit.parse_udp(f).seq: len(f) for f in out_frames}
    for seq, n in big.items():
        assert sizes.get(seq) == n, f"jumbo frame seq {seq} ({n} bytes) left as {sizes.get(seq)} bytes"


def test_hostile_replay_under_load(edfpipe, small_corpus):
    # The one-mbuf part of the corpus replayed as fast as RX polls for 1 s into a net_null sink:
    # millions of hostile frames, and the counts per reason stay in the corpus's proportions.
    pcap, m = small_corpus
    vdevs = [f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "net_null0"]
    res = edfpipe.run(vdevs, ["--portmask", "0x1", "--set", "port 0.tx_port=1", "--duration", "1",
                              "--other-traffic", "drop"], timeout=30)
    assert res.rc == 0, res.describe()
    st = res.stats
    edfit.check_accounting(st, "hostile replay")
    laps = st["rx"] // m["frames"]
    assert laps >= 10, f"only {st['rx']} frames in 1 s"
    for reason, per_lap in m["malformed"].items():
        n = st["drops_by_reason"][reason]
        assert laps * per_lap <= n <= (laps + 1) * per_lap, f"{reason}: {n} in {laps} laps of {per_lap}"
    for reason in ("segmented", "rx_ring_full", "tx_ring_full", "tx_failed", "expired"):
        assert st["drops_by_reason"][reason] == 0, st["drops_by_reason"]
    want = collections.Counter(p["class"] for p in m["packets"])
    cls = edfit.by_class(st)
    for name, per_lap in want.items():
        assert laps * per_lap <= cls[name]["tx"] <= (laps + 1) * per_lap, f"class {name}: tx {cls[name]['tx']}"
