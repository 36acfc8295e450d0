"""The fwd pipeline beyond the default set-up: jumbo frames, a profile file, DSCP classification.

Each run is checked frame by frame like the golden test (edfit.check_forwarded) and by the
accounting invariant, so a variant that loses, duplicates or corrupts a frame fails.
"""
import edfit


def run_fwd(edfpipe, pcap, manifest, name, args=()):
    out = f"{edfpipe.workdir}/{name}_out.pcap"
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"], ["--idle-exit", edfit.IDLE_EXIT_MS, *args],
                      timeout=60)
    assert res.rc == 0, res.describe()
    edfit.check_read_all(res, manifest["valid"] + sum(manifest["malformed"].values()))
    edfit.check_accounting(res.stats, name)
    return res, edfit.read_pcap(out)


def test_jumbo_frames_span_mbufs(edfpipe, make_pcap):
    # Frames up to 9000 bytes do not fit one 2 KB mbuf: net_pcap chains segments. Headers stay in
    # the first segment, so edfpipe must forward them whole, rewrite the port and fix the checksum.
    pcap, manifest = make_pcap("--count", 120, "--min-size", 1500, "--max-size", 9000, "--vlan-every", 3,
                               "--malformed-every", 15, "--seed", 51)
    res, out = run_fwd(edfpipe, pcap, manifest, "jumbo")
    edfit.check_forwarded(edfit.read_pcap(pcap), manifest, out, edfit.DEFAULT_PORT_MAP)
    assert max(p["len"] for p in manifest["packets"]) > 8000
    assert res.stats["drops_by_reason"]["segmented"] == 0


PROFILE = """; two classes and a port map of our own, all from the file
[pipeline]
burst = 16

[fwd]
udp_port_map = 5000-5999:15000-15999

[class fast]
budget_us = 2000
udp_dst_ports = 8080-8085

[class rest]
budget_us = 500000
default = yes
"""


def test_profile_file_drives_the_pipeline(edfpipe, make_pcap, tmp_path):
    pcap, manifest = make_pcap("--count", 600, "--malformed-every", 30, "--vlan-every", 4, "--seed", 53)
    ini = tmp_path / f"profile_{edfpipe.mode.name}.ini"
    ini.write_text(PROFILE)
    res, out = run_fwd(edfpipe, pcap, manifest, "profile", ["-f", str(ini)])
    # 8080-8085 are no longer mapped; best_effort's 5000-5999 are.
    port_map = {p: p + 10000 for p in range(5000, 6000)}
    edfit.check_forwarded(edfit.read_pcap(pcap), manifest, out, port_map)
    cls = edfit.by_class(res.stats)
    assert list(cls) == ["fast", "rest"]
    n = manifest["classes"]
    assert cls["fast"]["rx"] == cls["fast"]["tx"] == n["high"] + n["medium"] + n["low"]
    assert cls["rest"]["rx"] == cls["rest"]["tx"] == n["best_effort"]
    assert cls["fast"]["budget_us"] == 2000 and cls["rest"]["budget_us"] == 500000


def test_dscp_rule_beats_port_rule(edfpipe, make_pcap):
    # edfpcap sends DSCP 0; a class claiming DSCP 0 takes every valid frame, whatever its port,
    # while the port map (independent of classes) still rewrites 8080-8085.
    pcap, manifest = make_pcap("--count", 400, "--malformed-every", 40, "--seed", 55)
    res, out = run_fwd(edfpipe, pcap, manifest, "dscp", ["--set", "class low.dscp=0"])
    edfit.check_forwarded(edfit.read_pcap(pcap), manifest, out, edfit.DEFAULT_PORT_MAP)
    cls = edfit.by_class(res.stats)
    assert cls["low"]["rx"] == cls["low"]["tx"] == manifest["valid"]
    assert all(cls[c]["rx"] == 0 for c in ("high", "medium", "best_effort"))
