#!/usr/bin/env python3
"""edfpcap: write a pcap of edfpipe test traffic and a JSON manifest of what it holds.

Valid frames are Ethernet [+ one 802.1Q tag] / IPv4 or IPv6 / UDP to the class ports of edfpipe's built-in
profile, read from `edfpipe -- --dump-profile` (the binary in $EDFPIPE, the build directory or
PATH): each class's first port range, and 5000-5999 for the default class. Each payload starts
with the project's payload tag (edfgen's: magic, class index, sequence number; tools/edfpipe/
frames.py), so a reader can match output frames to input frames. Malformed frames, one of each
kind edfpipe counts, and other traffic (ARP, ICMP, TCP, fragments, ...: what edfpipe's
other_traffic class carries, or drops with other_traffic = drop) can be interleaved. Deterministic for a given --seed. The pcap timestamps are
synthetic (1 us apart).

  edfpcap.py out.pcap --count 1000 --malformed-every 10 --manifest out.json
  edfpcap.py out.pcap --order low-then-high --count 300      # for the EDF overtaking test
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from edfpipe import profile  # noqa: E402
from edfpipe.frames import ETH_DST, ETH_SRC, NO_CLASS, eth, ipv4, ipv6, tag, udp, udp6, valid_frame  # noqa: E402,F401
from edfpipe.pcap import write_pcap  # noqa: E402,F401  (valid_frame, write_pcap: also for tests)

# Frames edfpipe must drop whatever other_traffic says, one of each reason (docs/robustness.md).
MALFORMED = ["runt", "bad_ipv4_header", "bad_ipv4_checksum", "bad_ipv4_length", "bad_ipv6_header",
             "bad_ipv6_length", "ipv6_ext_chain", "bad_udp_length", "bad_udp_checksum"]
# Well-formed frames that are not UDP over IP: kind -> (edfpipe's frame kind, its drop reason with
# other_traffic = drop).
OTHER = {"arp": ("arp", "not_ip"), "lldp": ("lldp", "not_ip"), "icmp4": ("icmp4", "not_udp"),
         "tcp4": ("tcp4", "not_udp"), "fragment4": ("fragment", "fragment"), "icmp6": ("icmp6", "not_udp"),
         "tcp6": ("tcp6", "not_udp"), "fragment6": ("fragment", "fragment"), "esp6": ("ip6_other", "ipv6_ext_header")}


def malformed_frame(kind: str, seq: int, dport: int) -> bytes:
    """One frame edfpipe must drop under `kind`; what is left of its UDP header goes to `dport`."""
    body = tag(seq, NO_CLASS) + bytes(20)
    good_udp = udp(dport, body)
    if kind == "runt":
        return ETH_DST + ETH_SRC[:4]
    if kind == "bad_ipv4_header":  # IHL 4
        f = bytearray(eth(0x0800, ipv4(good_udp)))
        f[14] = (4 << 4) | 4
        return bytes(f)
    if kind == "bad_ipv4_checksum":
        return eth(0x0800, ipv4(good_udp, bad_csum=True))
    if kind == "bad_ipv4_length":  # total length claims more than the frame holds
        return eth(0x0800, ipv4(good_udp, total=20 + len(good_udp) + 200))
    if kind == "bad_ipv6_header":  # version 4 in an IPv6 header
        return eth(0x86DD, ipv6(udp6(dport, body), version=4))
    if kind == "bad_ipv6_length":  # payload length claims more than the frame holds
        return eth(0x86DD, ipv6(udp6(dport, body), plen=8 + len(body) + 200))
    if kind == "ipv6_ext_chain":  # nine destination-options headers
        return eth(0x86DD, ipv6(udp6(dport, body), ext=[(60, b"")] * 9))
    if kind == "bad_udp_length":
        return eth(0x0800, ipv4(udp(dport, body, udp_len=8 + len(body) + 10)))
    if kind == "bad_udp_checksum":  # zero: mandatory over IPv6
        return eth(0x86DD, ipv6(udp6(dport, body, zero_csum=True)))
    raise ValueError(kind)


def other_frame(kind: str, seq: int, dport: int) -> bytes:
    """One well-formed frame of `kind` (OTHER) that is not UDP over IP."""
    body = tag(seq, NO_CLASS) + bytes(20)
    if kind == "arp":  # a request
        return eth(0x0806, bytes.fromhex("0001080006040001") + ETH_SRC + bytes([127, 0, 0, 1]) + bytes(6) + bytes([127, 0, 0, 2]))
    if kind == "lldp":
        return eth(0x88CC, body + bytes(26))
    if kind == "icmp4":  # echo request
        return eth(0x0800, ipv4(b"\x08\0\xf7\xff\0\0\0\0" + body, proto=1))
    if kind == "tcp4":
        return eth(0x0800, ipv4(bytes(20) + body, proto=6))
    if kind == "fragment4":  # the first fragment of a UDP datagram: more-fragments bit
        return eth(0x0800, ipv4(udp(dport, body), frag=0x2000))
    if kind == "icmp6":  # echo request (checksum not computed: edfpipe does not look at it)
        return eth(0x86DD, ipv6(b"\x80\0\0\0\0\0\0\0" + body, nh=58))
    if kind == "tcp6":
        return eth(0x86DD, ipv6(bytes(20) + body, nh=6))
    if kind == "fragment6":
        return eth(0x86DD, ipv6(udp6(dport, body), ext=[(44, b"\0\0\0\0\0\x01")]))  # 44 fragment header
    if kind == "esp6":  # ESP: edfpipe does not look past it
        return eth(0x86DD, ipv6(bytes(8) + body, nh=50))
    raise ValueError(kind)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="pcap file to write")
    ap.add_argument("--count", type=int, default=1000, help="valid frames (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-size", type=int, default=64, help="smallest frame, bytes (default 64)")
    ap.add_argument("--max-size", type=int, default=1400, help="largest frame, bytes (default 1400)")
    ap.add_argument("--mix", help="class weights NAME=W,... (default: 1, 2, 4, ... down the profile's class "
                                  "order, 1 for its default class)")
    ap.add_argument("--malformed-every", type=int, default=0,
                    help="after every K valid frames insert one malformed frame, kinds in turn (0 = none)")
    ap.add_argument("--other-every", type=int, default=0,
                    help="after every K valid frames insert one other-traffic frame (ARP, ICMP, TCP, fragments, "
                         "...), kinds in turn (0 = none)")
    ap.add_argument("--vlan-every", type=int, default=0, help="tag every K-th valid frame with VLAN 100 (0 = none)")
    ap.add_argument("--ipv6-every", type=int, default=0, help="send every K-th valid frame over IPv6 (0 = none; 1 = all)")
    ap.add_argument("--order", choices=["mixed", "low-then-high"], default="mixed",
                    help="low-then-high: all low frames first, then all high frames (half each)")
    ap.add_argument("--manifest", help="write what the pcap holds as JSON here")
    a = ap.parse_args(argv)
    if not 60 <= a.min_size <= a.max_size <= 9000:
        ap.error("need 60 <= --min-size <= --max-size <= 9000")
    try:
        table = profile.builtin()
        class_ports = {c.name: table.port_range(c.name) for c in table.classes}
    except profile.ProfileUnavailable as e:
        print(f"edfpcap: {e}", file=sys.stderr)
        return 1

    rng = random.Random(a.seed)
    weights = {}
    if a.mix is None:
        weights = {c.name: 1.0 if c.is_default else float(2 ** c.index) for c in table.classes}
    else:
        for item in a.mix.split(","):
            name, _, w = item.partition("=")
            if name not in class_ports:
                ap.error(f"--mix: unknown class {name!r} (expected {', '.join(class_ports)})")
            weights[name] = float(w)
    if a.order == "low-then-high":
        for name in ("low", "high"):
            if name not in class_ports:
                ap.error(f"--order low-then-high: the profile has no class {name!r}")
        classes = ["low"] * (a.count - a.count // 2) + ["high"] * (a.count // 2)
    else:
        names = list(weights)
        classes = rng.choices(names, weights=[weights[n] for n in names], k=a.count)

    frames, packets = [], []
    counts = {c: 0 for c in class_ports}
    malformed = {k: 0 for k in MALFORMED}
    other = {k: 0 for k in OTHER}
    mk = ok = 0
    malformed_dport = table.port(table.classes[0].name)  # the first class's: a frame that leaked would be served first
    for seq, cls in enumerate(classes):
        lo, hi = class_ports[cls]
        dport = rng.randint(lo, hi)
        size = rng.randint(a.min_size, a.max_size)
        vlan = 100 if a.vlan_every and seq % a.vlan_every == 0 else None
        ip6 = a.ipv6_every > 0 and seq % a.ipv6_every == 0
        frames.append(valid_frame(seq, table.cls(cls).index, dport, size, vlan, ip6=ip6))
        packets.append({"seq": seq, "class": cls, "dst_port": dport, "len": len(frames[-1]), "ip": 6 if ip6 else 4})
        counts[cls] += 1
        if a.malformed_every and (seq + 1) % a.malformed_every == 0:
            kind = MALFORMED[mk % len(MALFORMED)]
            frames.append(malformed_frame(kind, 1000000 + mk, malformed_dport))
            malformed[kind] += 1
            mk += 1
        if a.other_every and (seq + 1) % a.other_every == 0:
            kind = list(OTHER)[ok % len(OTHER)]
            frames.append(other_frame(kind, 2000000 + ok, malformed_dport))
            other[kind] += 1
            ok += 1
    write_pcap(a.out, frames)
    if a.manifest:
        with open(a.manifest, "w") as f:
            json.dump({"valid": len(packets), "malformed": malformed, "other": other, "classes": counts,
                       "packets": packets}, f)
    print(f"{a.out}: {len(frames)} frames ({len(packets)} valid, {sum(malformed.values())} malformed, "
          f"{sum(other.values())} other)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
