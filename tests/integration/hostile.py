#!/usr/bin/env python3
"""hostile: a corpus of malformed and unusual frames, interleaved with valid ones, as a pcap plus
a JSON manifest of what edfpipe must do with each frame.

Every hostile frame carries one fault (or one legal oddity), so it has exactly one expected
outcome: a parse drop reason from lib/edf/drop_reason.h, or "pass" (a valid frame that must be
forwarded like any other). Between consecutive hostile frames sits a plain valid frame, so a
parser that loses its footing on a bad frame shows up as a missing or damaged neighbour.

Valid frames (plain and unusual alike) carry the EDFP tag of tools/edfpcap.py (b"EDFP", seq,
class name), so tests/integration/edfit.check_forwarded can match output to input.

  hostile.py out.pcap --manifest out.json      # what tests/corpus/hostile.pcap was made with
  hostile.py out.pcap --max-len 1514            # one-mbuf frames only (for net_pcap infinite_rx)

Deterministic: no randomness, synthetic timestamps (1 us apart). Standard library only.
"""
import argparse
import json
import struct
import sys
from pathlib import Path

# The Internet checksum of tools/edfpcap.py, which writes the rest of the project's test traffic.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from edfpcap import csum  # noqa: E402

MAGIC = b"EDFP"
ETH_DST = bytes.fromhex("020000000002")
ETH_SRC = bytes.fromhex("020000000001")
SRC_IP = bytes([127, 0, 0, 1])
DST_IP = bytes([127, 0, 0, 2])
# The built-in profile's classes by UDP destination port (best_effort: any other port).
CLASS_OF_PORT = {8080: "high", 8081: "high", 8082: "medium", 8083: "medium", 8084: "low", 8085: "low"}


def eth(ethertype: int, body: bytes, tags=()) -> bytes:
    """Ethernet header; `tags` is a list of (tpid, tci) inserted before the final EtherType."""
    hdr = ETH_DST + ETH_SRC
    for tpid, tci in tags:
        hdr += struct.pack("!HH", tpid, tci)
    return hdr + struct.pack("!H", ethertype) + body


def ipv4(payload: bytes, proto=17, ihl=5, total=None, frag=0, tos=0, version=4, options=None,
         bad_csum=False) -> bytes:
    """IPv4 header (+ options to fill IHL) + payload; checksum correct unless bad_csum."""
    if options is None:
        options = b"\x01" * max(0, (ihl - 5) * 4)  # NOPs
    tl = total if total is not None else 20 + len(options) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, tos, tl & 0xFFFF, 0x1234, frag, 64, proto, 0,
                      SRC_IP, DST_IP) + options
    c = csum(hdr)
    if bad_csum:
        c ^= 0x00FF
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def udp(dport: int, payload: bytes, udp_len=None, zero_csum=False, sport=40000) -> bytes:
    ln = udp_len if udp_len is not None else 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, ln & 0xFFFF, 0)
    if zero_csum:
        return hdr + payload
    pseudo = SRC_IP + DST_IP + struct.pack("!BBH", 0, 17, 8 + len(payload))
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + payload


def tagged_payload(seq: int, cls: str, size: int) -> bytes:
    """EDFP tag (magic, seq, class) padded with a byte pattern to `size` bytes (>= 20)."""
    tag = MAGIC + struct.pack("!I", seq) + cls.encode().ljust(12, b"\0")
    fill = bytes((seq + i) & 0xFF for i in range(max(0, size - len(tag))))
    return tag + fill


class Corpus:
    def __init__(self):
        self.frames = []      # bytes
        self.entries = []     # manifest entry per frame, same order
        self.seq = 0

    def _valid_frame(self, dport, payload_size=40, ihl=5, options=None, tags=(), pad=0, frag=0, tos=0,
                     zero_csum=False):
        seq = self.seq
        self.seq += 1
        cls = CLASS_OF_PORT.get(dport, "best_effort")
        body = udp(dport, tagged_payload(seq, cls, payload_size), zero_csum=zero_csum)
        fr = eth(0x0800, ipv4(body, ihl=ihl, options=options, frag=frag, tos=tos), tags=tags) + b"\0" * pad
        return fr, {"seq": seq, "class": cls, "dst_port": dport, "len": len(fr)}

    def plain(self):
        """An ordinary valid frame, rotating over the four classes and mapped/unmapped ports."""
        dport = (8080, 8082, 8084, 5001, 8081, 8083, 8085, 7000)[self.seq % 8]
        fr, info = self._valid_frame(dport, payload_size=32 + (self.seq * 37) % 200)
        self._add(fr, "plain", "pass", info)

    def unusual(self, name, **kw):
        dport = kw.pop("dport", 8080)
        fr, info = self._valid_frame(dport, **kw)
        self._add(fr, name, "pass", info)

    def bad(self, name, reason, frame: bytes):
        self._add(frame, name, reason, None)

    def _add(self, frame, name, expect, info):
        e = {"index": len(self.frames), "name": name, "expect": expect, "len": len(frame)}
        if info:
            e.update(info)
        self.frames.append(frame)
        self.entries.append(e)


