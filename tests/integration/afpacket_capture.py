#!/usr/bin/env python3
"""Captures frames that arrive on one interface into a classic pcap, with a plain AF_PACKET socket
(no libpcap, no tcpdump). Tests run it inside a network namespace to see, in order, what edfpipe
wrote to a net_tap there:

    ip netns exec NS python3 afpacket_capture.py IFACE OUT.pcap --count 300 --timeout 8

The socket listens on every interface and keeps IFACE's frames: a socket bound to an interface that
is down starts receiving only after the kernel's NETDEV_UP notification, which can come after the
first frames a tap accepts. Frames the kernel itself sends out of IFACE (toward edfpipe) are
skipped. Prints "ready" once the socket is open, and exits after --count frames or --timeout s.
"""
import argparse
import errno
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from edfpipe.pcap import write_pcap  # noqa: E402

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("iface")
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=300, help="frames to capture (default 300)")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds before giving up (default 10)")
    args = ap.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    # Room for every frame asked for even if this reader falls behind the tap (root may force it).
    s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
    s.settimeout(0.1)
    print("ready", flush=True)
    frames = []
    deadline = time.monotonic() + args.timeout
    while len(frames) < args.count and time.monotonic() < deadline:
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        except OSError as e:
            if e.errno == errno.ENETDOWN:
                continue
            raise
        if addr[0] != args.iface or addr[2] == PACKET_OUTGOING:
            continue
        frames.append((time.time(), data))

    write_pcap(args.out, [data for _, data in frames], times=[ts for ts, _ in frames])
    print(f"captured {len(frames)} frames", flush=True)


if __name__ == "__main__":
    main()
