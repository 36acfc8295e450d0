"""Packet capture files: classic pcap (read and write) and pcapng (read). Standard library only.

Written pcaps are little-endian, microsecond stamps, link type Ethernet, snap length 65535; without
real times each frame gets a synthetic stamp 1 us after the previous one.
"""
import struct
from pathlib import Path

SYNTHETIC_START_S = 1700000000


def write_pcap(path, frames, times=None):
    """Writes `frames` (bytes); `times` gives each frame's time in seconds (float), if real."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            if times is None:
                sec, usec = SYNTHETIC_START_S + i // 1000000, i % 1000000
            else:
                sec = int(times[i])
                usec = int((times[i] - sec) * 1e6)
            f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    """Returns the frames of a classic pcap file as a list of bytes (either byte order, micro- or
    nanosecond stamps, Ethernet only). Raises ValueError on a truncated or cut-short record."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f"{path}: {len(data)} bytes, shorter than a pcap file header")
    magic_le = struct.unpack("<I", data[:4])[0]
    if magic_le in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif magic_le in (0xD4C3B2A1, 0x4D3CB2A1):
        endian = ">"
    else:
        raise ValueError(f"{path}: not a pcap file (magic {data[:4].hex()})")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError(f"{path}: link type {linktype}, expected 1 (Ethernet)")
    frames, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError(f"{path}: truncated record header at offset {off}")
        _, _, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise ValueError(f"{path}: truncated record at offset {off}")
        if incl != orig:
            raise ValueError(f"{path}: record at offset {off} captured {incl} of {orig} bytes")
        frames.append(data[off:off + incl])
        off += incl
    return frames


def read_pcapng(path):
    """The packets of a pcapng file (Enhanced, Simple and obsolete Packet Blocks) as bytes, in order.
    Raises ValueError on any structural error (a block running past the end, a bad trailer)."""
    data = Path(path).read_bytes()
    if len(data) < 28 or data[:4] != b"\x0a\x0d\x0d\x0a":
        raise ValueError(f"{path}: not a pcapng file")
    bom = struct.unpack("<I", data[8:12])[0]
    end = "<" if bom == 0x1A2B3C4D else ">" if bom == 0x4D3C2B1A else None
    if end is None:
        raise ValueError(f"{path}: bad byte-order magic {data[8:12].hex()}")
    packets, off = [], 0
    while off < len(data):
        if off + 12 > len(data):
            raise ValueError(f"{path}: truncated block at {off}")
        btype, blen = struct.unpack(end + "II", data[off:off + 8])
        if blen < 12 or blen % 4 or off + blen > len(data):
            raise ValueError(f"{path}: block at {off} (type {btype:#x}) has a bad length {blen}")
        if struct.unpack(end + "I", data[off + blen - 4:off + blen])[0] != blen:
            raise ValueError(f"{path}: block at {off} has a trailer that does not repeat its length")
        body = data[off + 8:off + blen - 4]
        if btype == 6:    # Enhanced Packet Block
            caplen = struct.unpack(end + "I", body[12:16])[0]
            packets.append(body[20:20 + caplen])
        elif btype == 3:  # Simple Packet Block
            packets.append(body[4:4 + struct.unpack(end + "I", body[:4])[0]])
        elif btype == 2:  # Packet Block (obsolete)
            caplen = struct.unpack(end + "I", body[12:16])[0]
            packets.append(body[20:20 + caplen])
        off += blen
    return packets
