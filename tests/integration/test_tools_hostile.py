"""edftop and the exporter against a telemetry server that answers nonsense.

A fake DPDK telemetry server (a SOCK_SEQPACKET socket that greets like DPDK's) answers every
command with one kind of bad reply: invalid JSON, bytes that are not UTF-8, JSON of the wrong
shape, objects with strings where numbers belong, objects that lack the fields edfpipe sends. The
clients must print one line naming what is wrong and exit 1 (edftop), or report edfpipe_up 0
(exporter) -- never a Python traceback.
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent.parent / "tools"

REPLIES = {
    "invalid_json": lambda cmd: b"{not json",
    "not_utf8": lambda cmd: b"\xff\xfe\x00",
    "empty_object": lambda cmd: b"{}",
    "list": lambda cmd: b"[1, 2]",
    "wrong_shape": lambda cmd: json.dumps({cmd.split(",")[0]: [1, 2, 3]}).encode(),
    "strings": lambda cmd: json.dumps({cmd.split(",")[0]: {"running": "yes", "rx": "x", "high": "a"}}).encode(),
    "missing_fields": lambda cmd: json.dumps(
        {cmd.split(",")[0]: {"high": {"index": 0}} if "classes" in cmd else {}}).encode(),
    "deep_nesting": lambda cmd: b"[" * 5000 + b"]" * 5000,
    "too_long": lambda cmd: json.dumps({cmd.split(",")[0]: {"x": "y" * 100000}}).encode(),
    "huge_numbers": lambda cmd: json.dumps(
        {cmd.split(",")[0]: {"high": {"index": "1e999"}} if "classes" in cmd else {"rx": 1e308 * 10}}).encode(),
}


# Greetings (the first message of a connection) that are not DPDK's.
GREETINGS = {
    "silent": None,                     # accepts, then says nothing
    "closes": b"",                      # accepts and closes at once
    "not_json": b"\xff\xfe not json",
    "huge_max_output_len": json.dumps({"version": "x", "pid": 1, "max_output_len": 10 ** 12}).encode(),
    "list": b"[1, 2, 3]",
}


class FakeServer:
    def __init__(self, path, kind, greeting=json.dumps({"version": "DPDK 22.11.11", "pid": os.getpid(),
                                                        "max_output_len": 16384}).encode()):
        self.greeting = greeting
        self.path, self.kind = path, kind
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.bind(path)
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        with c:
            try:
                if self.greeting is None:
                    time.sleep(30)
                    return
                if not self.greeting:
                    return
                c.send(self.greeting)
                while True:
                    cmd = c.recv(1024).decode(errors="replace")
                    if not cmd:
                        return
                    c.send(REPLIES.get(self.kind, REPLIES["invalid_json"])(cmd))
            except OSError:
                return

    def close(self):
        self.stop = True
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(params=sorted(REPLIES))
def server(request, tmp_path):
    s = FakeServer(str(tmp_path / "tel.sock"), request.param)
    yield s
    s.close()


def _no_traceback(p, what):
    out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
    assert "Traceback" not in out, f"{what}:\n{out[-3000:]}"
    return out


@pytest.mark.parametrize("args", [["--once", "-n", "0"], ["--once", "-n", "0", "--json"], ["--once", "-n", "0.2"]],
                         ids=["once", "once-json", "once-rates"])
def test_edftop_once_says_what_is_wrong(server, args):
    p = subprocess.run([sys.executable, str(TOOLS / "edftop"), "--socket", server.path, *args],
                       capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    out = _no_traceback(p, server.kind)
    assert p.returncode == 1, out
    assert p.stderr.decode().startswith("edftop: "), out
    assert len(p.stderr.decode().strip().splitlines()) == 1, out


def test_edftop_live_says_what_is_wrong(server):
    p = subprocess.run([sys.executable, str(TOOLS / "edftop"), "--socket", server.path, "--json", "-n", "0.2"],
                       capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    out = _no_traceback(p, server.kind)
    assert p.returncode == 1, out


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_exporter_reports_down(server):
    port = _free_port()
    exp = subprocess.Popen([sys.executable, str(TOOLS / "edfpipe-exporter"), "--socket", server.path,
                            "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        body = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    body = r.read().decode()
            except OSError:
                time.sleep(0.1)
        assert body is not None, "the exporter never answered"
        assert "edfpipe_up 0" in body, body[:2000]
    finally:
        exp.terminate()
        out, err = exp.communicate(timeout=10)
    assert b"Traceback" not in out + err, (out + err).decode(errors="replace")[-3000:]


@pytest.mark.parametrize("greeting", sorted(GREETINGS))
def test_edftop_bad_greeting(tmp_path, greeting):
    s = FakeServer(str(tmp_path / "tel.sock"), "invalid_json", GREETINGS[greeting])
    try:
        p = subprocess.run([sys.executable, str(TOOLS / "edftop"), "--socket", s.path, "--once", "-n", "0",
                            "--timeout", "1"], capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    finally:
        s.close()
    out = _no_traceback(p, greeting)
    assert p.returncode == 1, out
    assert len(p.stderr.decode().strip().splitlines()) == 1, out
    if greeting == "silent":
        assert "sent no greeting" in out, out  # not "closed the connection at once"


@pytest.mark.parametrize("kind", ["regular file", "directory", "FIFO"])
def test_edftop_socket_path_that_is_not_a_socket(tmp_path, kind):
    path = tmp_path / "not.sock"
    if kind == "regular file":
        path.write_text("x")
    elif kind == "directory":
        path.mkdir()
    else:
        os.mkfifo(path)
    p = subprocess.run([sys.executable, str(TOOLS / "edftop"), "--socket", str(path), "--once"],
                       capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    out = _no_traceback(p, kind)
    assert p.returncode == 1, out
    assert f"is not a socket (a {kind})" in out, out
