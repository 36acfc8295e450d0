"""Ethernet [+ 802.1Q] / IPv4 or IPv6 / UDP frames: building, parsing, checksums and the payload tag.

The one frame builder of the Python side: tools/edfpcap.py (test traffic), tests/integration/
hostile.py (the hostile corpus), tools/soak, and the tests that check what edfpipe forwarded all
use it. The builders take every field a malformed frame needs to flip (IHL, version, lengths,
fragment bits, checksums) and compute the rest correctly, so a frame is valid unless told otherwise.

The payload tag (TAG below) is the one format every traffic source of the project writes at the
start of a UDP payload: edfgen's GenHeader (tools/edfgen/edfgen.cc), 20 bytes, little-endian as
edfgen stores it on the x86 and arm64 hosts it runs on:

  offset 0  u16 magic 0xEDF6
  offset 2  u8  class index: the sender's class -- edfgen: its --flow order; these tools: the class's
                index in the profile (profile.TrafficClass.index); NO_CLASS for malformed frames
  offset 3  u8  version, 1
  offset 4  u64 sequence number, unique per sender and class
  offset 12 u64 TSC at send time (edfgen; 0 in pcaps written here)

edfpipe itself never reads the payload; the tag lets a reader match output frames to input frames.
(tests/unit/frame_builder.h writes no tag: its payload byte k is seed + k.) Standard library only.
"""
import struct
from dataclasses import dataclass
from typing import Optional

from . import profile as _profile

ETH_DST = bytes.fromhex("020000000002")
ETH_SRC = bytes.fromhex("020000000001")
SRC_IP = bytes([127, 0, 0, 1])
DST_IP = bytes([127, 0, 0, 2])
SRC_IP6 = bytes.fromhex("fd000000000000000000000000000001")  # fd00::1
DST_IP6 = bytes.fromhex("fd000000000000000000000000000002")  # fd00::2
ETH_IPV4_UDP_BYTES = 14 + 20 + 8
ETH_IPV6_UDP_BYTES = 14 + 40 + 8

TAG = struct.Struct("<HBBQQ")
TAG_MAGIC = 0xEDF6
TAG_VERSION = 1
NO_CLASS = 0xFF
assert TAG.size == 20


# ---------------------------------------------------------------- checksums (RFC 1071, RFC 768)

def ones_sum(data: bytes) -> int:
    """The one's-complement sum of 16-bit big-endian words (odd tail padded with zero), folded."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def csum(data: bytes) -> int:
    """The Internet checksum of `data`: the complement of its one's-complement sum."""
    return (~ones_sum(data)) & 0xFFFF


# ---------------------------------------------------------------- building

def eth(ethertype: int, body: bytes, tags=()) -> bytes:
    """Ethernet header; `tags` is a list of (tpid, tci) inserted before the final EtherType."""
    hdr = ETH_DST + ETH_SRC
    for tpid, tci in tags:
        hdr += struct.pack("!HH", tpid, tci)
    return hdr + struct.pack("!H", ethertype) + body


def ipv4(payload: bytes, proto=17, ihl=5, total=None, frag=0, tos=0, version=4, options=None,
         bad_csum=False) -> bytes:
    """IPv4 header (+ options, NOPs unless given, to fill IHL) + payload; header checksum correct
    unless bad_csum. `total` overrides the total length, `frag` is flags + fragment offset."""
    if options is None:
        options = b"\x01" * max(0, (ihl - 5) * 4)
    tl = total if total is not None else 20 + len(options) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, tos, tl & 0xFFFF, 0x1234, frag, 64, proto, 0,
                      SRC_IP, DST_IP) + options
    c = csum(hdr)
    if bad_csum:
        c ^= 0x00FF
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def udp(dport: int, payload: bytes, udp_len=None, zero_csum=False, sport=40000) -> bytes:
    """UDP header + payload; `udp_len` overrides the length field (the checksum covers the real
    datagram), zero_csum sends no checksum (0, legal in IPv4)."""
    ln = udp_len if udp_len is not None else 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, ln & 0xFFFF, 0)
    if zero_csum:
        return hdr + payload
    pseudo = SRC_IP + DST_IP + struct.pack("!BBH", 0, 17, 8 + len(payload))
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + payload


def ipv6(payload: bytes, nh=17, tclass=0, plen=None, ext=(), version=6) -> bytes:
    """IPv6 header + extension headers + payload. `ext` is a list of (type, body) whose bodies are
    padded to a multiple of 8 bytes with their 2-byte (next header, length) prefix; the chain ends
    in `nh`. `plen` overrides the payload length field."""
    chain = b""
    types = [t for t, _ in ext] + [nh]
    for i, (_, body) in enumerate(ext):
        raw = body + b"\0" * ((-(len(body) + 2)) % 8)
        chain += struct.pack("!BB", types[i + 1], (len(raw) + 2) // 8 - 1) + raw
    first = types[0]
    ln = plen if plen is not None else len(chain) + len(payload)
    hdr = struct.pack("!IHBB", (version << 28) | (tclass << 20) | 0x12345, ln & 0xFFFF, first, 64)
    return hdr + SRC_IP6 + DST_IP6 + chain + payload


def udp6(dport: int, payload: bytes, udp_len=None, zero_csum=False, sport=40000) -> bytes:
    """UDP header + payload for IPv6 (SRC_IP6 -> DST_IP6): the checksum over RFC 8200's
    pseudo-header, or 0 (invalid over IPv6) with zero_csum."""
    ln = udp_len if udp_len is not None else 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, ln & 0xFFFF, 0)
    if zero_csum:
        return hdr + payload
    pseudo = SRC_IP6 + DST_IP6 + struct.pack("!IxxxB", 8 + len(payload), 17)
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + payload


