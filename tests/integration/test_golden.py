"""Golden pcap: a mixed pcap through the fwd stage, checked frame by frame against its input.

~2000 valid frames of all four classes, 64-1400 bytes, every 7th VLAN-tagged, with a malformed frame
of each kind edfpipe counts interleaved every 25 frames. The output pcap must hold every valid frame
exactly once, byte-identical to its input except for the UDP destination port (rewritten by the
default port map) and the UDP checksum (patched, and still valid); malformed frames must be counted
under their reasons exactly as the manifest says.
"""
import collections

import pytest

import edfit

COUNT = 2000
PCAP_ARGS = ("--count", COUNT, "--malformed-every", 25, "--vlan-every", 7, "--min-size", 64,
             "--max-size", 1400, "--seed", 7)


@pytest.fixture(scope="module")
def golden(edfpipe, make_pcap):
    pcap, manifest = make_pcap(*PCAP_ARGS)
    out = f"{edfpipe.workdir}/golden_out.pcap"
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"], ["--idle-exit", edfit.IDLE_EXIT_MS], timeout=60)
    assert res.rc == 0, res.describe()
    assert res.stats is not None, res.describe()
    edfit.check_read_all(res, manifest["valid"] + sum(manifest["malformed"].values()))
    return pcap, manifest, edfit.read_pcap(out), res


def test_manifest_covers_every_malformed_kind(make_pcap):
    # Guards the test's own input: a generator change must not silently drop a kind.
    _, manifest = make_pcap(*PCAP_ARGS)
    # Other traffic (ARP, TCP, fragments, ...) is not malformed: it passes through the default class.
    assert set(manifest["malformed"]) == set(edfit.PARSE_REASONS) - {"segmented"} - set(edfit.OTHER_TRAFFIC_REASONS)
    assert all(n > 0 for n in manifest["malformed"].values()), manifest["malformed"]
    assert all(manifest["classes"][c] > 0 for c in ("high", "medium", "low", "best_effort"))
    assert any(p["len"] <= 70 for p in manifest["packets"]) and any(p["len"] >= 1300 for p in manifest["packets"])


def test_every_valid_frame_leaves_once_rewritten(golden):
    pcap, manifest, out_frames, res = golden
    edfit.check_forwarded(edfit.read_pcap(pcap), manifest, out_frames, edfit.DEFAULT_PORT_MAP)
    assert len(out_frames) == manifest["valid"] == res.stats["tx"]


def test_port_map_covered(golden):
    # The check above is only as good as its input: every mapped port and the unchanged case occur.
    _, manifest, _, _ = golden
    ports = {p["dst_port"] for p in manifest["packets"]}
    assert set(edfit.DEFAULT_PORT_MAP) <= ports
    assert any(p not in edfit.DEFAULT_PORT_MAP for p in ports)


def test_order_within_class_is_fifo(golden):
    # Rings and the EDF merge keep arrival order inside a class (one input, one output port).
    _, _, out_frames, _ = golden
    last = {}
    for seq, cls in edfit.out_classes(out_frames):
        assert seq > last.get(cls, -1), f"class {cls}: seq {seq} sent after seq {last[cls]}"
        last[cls] = seq


def test_counters_match_manifest(golden):
    pcap, manifest, _, res = golden
    st = res.stats
    edfit.check_accounting(st)
    in_frames = edfit.read_pcap(pcap)
    assert st["rx"] == len(in_frames) == manifest["valid"] + sum(manifest["malformed"].values())
    assert st["rx_bytes"] == sum(len(f) for f in in_frames)
    assert st["tx"] == manifest["valid"]
    for reason in st["drops_by_reason"]:
        assert st["drops_by_reason"][reason] == manifest["malformed"].get(reason, 0), \
            f"drops_by_reason[{reason}] = {st['drops_by_reason'][reason]}, manifest {manifest['malformed'].get(reason, 0)}"
    cls = edfit.by_class(st)
    assert list(cls) == ["high", "medium", "low", "best_effort"]
    bytes_of = collections.Counter()
    for p in manifest["packets"]:
        bytes_of[p["class"]] += p["len"]
    for name, n in manifest["classes"].items():
        c = cls[name]
        assert (c["rx"], c["tx"], c["drops"]) == (n, n, 0), f"class {name}: {c['rx']}/{c['tx']}/{c['drops']}, manifest {n}"
        assert c["tx_bytes"] == bytes_of[name], f"class {name}: tx_bytes {c['tx_bytes']}, manifest {bytes_of[name]}"
        assert c["latency_ns"]["count"] == n
        assert 0 < c["latency_ns"]["min"] <= c["latency_ns"]["p50"] <= c["latency_ns"]["p99"] <= c["latency_ns"]["max"]


def test_final_table_printed(golden):
    _, manifest, _, res = golden
    assert "== edfpipe final" in res.stdout
    assert f"accounting: rx {res.stats['rx']} = tx {res.stats['tx']} + drops {res.stats['drops']}" in res.stdout
    for p in res.stats["mempools"]:
        assert f"mempool {p['name']}: {p['size']} of {p['size']} mbufs returned" in res.stdout
