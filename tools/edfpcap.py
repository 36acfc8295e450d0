#!/usr/bin/env python3
"""edfpcap: write a pcap of edfpipe test traffic and a JSON manifest of what it holds.

Valid frames are Ethernet [+ one 802.1Q tag] / IPv4 / UDP to the default profile's class ports
(high 8080-8081, medium 8082-8083, low 8084-8085, best_effort any other port); each payload starts
with a 4-byte magic, a 4-byte sequence number and the class name, so a reader can match output
frames to input frames. Malformed frames, one of each kind edfpipe counts, are interleaved.
Deterministic for a given --seed. The pcap timestamps are synthetic (1 us apart).

  edfpcap.py out.pcap --count 1000 --malformed-every 10 --manifest out.json
  edfpcap.py out.pcap --order low-then-high --count 300      # for the EDF overtaking test
"""
import argparse
import json
import random
import struct
import sys

MAGIC = b"EDFP"
CLASS_PORTS = {"high": (8080, 8081), "medium": (8082, 8083), "low": (8084, 8085), "best_effort": (5000, 5999)}
MALFORMED = ["runt", "not_ipv4", "bad_ipv4_header", "bad_ipv4_checksum", "bad_ipv4_length",
             "fragment", "not_udp", "bad_udp_length"]
ETH_DST = bytes.fromhex("020000000002")
ETH_SRC = bytes.fromhex("020000000001")


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(payload: bytes, proto=17, ihl=5, flags_frag=0, total=None, bad_csum=False, tos=0) -> bytes:
    opts = b"\x01" * ((ihl - 5) * 4) if ihl > 5 else b""
    tl = total if total is not None else 20 + len(opts) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (4 << 4) | ihl, tos, tl, 1, flags_frag, 64, proto, 0,
                      bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2])) + opts
    c = csum(hdr) if ihl >= 5 else 0
    if bad_csum:
        c ^= 0x5A5A
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def udp(sport: int, dport: int, payload: bytes, udp_len=None) -> bytes:
    ln = udp_len if udp_len is not None else 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, ln, 0)
    pseudo = bytes([127, 0, 0, 1, 127, 0, 0, 2, 0, 17]) + struct.pack("!H", 8 + len(payload))
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + payload


def eth(ethertype: int, body: bytes, vlan=None) -> bytes:
    if vlan is not None:
        return ETH_DST + ETH_SRC + struct.pack("!HHH", 0x8100, vlan, ethertype) + body
    return ETH_DST + ETH_SRC + struct.pack("!H", ethertype) + body


def valid_frame(seq: int, cls: str, dport: int, frame_len: int, vlan=None) -> bytes:
    hdr_len = 14 + (4 if vlan is not None else 0) + 20 + 8
    tag = MAGIC + struct.pack("!I", seq) + cls.encode()[:12].ljust(12, b"\0")
    pay_len = max(len(tag), frame_len - hdr_len)
    payload = tag + bytes((seq + i) & 0xFF for i in range(pay_len - len(tag)))
    return eth(0x0800, ipv4(udp(40000 + seq % 1000, dport, payload)), vlan)


def malformed_frame(kind: str, seq: int) -> bytes:
    body = MAGIC + struct.pack("!I", seq) + b"malformed\0\0\0" + bytes(20)
    good_udp = udp(40000, 8080, body)
    if kind == "runt":
        return ETH_DST + ETH_SRC[:4]
    if kind == "not_ipv4":  # ARP request
        return eth(0x0806, bytes.fromhex("0001080006040001") + ETH_SRC + bytes([127, 0, 0, 1]) + bytes(6) + bytes([127, 0, 0, 2]))
    if kind == "bad_ipv4_header":  # IHL 4
        f = bytearray(eth(0x0800, ipv4(good_udp)))
        f[14] = (4 << 4) | 4
        return bytes(f)
    if kind == "bad_ipv4_checksum":
        return eth(0x0800, ipv4(good_udp, bad_csum=True))
    if kind == "bad_ipv4_length":  # total length claims more than the frame holds
        return eth(0x0800, ipv4(good_udp, total=20 + len(good_udp) + 200))
    if kind == "fragment":  # more-fragments bit
        return eth(0x0800, ipv4(good_udp, flags_frag=0x2000))
    if kind == "not_udp":  # TCP
        return eth(0x0800, ipv4(bytes(20) + body, proto=6))
    if kind == "bad_udp_length":
        return eth(0x0800, ipv4(udp(40000, 8080, body, udp_len=8 + len(body) + 10)))
    raise ValueError(kind)


def write_pcap(path: str, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="pcap file to write")
    ap.add_argument("--count", type=int, default=1000, help="valid frames (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-size", type=int, default=64, help="smallest frame, bytes (default 64)")
    ap.add_argument("--max-size", type=int, default=1400, help="largest frame, bytes (default 1400)")
    ap.add_argument("--mix", default="high=1,medium=2,low=4,best_effort=1",
                    help="class weights (default high=1,medium=2,low=4,best_effort=1)")
    ap.add_argument("--malformed-every", type=int, default=0,
                    help="after every K valid frames insert one malformed frame, kinds in turn (0 = none)")
    ap.add_argument("--vlan-every", type=int, default=0, help="tag every K-th valid frame with VLAN 100 (0 = none)")
    ap.add_argument("--order", choices=["mixed", "low-then-high"], default="mixed",
                    help="low-then-high: all low frames first, then all high frames (half each)")
    ap.add_argument("--manifest", help="write what the pcap holds as JSON here")
    a = ap.parse_args(argv)
    if not 60 <= a.min_size <= a.max_size <= 9000:
        ap.error("need 60 <= --min-size <= --max-size <= 9000")

    rng = random.Random(a.seed)
    weights = {}
    for item in a.mix.split(","):
        name, _, w = item.partition("=")
        if name not in CLASS_PORTS:
            ap.error(f"--mix: unknown class {name!r} (expected {', '.join(CLASS_PORTS)})")
        weights[name] = float(w)
    if a.order == "low-then-high":
        classes = ["low"] * (a.count - a.count // 2) + ["high"] * (a.count // 2)
    else:
        names = list(weights)
        classes = rng.choices(names, weights=[weights[n] for n in names], k=a.count)

    frames, packets = [], []
    counts = {c: 0 for c in CLASS_PORTS}
    malformed = {k: 0 for k in MALFORMED}
    mk = 0
    for seq, cls in enumerate(classes):
        lo, hi = CLASS_PORTS[cls]
        dport = rng.randint(lo, hi)
        size = rng.randint(a.min_size, a.max_size)
        vlan = 100 if a.vlan_every and seq % a.vlan_every == 0 else None
        frames.append(valid_frame(seq, cls, dport, size, vlan))
        packets.append({"seq": seq, "class": cls, "dst_port": dport, "len": len(frames[-1])})
        counts[cls] += 1
        if a.malformed_every and (seq + 1) % a.malformed_every == 0:
            kind = MALFORMED[mk % len(MALFORMED)]
            frames.append(malformed_frame(kind, 1000000 + mk))
            malformed[kind] += 1
            mk += 1
    write_pcap(a.out, frames)
    if a.manifest:
        with open(a.manifest, "w") as f:
            json.dump({"valid": len(packets), "malformed": malformed, "classes": counts, "packets": packets}, f)
    print(f"{a.out}: {len(frames)} frames ({len(packets)} valid, {sum(malformed.values())} malformed)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
