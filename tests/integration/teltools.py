"""teltools: helpers for test_telemetry.py (standard library only).

- LiveEdfpipe: edfpipe started in the background with a file prefix chosen before it starts (so a
  client can wait for it), stopped by a signal, its prefix cleaned up whatever happens;
- runners for dpdk-telemetry.py, tools/edftop, tools/edfpipe-exporter, promtool and prometheus,
  each bounded in time; a missing program fails the test with what to install;
- a parser for the Prometheus text format (pcapng files: read_pcapng, from the package's pcap).
The telemetry client is the package's (tools/edfpipe/telemetry.py), exported here as `tel`.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import edfit

SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent
TOOLS = SOURCE_ROOT / "tools"
sys.path.insert(0, str(TOOLS))
from edfpipe import telemetry as tel  # noqa: E402
from edfpipe.pcap import read_pcapng  # noqa: E402,F401

INSTALL_HINT = "install it with tools/install-deps.sh (Debian package {pkg})"


def require_program(name, pkg):
    """The absolute path of program `name`; raises AssertionError naming the package if missing."""
    path = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
    assert path, f"{name} not found on PATH: " + INSTALL_HINT.format(pkg=pkg)
    return path


def tool(name):
    path = TOOLS / name
    assert path.is_file() and os.access(path, os.X_OK), f"{path} is missing or not executable"
    return str(path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc, sig=signal.SIGTERM, timeout=10):
    """Signals a process we started (by its Popen), then kills it if it does not exit in time."""
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    try:
        proc.send_signal(sig)
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(timeout=10)


def read_text(path):
    try:
        return Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return ""


class LiveEdfpipe:
    """edfpipe in the background on a file prefix known before it starts."""

    def __init__(self, binary, mode, workdir, vdevs, args, name="live"):
        self.prefix = edfit.unique_prefix()
        self.workdir = Path(workdir)
        self.stats_path = self.workdir / f"{name}.json"
        self.out_path = self.workdir / f"{name}.stdout"
        self.err_path = self.workdir / f"{name}.stderr"
        self.cmd = edfit.Edfpipe(binary, mode, str(workdir)).command(vdevs, args, self.prefix, str(self.stats_path))
        self.proc = None
        self.rc = None
        self.stats = None

    def start(self):
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         cwd=self.workdir, start_new_session=True)
        return self

    def describe(self):
        return (f"command: {' '.join(self.cmd)}\nexit: {self.rc}\n--- stdout ---\n{read_text(self.out_path)[-3000:]}"
                f"\n--- stderr ---\n{read_text(self.err_path)[-3000:]}")

    def client(self, wait_s=20.0):
        """A telemetry client, once edfpipe's /edfpipe/* commands answer (fails if edfpipe exits first)."""
        deadline = time.monotonic() + wait_s
        while True:
            assert self.proc.poll() is None, f"edfpipe exited before its telemetry answered\n{self.describe()}"
            try:
                return tel.connect_wait(self.prefix, wait_s=0)
            except (tel.NotRunning, tel.Stopping) as e:
                assert time.monotonic() < deadline, f"telemetry did not answer within {wait_s} s: {e}\n{self.describe()}"
                time.sleep(0.05)

    def stop(self, sig=signal.SIGINT, timeout=30):
        """Sends `sig` and waits for the exit; reads the --stats-json report."""
        assert self.proc.poll() is None, f"edfpipe exited before it was stopped\n{self.describe()}"
        self.proc.send_signal(sig)
        try:
            self.rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"edfpipe did not exit within {timeout} s of signal {sig}\n{self.describe()}")
        if self.stats_path.exists():
            self.stats = json.loads(self.stats_path.read_text())
        return self.rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            edfit._kill_group(self.proc)

    def cleanup(self):
        self.kill()
        edfit.cleanup_prefix(self.prefix)


def wait_drained(client, rx_expected, timeout=30.0):
    """Polls /edfpipe/stats until rx == rx_expected and nothing is in flight; returns the stats."""
    deadline = time.monotonic() + timeout
    st = None
    while time.monotonic() < deadline:
        st = client.query("/edfpipe/stats")
        if st["rx"] == rx_expected and st["in_flight"] == 0 and st["tx"] + st["drops"] == st["rx"]:
            return st
        time.sleep(0.05)
    raise AssertionError(f"edfpipe did not take in and pass on all {rx_expected} frames within {timeout} s: {st}")