def good_udp_ip(dport=8080, payload=b"x" * 32, **ip_kw):
    return ipv4(udp(dport, payload), **ip_kw)


def build(max_len=None) -> Corpus:
    """The corpus; with max_len, frames longer than that are left out (net_pcap's infinite_rx
    mode refuses multi-segment mbufs, so a replayed corpus must fit one mbuf)."""
    c = Corpus()
    u = udp(8080, b"y" * 32)           # a valid UDP datagram, 40 bytes
    ip_ok = ipv4(u)                    # a valid IPv4 packet around it, 60 bytes
    full = eth(0x0800, ip_ok)          # 74 bytes
    hostile = [
        # --- runts: shorter than an Ethernet header, or than its VLAN tag
        ("runt_1_byte", "runt", full[:1]),
        ("runt_13_bytes", "runt", full[:13]),
        ("runt_vlan_tag_cut", "runt", eth(0x0800, b"", tags=[(0x8100, 5)])[:16]),
        ("runt_vlan_no_ethertype", "runt", eth(0x0800, b"", tags=[(0x8100, 5)])[:17]),
        # --- not IPv4
        ("ethertype_only", "not_ipv4", eth(0x86DD, b"")),
        ("arp_request", "not_ipv4", eth(0x0806, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, ETH_SRC, SRC_IP,
                                                            b"\0" * 6, DST_IP) + b"\0" * 18)),
        ("ipv6_udp", "not_ipv4", eth(0x86DD, struct.pack("!IHBB", 6 << 28, 40, 17, 64) + b"\0" * 32 + u)),
        ("qinq_88a8", "not_ipv4", eth(0x0800, ip_ok, tags=[(0x88A8, 10), (0x8100, 20)])),
        ("double_8100", "not_ipv4", eth(0x0800, ip_ok, tags=[(0x8100, 10), (0x8100, 20)])),
        ("vlan_ipv6", "not_ipv4", eth(0x86DD, b"\0" * 60, tags=[(0x8100, 7)])),
        ("ieee8023_length", "not_ipv4", eth(0x002E, b"\xaa\xaa\x03" + b"\0" * 43)),
        ("lldp", "not_ipv4", eth(0x88CC, b"\0" * 46)),
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
        ("fragment_first_mf", "fragment", eth(0x0800, good_udp_ip(frag=0x2000))),
        ("fragment_offset", "fragment", eth(0x0800, good_udp_ip(frag=0x0010))),
        ("fragment_last", "fragment", eth(0x0800, good_udp_ip(frag=0x00B9))),
        ("fragment_df_and_mf", "fragment", eth(0x0800, good_udp_ip(frag=0x6000))),
        ("fragment_reserved_and_offset", "fragment", eth(0x0800, good_udp_ip(frag=0x8001))),
        # --- not UDP
        ("tcp", "not_udp", eth(0x0800, ipv4(b"\0" * 20, proto=6))),
        ("icmp", "not_udp", eth(0x0800, ipv4(b"\x08\0\xf7\xff\0\0\0\0", proto=1))),
        ("proto_0", "not_udp", eth(0x0800, ipv4(u, proto=0))),
        ("proto_255", "not_udp", eth(0x0800, ipv4(u, proto=255))),
        # --- UDP length
        ("udp_len_gt_ip_payload", "bad_udp_length", eth(0x0800, ipv4(udp(8080, b"z" * 32, udp_len=41)))),
        ("udp_len_lt_ip_payload", "bad_udp_length", eth(0x0800, ipv4(udp(8080, b"z" * 32, udp_len=39)))),
        ("udp_len_0", "bad_udp_length", eth(0x0800, ipv4(udp(8080, b"z" * 32, udp_len=0)))),
        ("udp_len_7", "bad_udp_length", eth(0x0800, ipv4(udp(8080, b"", udp_len=7)))),
        ("udp_header_truncated", "bad_udp_length", eth(0x0800, ipv4(udp(8080, b"")[:4]))),
        ("udp_no_header", "bad_udp_length", eth(0x0800, ipv4(b""))),
        ("udp_len_65535", "bad_udp_length", eth(0x0800, ipv4(udp(8080, b"z" * 32, udp_len=65535)))),
        # --- large frames (span several mbufs in net_pcap) that are still malformed
        ("jumbo_bad_checksum", "bad_ipv4_checksum", eth(0x0800, good_udp_ip(payload=b"j" * 5000, bad_csum=True))),
        ("jumbo_udp_len_mismatch", "bad_udp_length", eth(0x0800, ipv4(udp(8080, b"j" * 6000, udp_len=6000)))),
        ("jumbo_fragment", "fragment", eth(0x0800, good_udp_ip(payload=b"j" * 4000, frag=0x2000))),
        ("jumbo_ipv6", "not_ipv4", eth(0x86DD, b"\0" * 9000)),
        ("jumbo_total_gt_frame", "bad_ipv4_length", eth(0x0800, good_udp_ip(payload=b"j" * 3000, total=3100))),
    ]
    unusual = [
        # legal oddities: each must be forwarded like a plain frame
        dict(name="ipv4_options_4_bytes", ihl=6),
        dict(name="ipv4_options_max_40_bytes", ihl=15, dport=8082),
        dict(name="ipv4_option_router_alert", ihl=6, options=b"\x94\x04\x00\x00", dport=8084),
        dict(name="ipv4_options_vlan", ihl=10, tags=[(0x8100, 100)], dport=8081),
        dict(name="vlan_pcp_7", tags=[(0x8100, 0xE000 | 42)], dport=8083),
        dict(name="ethernet_padding_after_ip", pad=17, dport=8085),
        dict(name="minimum_frame_padded", payload_size=20, pad=6, dport=8080),
        dict(name="dont_fragment_flag", frag=0x4000, dport=8082),
        dict(name="udp_checksum_zero", zero_csum=True, dport=5002),
        dict(name="udp_checksum_zero_mapped_port", zero_csum=True, dport=8081),
        dict(name="dscp_ef_unmapped_port", tos=46 << 2, dport=6000),
        dict(name="udp_port_0", dport=0),
        dict(name="udp_port_65535", dport=65535),
        dict(name="jumbo_3000", payload_size=3000 - 42, dport=8080),
        dict(name="jumbo_4096_vlan", payload_size=4096 - 46, tags=[(0x8100, 9)], dport=8084),
        dict(name="jumbo_9000_options", payload_size=9000 - 82, ihl=15, dport=8083),
        dict(name="jumbo_9018_vlan", payload_size=9018 - 46, tags=[(0x8100, 1)], dport=5003),
    ]
    if max_len is not None:
        hostile = [h for h in hostile if len(h[2]) <= max_len]
        unusual = [u for u in unusual if u.get("payload_size", 0) + 82 <= max_len]
    c.plain()
    for name, reason, frame in hostile:
        c.bad(name, reason, frame)
        c.plain()
    for kw in unusual:
        c.unusual(kw.pop("name"), **kw)
        c.plain()
    # The same hostile frames back to back, so a burst holds many of them at once.
    for name, reason, frame in hostile:
        c.bad(name + "#2", reason, frame)
    c.plain()
    return c


def manifest(c: Corpus) -> dict:
    expect = {}
    for e in c.entries:
        if e["expect"] != "pass":
            expect[e["expect"]] = expect.get(e["expect"], 0) + 1
    packets = [e for e in c.entries if e["expect"] == "pass"]
    classes = {}
    for p in packets:
        classes[p["class"]] = classes.get(p["class"], 0) + 1
    # `valid`, `malformed`, `packets` and `classes` mean what they mean in tools/edfpcap.py manifests.
    return {"frames": len(c.frames), "valid": len(packets), "malformed": expect, "packets": packets,
            "classes": classes, "entries": c.entries}


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)))
            f.write(fr)


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
