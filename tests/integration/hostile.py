#!/usr/bin/env python3
"""hostile: a corpus of malformed and unusual frames, interleaved with valid ones, as a pcap plus
a JSON manifest of what edfpipe must do with each frame.

Every hostile frame carries one fault (or one legal oddity), so it has exactly one expected
outcome: a parse drop reason from lib/edf/drop_reason.h, or "pass" (a valid frame that must be
forwarded like any other). A well-formed frame that is not UDP over IPv4/IPv6 (ARP, TCP, a
fragment, ...) also names its frame kind ("other"): with other_traffic = drop it is counted under
its reason, otherwise it passes unchanged through the other-traffic class. Between consecutive hostile frames sits a plain valid frame, so a
parser that loses its footing on a bad frame shows up as a missing or damaged neighbour.

Valid frames (plain and unusual alike) carry the project's payload tag (tools/edfpipe/frames.py:
seq and class index), so tests/integration/edfit.check_forwarded can match output to input. Class
ports come from the built-in profile (`edfpipe -- --dump-profile`, the binary in $EDFPIPE or the
build directory): the corpus spreads over each class's first and last port and ports no class claims.

  hostile.py out.pcap --manifest out.json      # what tests/corpus/hostile.pcap was made with
  hostile.py out.pcap --max-len 1514            # one-mbuf frames only (for net_pcap infinite_rx)

Deterministic: no randomness, synthetic timestamps (1 us apart). Standard library only.
"""
import argparse
import json
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from edfpipe import profile  # noqa: E402
from edfpipe.frames import ETH_SRC, SRC_IP, DST_IP, eth, ipv4, ipv6, tagged_payload, udp, udp6  # noqa: E402
from edfpipe.pcap import write_pcap  # noqa: E402


def class_port(i: int, last: bool = False) -> int:
    """A destination port of the built-in profile's class number i (profile order)."""
    table = profile.builtin()
    return table.port(table.classes[i].name, last)


class Corpus:
    def __init__(self):
        self.frames = []      # bytes
        self.entries = []     # manifest entry per frame, same order
        self.seq = 0

    def _valid_frame(self, dport, payload_size=40, ihl=5, options=None, tags=(), pad=0, frag=0, tos=0,
                     zero_csum=False, ip6=False, ext=()):
        seq = self.seq
        self.seq += 1
        table = profile.builtin()
        cls = table.class_of_port(dport)
        payload = tagged_payload(seq, table.cls(cls).index, payload_size)
        if ip6:
            fr = eth(0x86DD, ipv6(udp6(dport, payload), tclass=tos, ext=ext), tags=tags) + b"\0" * pad
        else:
            body = udp(dport, payload, zero_csum=zero_csum)
            fr = eth(0x0800, ipv4(body, ihl=ihl, options=options, frag=frag, tos=tos), tags=tags) + b"\0" * pad
        return fr, {"seq": seq, "class": cls, "dst_port": dport, "len": len(fr)}

    def plain(self):
        """An ordinary valid frame, rotating over the four classes and mapped/unmapped ports: the
        first port of the first three classes, 5001, their last ports, 7000."""
        rotation = [class_port(i) for i in range(3)] + [5001] + [class_port(i, True) for i in range(3)] + [7000]
        dport = rotation[self.seq % 8]
        fr, info = self._valid_frame(dport, payload_size=32 + (self.seq * 37) % 200)
        self._add(fr, "plain", "pass", info)

    def unusual(self, name, **kw):
        dport = kw.pop("dport") if "dport" in kw else class_port(0)
        fr, info = self._valid_frame(dport, **kw)
        self._add(fr, name, "pass", info)

    def bad(self, name, reason, frame: bytes, kind=None):
        self._add(frame, name, reason, None, kind)

    def _add(self, frame, name, expect, info, kind=None):
        e = {"index": len(self.frames), "name": name, "expect": expect, "len": len(frame)}
        if kind:
            e["other"] = kind  # well-formed, not UDP over IP: its frame kind
        if info:
            e.update(info)
        self.frames.append(frame)
        self.entries.append(e)


def good_udp_ip(dport=None, payload=b"x" * 32, **ip_kw):
    return ipv4(udp(dport or class_port(0), payload), **ip_kw)