def dpdk_telemetry(prefix, commands, timeout=30):
    """Runs Debian's dpdk-telemetry.py with `commands` on stdin; returns {command: reply value}."""
    prog = require_program("dpdk-telemetry.py", "dpdk-dev")
    p = subprocess.run([sys.executable, prog, "-f", prefix], input="\n".join(commands) + "\nquit\n",
                       capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"dpdk-telemetry.py failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    lines = [ln for ln in p.stdout.splitlines() if ln.strip()]
    assert len(lines) == len(commands), f"dpdk-telemetry.py: {len(lines)} replies to {len(commands)} commands:\n{p.stdout}"
    out = {}
    for cmd, line in zip(commands, lines):
        reply = json.loads(line)
        assert len(reply) == 1, f"{cmd}: reply {reply}"
        out[cmd] = next(iter(reply.values()))
    return out


def run_tool(args, timeout=30, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kw)


class Exporter:
    """tools/edfpipe-exporter on a free loopback port (port 0; the port is read from its stderr)."""

    def __init__(self, prefix, workdir):
        self.err_path = Path(workdir) / "exporter.stderr"
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([sys.executable, tool("edfpipe-exporter"), "--file-prefix", prefix,
                                          "--listen", "127.0.0.1:0", "-v"],
                                         stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        self.port = None
        while time.monotonic() < deadline:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/metrics", read_text(self.err_path))
            if m:
                self.port = int(m.group(1))
                break
            assert self.proc.poll() is None, f"exporter exited: {read_text(self.err_path)}"
            time.sleep(0.05)
        assert self.port, f"exporter did not say where it listens: {read_text(self.err_path)}"
        self.url = f"http://127.0.0.1:{self.port}/metrics"

    def get(self, accept=None, query=""):
        req = urllib.request.Request(self.url + query, headers={"Accept": accept} if accept else {})
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.headers.get("Content-Type"), r.read().decode()

    def log(self):
        return read_text(self.err_path)

    def stop(self):
        return stop_process(self.proc)


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text / OpenMetrics samples as {(name, ((label, value), ...sorted)): float};
    also returns {family: type} from the # TYPE lines."""
    samples, types = {}, {}
    for line in text.splitlines():
        if not line or line == "# EOF":
            continue
        if line.startswith("# TYPE "):
            _, _, name, mtype = line.split(" ", 3)
            types[name] = mtype
            continue
        if line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"cannot parse metrics line: {line!r}"
        labels = tuple(sorted((k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
                              for k, v in _LABEL.findall(m.group(2) or "")))
        key = (m.group(1), labels)
        assert key not in samples, f"duplicate sample {line!r}"
        samples[key] = float(m.group(3).replace("+Inf", "inf"))
    return samples, types


def metric(samples, name, **labels):
    key = (name, tuple(sorted(labels.items())))
    assert key in samples, f"no sample {name}{labels} in the exporter's output"
    return samples[key]


class Prometheus:
    """Debian's prometheus server scraping one target every second, with its data in `workdir`."""

    def __init__(self, target, workdir):
        prog = require_program("prometheus", "prometheus")
        self.dir = Path(workdir) / "prometheus"
        self.dir.mkdir(exist_ok=True)
        cfg = self.dir / "prometheus.yml"
        cfg.write_text("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                       f"  - job_name: edfpipe\n    static_configs:\n      - targets: ['{target}']\n")
        self.port = free_port()
        self.log_path = self.dir / "prometheus.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([prog, f"--config.file={cfg}", f"--storage.tsdb.path={self.dir / 'data'}",
                                          f"--web.listen-address=127.0.0.1:{self.port}"],
                                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.api = f"http://127.0.0.1:{self.port}/api/v1"

    def get(self, path):
        with urllib.request.urlopen(self.api + path, timeout=10) as r:
            return json.loads(r.read().decode())

    def query(self, expr):
        """The instant vector of `expr` as {frozenset(labels without __name__): value}."""
        d = self.get("/query?query=" + urllib.request.quote(expr))
        assert d["status"] == "success", d
        return {frozenset((k, v) for k, v in r["metric"].items() if k != "__name__"): float(r["value"][1])
                for r in d["data"]["result"]}

    def wait_for(self, expr, accept, timeout=45.0):
        """Polls query(expr) until accept(result) is true; returns the result. Prometheus syncs its
        targets about 5 s after start, then scrapes every second."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"prometheus exited:\n{read_text(self.log_path)[-3000:]}"
            try:
                last = self.query(expr)
                if accept(last):
                    return last
            except OSError as e:  # not listening yet
                last = e
            time.sleep(0.5)
        raise AssertionError(f"prometheus: {expr} did not reach the expected value within {timeout} s "
                             f"(last: {last})\n{read_text(self.log_path)[-2000:]}")

    def stop(self):
        return stop_process(self.proc, timeout=20)
