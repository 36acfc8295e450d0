#!/usr/bin/env python3
"""A fake DPDK telemetry server (SOCK_SEQPACKET) that misbehaves in one way, for kind 6.

  fakesrv.py PATH MODE      serves until killed

MODE is one of MODES below: a greeting that is not DPDK's (silent, closed at once, garbage, a
list, 1 MB, max_output_len 10^12), or a DPDK greeting followed by bad replies (none, 1 MB, 1500
keys, nested 200000 deep, random bytes, a string, null, NaN/Infinity)."""
import json
import os
import socket
import sys
import threading
import time

GREETING = {"version": "DPDK 22.11.0", "pid": os.getpid(), "max_output_len": 16384}
SO_SNDBUFFORCE = 32
SILENT_S = 120


def _named(cmd):
    return cmd.split(",")[0]


# MODE -> reply to a command (bytes), or None to say nothing more
REPLIES = {
    "huge": lambda cmd: json.dumps({_named(cmd): {"x": "y" * 1000000}}).encode(),
    "hugevalid": lambda cmd: json.dumps({_named(cmd): {"k%d" % i: i for i in range(1500)}}).encode(),
    "deep": lambda cmd: b"[" * 200000 + b"]" * 200000,
    "garbage": lambda cmd: os.urandom(5000),
    "wrongshape": lambda cmd: json.dumps({_named(cmd): "not an object"}).encode(),
    "nulls": lambda cmd: json.dumps({_named(cmd): None}).encode(),
    "nan": lambda cmd: b'{"%s": {"rx": NaN, "tx": Infinity, "drops": -1, "classes": [1,2]}}' % _named(cmd).encode(),
    "greet_then_silent": lambda cmd: None,
}

# MODE -> (first message or None for none, stay silent after it)
GREETINGS = {
    "silent": (None, True),
    "close_at_once": (b"", False),
    "greet_bigmax": (json.dumps(dict(GREETING, max_output_len=10 ** 12)).encode(), False),
    "greet_garbage": (b"\xff\xfe not json", True),
    "greet_list": (b"[1,2,3]", False),
    "greet_huge": (b'{"x": "' + b"y" * 1000000 + b'"}', True),
}
MODES = sorted(set(REPLIES) | set(GREETINGS))


def serve(c, mode):
    with c:
        try:
            c.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 64 * 1024 * 1024)  # room for 1 MB messages (root)
        except OSError:
            pass
        first, then_silent = GREETINGS.get(mode, (json.dumps(GREETING).encode(), False))
        try:
            if first:
                c.send(first)
            if first is None or then_silent:
                time.sleep(SILENT_S)
            if first is not None and not first:
                return                       # close at once
            while not then_silent:
                cmd = c.recv(2048)
                if not cmd:
                    return
                reply = REPLIES.get(mode, REPLIES["nulls"])(cmd.decode(errors="replace"))
                if reply is None:
                    time.sleep(SILENT_S)
                    return
                c.send(reply)
        except OSError:
            return


def main(argv):
    if len(argv) != 3 or argv[2] not in MODES:
        print("usage: fakesrv.py PATH MODE (MODE: %s)" % " ".join(MODES), file=sys.stderr)
        return 2
    path, mode = argv[1], argv[2]
    if os.path.lexists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(path)
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, mode), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