def build(max_len=None) -> Corpus:
    """The corpus; with max_len, frames longer than that are left out (net_pcap's infinite_rx
    mode refuses multi-segment mbufs, so a replayed corpus must fit one mbuf)."""
    c = Corpus()
    # The first three classes' first and last ports (the built-in profile: high, medium, low).
    p0, p1, p2 = (class_port(i) for i in range(3))
    p0_last, p1_last, p2_last = (class_port(i, True) for i in range(3))
    u = udp(p0, b"y" * 32)           # a valid UDP datagram, 40 bytes
    ip_ok = ipv4(u)                    # a valid IPv4 packet around it, 60 bytes
    full = eth(0x0800, ip_ok)          # 74 bytes
    u6 = udp6(p0, b"y" * 32)           # a valid UDP datagram over IPv6 (fd00::1 -> fd00::2)
    full6 = eth(0x86DD, ipv6(u6))      # 14 + 40 + 40 bytes
    frag_hdr = b"\0\0\0\0\0\x01"     # fragment header body: offset 0, M 0, identification 1
    hostile = [
        # --- runts: shorter than an Ethernet header, or than its VLAN tag
        ("runt_1_byte", "runt", full[:1]),
        ("runt_13_bytes", "runt", full[:13]),
        ("runt_vlan_tag_cut", "runt", eth(0x0800, b"", tags=[(0x8100, 5)])[:16]),
        ("runt_vlan_no_ethertype", "runt", eth(0x0800, b"", tags=[(0x8100, 5)])[:17]),
        # --- not IP: well-formed frames of other kinds
        ("arp_request", "not_ip", eth(0x0806, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, ETH_SRC, SRC_IP,
                                                          b"\0" * 6, DST_IP) + b"\0" * 18), "arp"),
        ("vlan_arp", "not_ip", eth(0x0806, b"\0" * 46, tags=[(0x8100, 7)]), "arp"),
        ("qinq_88a8", "not_ip", eth(0x0800, ip_ok, tags=[(0x88A8, 10), (0x8100, 20)]), "other"),
        ("double_8100", "not_ip", eth(0x0800, ip_ok, tags=[(0x8100, 10), (0x8100, 20)]), "other"),
        ("ieee8023_length", "not_ip", eth(0x002E, b"\xaa\xaa\x03" + b"\0" * 43), "other"),
        ("lldp", "not_ip", eth(0x88CC, b"\0" * 46), "lldp"),
        ("ethertype_only_arp", "not_ip", eth(0x0806, b""), "arp"),
        # --- bad IPv4 header: version, IHL < 5, header cut short by the frame
        ("ipv4_truncated_header", "bad_ipv4_header", full[:14 + 19]),
        ("ipv4_eth_only_plus_1", "bad_ipv4_header", full[:15]),
        ("vlan_ipv4_truncated", "bad_ipv4_header", eth(0x0800, ip_ok, tags=[(0x8100, 3)])[:18 + 12]),
        ("ipv4_version_6", "bad_ipv4_header", eth(0x0800, good_udp_ip(version=6))),
        ("ipv4_version_0", "bad_ipv4_header", eth(0x0800, good_udp_ip(version=0))),
        ("ipv4_ihl_0", "bad_ipv4_header", eth(0x0800, good_udp_ip(ihl=0, options=b""))),
        ("ipv4_ihl_4", "bad_ipv4_header", eth(0x0800, good_udp_ip(ihl=4, options=b""))),
        # IHL 15 (60-byte header) in a frame that ends 40 bytes into the IPv4 header
        ("ipv4_ihl_15_frame_short", "bad_ipv4_header", eth(0x0800, ipv4(b"", ihl=15, total=60))[:14 + 40]),
        # --- checksum
        ("ipv4_bad_checksum", "bad_ipv4_checksum", eth(0x0800, good_udp_ip(bad_csum=True))),
        ("ipv4_options_bad_checksum", "bad_ipv4_checksum", eth(0x0800, good_udp_ip(ihl=8, bad_csum=True))),
        # --- total length
        ("ipv4_total_gt_frame", "bad_ipv4_length", eth(0x0800, good_udp_ip(total=61))),
        ("ipv4_total_65535", "bad_ipv4_length", eth(0x0800, good_udp_ip(total=65535))),
        ("ipv4_total_lt_ihl", "bad_ipv4_length", eth(0x0800, good_udp_ip(total=19))),
        ("ipv4_total_0", "bad_ipv4_length", eth(0x0800, good_udp_ip(total=0))),
        ("ipv4_options_total_lt_ihl", "bad_ipv4_length", eth(0x0800, good_udp_ip(ihl=6, total=20))),
        # --- fragments
        ("fragment_first_mf", "fragment", eth(0x0800, good_udp_ip(frag=0x2000)), "fragment"),
        ("fragment_offset", "fragment", eth(0x0800, good_udp_ip(frag=0x0010)), "fragment"),
        ("fragment_last", "fragment", eth(0x0800, good_udp_ip(frag=0x00B9)), "fragment"),
        ("fragment_df_and_mf", "fragment", eth(0x0800, good_udp_ip(frag=0x6000)), "fragment"),
        ("fragment_reserved_and_offset", "fragment", eth(0x0800, good_udp_ip(frag=0x8001)), "fragment"),
        # --- not UDP
        ("tcp", "not_udp", eth(0x0800, ipv4(b"\0" * 20, proto=6)), "tcp4"),
        ("icmp", "not_udp", eth(0x0800, ipv4(b"\x08\0\xf7\xff\0\0\0\0", proto=1)), "icmp4"),
        ("proto_0", "not_udp", eth(0x0800, ipv4(u, proto=0)), "ip4_other"),
        ("proto_255", "not_udp", eth(0x0800, ipv4(u, proto=255)), "ip4_other"),
        # --- UDP length
        ("udp_len_gt_ip_payload", "bad_udp_length", eth(0x0800, ipv4(udp(p0, b"z" * 32, udp_len=41)))),
        ("udp_len_lt_ip_payload", "bad_udp_length", eth(0x0800, ipv4(udp(p0, b"z" * 32, udp_len=39)))),
        ("udp_len_0", "bad_udp_length", eth(0x0800, ipv4(udp(p0, b"z" * 32, udp_len=0)))),
        ("udp_len_7", "bad_udp_length", eth(0x0800, ipv4(udp(p0, b"", udp_len=7)))),
        ("udp_header_truncated", "bad_udp_length", eth(0x0800, ipv4(udp(p0, b"")[:4]))),
        ("udp_no_header", "bad_udp_length", eth(0x0800, ipv4(b""))),
        ("udp_len_65535", "bad_udp_length", eth(0x0800, ipv4(udp(p0, b"z" * 32, udp_len=65535)))),
        # --- IPv6: truncated headers, lengths, extension-header chains, fragments, UDP
        ("ipv6_ethertype_only", "bad_ipv6_header", eth(0x86DD, b"")),
        ("ipv6_truncated_header", "bad_ipv6_header", full6[:14 + 39]),
        ("vlan_ipv6_truncated", "bad_ipv6_header", eth(0x86DD, ipv6(u6), tags=[(0x8100, 3)])[:18 + 20]),
        ("ipv6_version_4", "bad_ipv6_header", eth(0x86DD, ipv6(u6, version=4))),
        ("ipv6_version_0_zeros", "bad_ipv6_header", eth(0x86DD, b"\0" * 60, tags=[(0x8100, 7)])),
        ("ipv6_plen_gt_frame", "bad_ipv6_length", eth(0x86DD, ipv6(u6, plen=41))),
        ("ipv6_plen_65535", "bad_ipv6_length", eth(0x86DD, ipv6(u6, plen=65535))),
        # payload length 0 before a hop-by-hop header with a Jumbo Payload option (RFC 2675)
        ("ipv6_jumbogram", "bad_ipv6_length",
         eth(0x86DD, ipv6(u6, ext=[(0, b"\xc2\x04" + struct.pack("!I", 8 + 6 + len(u6)))], plen=0))),
        ("ipv6_plen_0_udp", "bad_udp_length", eth(0x86DD, ipv6(b"", plen=0) + u6)),
        ("ipv6_ext_past_payload", "bad_ipv6_header",
         eth(0x86DD, ipv6(u6, ext=[(60, b"")])[:40 + 1] + b"\x30" + ipv6(u6, ext=[(60, b"")])[40 + 2:])),
        ("ipv6_ext_cut_by_frame", "bad_ipv6_header", eth(0x86DD, ipv6(b"", nh=0, plen=1) + b"\x11")),
        ("ipv6_ext_chain_9", "ipv6_ext_chain", eth(0x86DD, ipv6(u6, ext=[(60, b"")] * 9))),
        ("ipv6_ext_chain_9_mixed", "ipv6_ext_chain", eth(0x86DD, ipv6(u6, ext=[(0, b"")] + [(43, b"\0" * 6), (60, b"")] * 4))),
        ("ipv6_fragment_first", "fragment", eth(0x86DD, ipv6(u6, ext=[(44, frag_hdr)])), "fragment"),
        ("ipv6_fragment_after_hbh", "fragment", eth(0x86DD, ipv6(u6, ext=[(0, b""), (44, b"\x00\x08\0\0\0\x01")])),
         "fragment"),
        ("ipv6_esp", "ipv6_ext_header", eth(0x86DD, ipv6(b"\0" * 24, nh=50)), "ip6_other"),
        ("ipv6_ah", "ipv6_ext_header", eth(0x86DD, ipv6(b"\0" * 24 + u6, nh=51)), "ip6_other"),
        ("ipv6_experimental_253", "ipv6_ext_header", eth(0x86DD, ipv6(u6, ext=[(253, b"")])), "ip6_other"),
        ("ipv6_tcp", "not_udp", eth(0x86DD, ipv6(b"\0" * 20, nh=6)), "tcp6"),
        ("ipv6_icmpv6_ns", "not_udp", eth(0x86DD, ipv6(b"\x87\0\0\0" + b"\0" * 20, nh=58)), "icmp6"),
        ("ipv6_no_next_header", "not_udp", eth(0x86DD, ipv6(b"", nh=59)), "ip6_other"),
        ("ipv6_udp_len_gt_payload", "bad_udp_length", eth(0x86DD, ipv6(udp6(p0, b"z" * 32, udp_len=41)))),
        ("ipv6_udp_len_0", "bad_udp_length", eth(0x86DD, ipv6(udp6(p0, b"z" * 32, udp_len=0)))),
        ("ipv6_udp_header_truncated", "bad_udp_length", eth(0x86DD, ipv6(udp6(p0, b"")[:4]))),
        ("ipv6_udp_checksum_zero", "bad_udp_checksum", eth(0x86DD, ipv6(udp6(p0, b"z" * 32, zero_csum=True)))),
        # --- large frames (span several mbufs in net_pcap) that are still malformed
        ("jumbo_bad_checksum", "bad_ipv4_checksum", eth(0x0800, good_udp_ip(payload=b"j" * 5000, bad_csum=True))),
        ("jumbo_udp_len_mismatch", "bad_udp_length", eth(0x0800, ipv4(udp(p0, b"j" * 6000, udp_len=6000)))),
        ("jumbo_fragment", "fragment", eth(0x0800, good_udp_ip(payload=b"j" * 4000, frag=0x2000)), "fragment"),
        ("jumbo_zeros_ipv6", "bad_ipv6_header", eth(0x86DD, b"\0" * 9000)),
        ("jumbo_ipv6_udp_len_mismatch", "bad_udp_length", eth(0x86DD, ipv6(udp6(p0, b"j" * 6000, udp_len=6000)))),
        ("jumbo_ipv6_fragment", "fragment", eth(0x86DD, ipv6(u6 + b"j" * 5000, ext=[(44, b"\0\0\0\0\0\x01")])),
         "fragment"),
        ("jumbo_total_gt_frame", "bad_ipv4_length", eth(0x0800, good_udp_ip(payload=b"j" * 3000, total=3100))),
    ]
    unusual = [
        # legal oddities: each must be forwarded like a plain frame
        dict(name="ipv4_options_4_bytes", ihl=6),
        dict(name="ipv4_options_max_40_bytes", ihl=15, dport=p1),
        dict(name="ipv4_option_router_alert", ihl=6, options=b"\x94\x04\x00\x00", dport=p2),
        dict(name="ipv4_options_vlan", ihl=10, tags=[(0x8100, 100)], dport=p0_last),
        dict(name="vlan_pcp_7", tags=[(0x8100, 0xE000 | 42)], dport=p1_last),
        dict(name="ethernet_padding_after_ip", pad=17, dport=p2_last),
        dict(name="minimum_frame_padded", payload_size=20, pad=6, dport=p0),
        dict(name="dont_fragment_flag", frag=0x4000, dport=p1),
        dict(name="udp_checksum_zero", zero_csum=True, dport=5002),
        dict(name="udp_checksum_zero_mapped_port", zero_csum=True, dport=p0_last),
        dict(name="dscp_ef_unmapped_port", tos=46 << 2, dport=6000),
        dict(name="udp_port_0", dport=0),
        dict(name="udp_port_65535", dport=65535),
        dict(name="jumbo_3000", payload_size=3000 - 42, dport=p0),
        dict(name="jumbo_4096_vlan", payload_size=4096 - 46, tags=[(0x8100, 9)], dport=p2),
        dict(name="jumbo_9000_options", payload_size=9000 - 82, ihl=15, dport=p1_last),
        dict(name="jumbo_9018_vlan", payload_size=9018 - 46, tags=[(0x8100, 1)], dport=5003),
        dict(name="ipv6_udp", ip6=True, dport=p1),
        dict(name="ipv6_vlan_dscp_ef", ip6=True, tags=[(0x8100, 5)], tos=46 << 2, dport=6001),
        dict(name="ipv6_hbh_routing_dstopts", ip6=True, ext=[(0, b""), (43, b"\0" * 14), (60, b"\0" * 6)], dport=p2),
        dict(name="ipv6_ext_chain_8", ip6=True, ext=[(60, b"")] * 8, dport=p0_last),
        dict(name="ipv6_padding_after_packet", ip6=True, pad=9, dport=p1_last),
        dict(name="ipv6_jumbo_9000_ext", ip6=True, payload_size=9000 - 62 - 16, ext=[(0, b""), (60, b"")], dport=p2_last),
    ]
    if max_len is not None:
        hostile = [h for h in hostile if len(h[2]) <= max_len]
        unusual = [u for u in unusual if u.get("payload_size", 0) + 82 <= max_len]
    c.plain()
    for name, reason, frame, *kind in hostile:
        c.bad(name, reason, frame, *kind)
        c.plain()
    for kw in unusual:
        c.unusual(kw.pop("name"), **kw)
        c.plain()
    # The same hostile frames back to back, so a burst holds many of them at once.
    for name, reason, frame, *kind in hostile:
        c.bad(name + "#2", reason, frame, *kind)
    c.plain()
    return c