def class_index(cls) -> int:
    """A class index for the tag: an int as is, a class name looked up in the built-in profile."""
    return cls if isinstance(cls, int) else _profile.builtin().cls(cls).index


def tag(seq: int, cls) -> bytes:
    """The 20-byte payload tag for frame `seq` of class `cls` (name or index; NO_CLASS for none)."""
    return TAG.pack(TAG_MAGIC, class_index(cls), TAG_VERSION, seq, 0)


def tagged_payload(seq: int, cls, size: int) -> bytes:
    """The tag padded to `size` bytes (at least the tag) with the pattern (seq + i) & 0xFF."""
    t = tag(seq, cls)
    return t + bytes((seq + i) & 0xFF for i in range(max(0, size - len(t))))


def valid_frame(seq: int, cls, dport: int, frame_len: int, vlan=None, ip6=False) -> bytes:
    """A valid tagged frame of `frame_len` bytes (at least headers + tag) to UDP port `dport`,
    with one 802.1Q tag (VLAN id `vlan`) if given, over IPv6 if ip6; source port 40000 + seq % 1000."""
    hdr_len = (ETH_IPV6_UDP_BYTES if ip6 else ETH_IPV4_UDP_BYTES) + (4 if vlan is not None else 0)
    payload = tagged_payload(seq, cls, frame_len - hdr_len)
    tags = [(0x8100, vlan)] if vlan is not None else []
    if ip6:
        return eth(0x86DD, ipv6(udp6(dport, payload, sport=40000 + seq % 1000)), tags)
    return eth(0x0800, ipv4(udp(dport, payload, sport=40000 + seq % 1000)), tags)


# ---------------------------------------------------------------- parsing

@dataclass
class Udp:
    l3: int                     # IP header offset (IPv4 or IPv6: see version)
    l4: int                     # UDP header offset
    dport: int
    checksum: int
    seq: Optional[int]          # from the payload tag, None if the payload has none
    cls_index: Optional[int]    # likewise
    version: int = 4            # IP version

    @property
    def cls(self) -> Optional[str]:
        """The tagged class's name in the built-in profile (None: no tag, NO_CLASS, or an index
        beyond its classes). For frames these tools wrote; edfgen's index is its --flow order."""
        if self.cls_index is None or self.cls_index == NO_CLASS:
            return None
        classes = _profile.builtin().classes
        return classes[self.cls_index].name if self.cls_index < len(classes) else None


def parse_tag(payload: bytes):
    """(seq, class index) from a payload that starts with the tag, else None."""
    if len(payload) < TAG.size:
        return None
    magic, cls, version, seq, _ = TAG.unpack_from(payload)
    if magic != TAG_MAGIC or version != TAG_VERSION:
        return None
    return seq, cls


IPV6_SKIPPED = (0, 43, 60)  # hop-by-hop, routing, destination options: what edfpipe skips


def parse_udp(frame: bytes) -> Optional[Udp]:
    """Parses Ethernet [+ one VLAN tag] / IPv4 or IPv6 [+ skipped extension headers] / UDP; None
    for anything else."""
    if len(frame) < 14:
        return None
    l3, ether = 14, struct.unpack("!H", frame[12:14])[0]
    if ether == 0x8100:
        if len(frame) < 18:
            return None
        l3, ether = 18, struct.unpack("!H", frame[16:18])[0]
    if ether == 0x86DD:
        if len(frame) < l3 + 40 or frame[l3] >> 4 != 6:
            return None
        nh, l4 = frame[l3 + 6], l3 + 40
        while nh in IPV6_SKIPPED and len(frame) >= l4 + 2:
            nh, l4 = frame[l4], l4 + (frame[l4 + 1] + 1) * 8
        version = 6
    elif ether == 0x0800 and len(frame) >= l3 + 20:
        ihl = (frame[l3] & 0x0F) * 4
        if frame[l3] >> 4 != 4 or ihl < 20:
            return None
        nh, l4, version = frame[l3 + 9], l3 + ihl, 4
    else:
        return None
    if nh != 17 or len(frame) < l4 + 8:
        return None
    dport, checksum = struct.unpack("!H2xH", frame[l4 + 2:l4 + 8])
    t = parse_tag(frame[l4 + 8:])
    seq, cls = t if t else (None, None)
    return Udp(l3, l4, dport, checksum, seq, cls, version)


def _segment_and_pseudo(frame: bytes, u: Udp):
    """The UDP segment as the IP header bounds it, and its pseudo-header (RFC 768 / RFC 8200)."""
    ip = frame[u.l3:]
    if u.version == 6:
        end = u.l3 + 40 + struct.unpack("!H", ip[4:6])[0]
        seg = frame[u.l4:end]
        return seg, ip[8:40] + struct.pack("!IxxxB", len(seg), 17)
    total = struct.unpack("!H", ip[2:4])[0]
    assert (ip[0] & 0x0F) * 4 >= 20
    seg = frame[u.l4:u.l3 + total]
    return seg, ip[12:20] + struct.pack("!BBH", 0, 17, len(seg))


def udp_checksum(frame: bytes, u: Udp) -> int:
    """The UDP checksum computed from scratch over the pseudo-header; 0 maps to 0xFFFF."""
    seg, pseudo = _segment_and_pseudo(frame, u)
    seg = bytearray(seg)
    seg[6:8] = b"\0\0"
    return csum(bytes(pseudo) + bytes(seg)) or 0xFFFF


def udp_checksum_verifies(frame: bytes, u: Udp) -> bool:
    """The receiver's check: the sum over pseudo-header and segment, checksum included, is 0xFFFF."""
    seg, pseudo = _segment_and_pseudo(frame, u)
    return ones_sum(bytes(pseudo) + bytes(seg)) == 0xFFFF