def manifest(c: Corpus) -> dict:
    expect, other = {}, {}
    for e in c.entries:
        if e["expect"] != "pass":
            expect[e["expect"]] = expect.get(e["expect"], 0) + 1
        if "other" in e:
            other[e["other"]] = other.get(e["other"], 0) + 1
    packets = [e for e in c.entries if e["expect"] == "pass"]
    classes = {}
    for p in packets:
        classes[p["class"]] = classes.get(p["class"], 0) + 1
    # `valid`, `malformed`, `packets` and `classes` mean what they mean in tools/edfpcap.py manifests;
    # `malformed` counts every frame that is not valid UDP by reason (with other_traffic = drop),
    # `other` the well-formed ones among them by frame kind.
    return {"frames": len(c.frames), "valid": len(packets), "malformed": expect, "other": other, "packets": packets,
            "classes": classes, "entries": c.entries}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pcap")
    ap.add_argument("--manifest", help="write the manifest (expected outcome of every frame) here")
    ap.add_argument("--max-len", type=int, help="leave out frames longer than this many bytes")
    a = ap.parse_args(argv)
    c = build(a.max_len)
    write_pcap(a.pcap, c.frames)
    m = manifest(c)
    if a.manifest:
        with open(a.manifest, "w") as f:
            json.dump(m, f, indent=1)
            f.write("\n")
    print(f"{a.pcap}: {m['frames']} frames, {m['valid']} valid, malformed {m['malformed']}", file=sys.stderr)


if __name__ == "__main__":
    main()
