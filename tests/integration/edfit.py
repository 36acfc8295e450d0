"""edfit: helpers for edfpipe's integration tests (standard library only).

- the checks on what edfpipe forwarded, on frames built and parsed by the package in tools/edfpipe
  (frames: the payload tag, checksums from scratch; pcap: the reader), re-exported here as
  read_pcap, parse_udp, udp_checksum, udp_checksum_verifies,
- a runner that starts edfpipe on DPDK vdevs with a unique --file-prefix, a timeout, and cleans up
  its runtime directory (<runtime dir>/dpdk/<prefix>) and /dev/hugepages/<prefix>* whatever happens,
- the accounting invariant as one function every test calls on the JSON report.
"""
import glob
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from edfpipe import profile  # noqa: E402
from edfpipe.frames import parse_udp, udp_checksum, udp_checksum_verifies  # noqa: E402,F401
from edfpipe.pcap import read_pcap  # noqa: E402,F401
from edfpipe.telemetry import runtime_dir  # noqa: E402

# Drop reasons every report must have (edfpipe may add more: checks below sum over whatever the
# report lists). Parse reasons have no class; the four "class-only" ones need one.
DROP_REASONS = ["runt", "not_ip", "bad_ipv4_header", "bad_ipv4_checksum", "bad_ipv4_length",
                "bad_ipv6_header", "bad_ipv6_length", "ipv6_ext_header", "ipv6_ext_chain",
                "fragment", "not_udp", "bad_udp_length", "bad_udp_checksum", "segmented", "rx_ring_full", "expired",
                "tx_ring_full", "tx_failed", "shutdown"]
# Frame kinds counted per packet that entered a class (rx_by_kind in the report, rx_kind_* in telemetry).
FRAME_KINDS = ["udp4", "udp6", "arp", "lldp", "icmp4", "icmp6", "tcp4", "tcp6", "ip4_other", "ip6_other",
               "fragment", "other"]
# Parse reasons under which well-formed frames that are not UDP over IP are counted when
# other_traffic = drop (otherwise they pass through the other-traffic class).
OTHER_TRAFFIC_REASONS = ["not_ip", "not_udp", "fragment", "ipv6_ext_header"]
PARSE_REASONS = DROP_REASONS[:DROP_REASONS.index("rx_ring_full")]
CLASS_REASONS = DROP_REASONS[DROP_REASONS.index("rx_ring_full"):]  # after parsing (class or shutdown)
CLASS_ONLY_REASONS = ["rx_ring_full", "expired", "tx_ring_full", "tx_failed"]
# Names DPDK gives the threads of worker lcores: "rte-worker-N" in 22.11.11, "lcore-worker-N" in
# earlier 22.11 releases. alloc_counter.c counts allocations on threads named so.
WORKER_THREAD_PREFIXES = ("rte-worker", "lcore-worker")


def __getattr__(name):
    # DEFAULT_PORT_MAP: the built-in profile's [fwd] udp_port_map as {in: out} (every other port
    # unchanged), read from `edfpipe -- --dump-profile` when a test first asks for it.
    if name == "DEFAULT_PORT_MAP":
        return profile.builtin().port_map_dict()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --idle-exit for runs that must read a whole pcap: long enough that a machine hiccup (a worker
# lcore held off its CPU for a few hundred ms has been seen on these shared 2-vCPU machines) does
# not end the run early, short enough to keep the suite quick.
IDLE_EXIT_MS = "1000"


# ---------------------------------------------------------------- frames

def frames_by_seq(frames):
    """{seq: frame} for the tagged valid frames among `frames` (tagged malformed ones included)."""
    out = {}
    for fr in frames:
        u = parse_udp(fr)
        if u is not None and u.seq is not None:
            out[u.seq] = fr
    return out


def check_forwarded(in_frames, manifest, out_frames, port_map):
    """Every valid input frame (manifest["packets"]) left exactly once, byte-identical to its input
    except for the UDP destination port, rewritten by `port_map` ({in: out}, others unchanged), and
    the UDP checksum, which must equal one computed from scratch. Nothing else left."""
    inputs = frames_by_seq(in_frames)
    expected = {p["seq"]: p for p in manifest["packets"]}
    seen = {}
    for fr in out_frames:
        u = parse_udp(fr)
        assert u is not None and u.seq is not None, f"output frame is not a tagged UDP frame: {fr[:64].hex()}"
        assert u.seq in expected, f"output frame seq {u.seq} is not a valid input frame (malformed frame leaked?)"
        assert u.seq not in seen, f"frame seq {u.seq} sent twice"
        seen[u.seq] = True
        src, want = inputs[u.seq], expected[u.seq]
        assert len(fr) == len(src) == want["len"], f"seq {u.seq}: length {len(fr)}, input {len(src)}"
        assert u.dport == port_map.get(want["dst_port"], want["dst_port"]), \
            f"seq {u.seq} ({want['class']}): dst port {want['dst_port']} -> {u.dport}"
        # Only the destination port and checksum may differ; the rest, VLAN tag included, is untouched.
        allowed = {u.l4 + 2, u.l4 + 3, u.l4 + 6, u.l4 + 7}
        if fr != src:
            diff = {i for i in range(len(fr)) if fr[i] != src[i]}
            assert diff <= allowed, f"seq {u.seq}: bytes {sorted(diff - allowed)[:10]} changed"
        assert u.checksum != 0, f"seq {u.seq}: checksum became 0 (means 'no checksum' in IPv4)"
        assert udp_checksum_verifies(fr, u), f"seq {u.seq}: UDP checksum {u.checksum:#06x} does not verify"
        assert u.checksum == udp_checksum(fr, u), \
            f"seq {u.seq}: checksum {u.checksum:#06x}, recomputed {udp_checksum(fr, u):#06x}"
    missing = sorted(set(expected) - set(seen))
    assert not missing, f"{len(missing)} valid frames never left: {missing[:20]}"


def out_classes(frames):
    """[(seq, class name)] of the tagged frames, in order."""
    res = []
    for fr in frames:
        u = parse_udp(fr)
        assert u is not None and u.seq is not None, f"output frame is not a tagged UDP frame: {fr[:64].hex()}"
        res.append((u.seq, u.cls))
    return res


# ---------------------------------------------------------------- running edfpipe

_prefix_counter = itertools.count()


def unique_prefix() -> str:
    return f"edfit{os.getpid()}_{next(_prefix_counter)}"


def cleanup_prefix(prefix: str):
    shutil.rmtree(runtime_dir(prefix), ignore_errors=True)
    for p in glob.glob(f"/dev/hugepages/{prefix}*"):
        try:
            os.unlink(p)
        except OSError:
            pass


@dataclass
class Result:
    cmd: list
    rc: int
    stdout: str
    stderr: str
    elapsed: float                 # seconds from start to exit
    stats: Optional[dict] = None   # the --stats-json report, when written
    extra: dict = field(default_factory=dict)

    def describe(self) -> str:
        return (f"command: {' '.join(self.cmd)}\nexit: {self.rc}\n--- stdout ---\n{self.stdout[-4000:]}"
                f"\n--- stderr ---\n{self.stderr[-4000:]}")


@dataclass
class Mode:
    """How EAL gets memory: `--no-huge -m 512`, or hugepages with `--in-memory` and a small pool."""
    name: str
    eal: list
    app: list


NOHUGE = Mode("nohuge", ["--no-huge", "-m", "512"], [])
HUGEPAGES = Mode("hugepages", ["--in-memory"], ["--mbufs", "4095"])


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


class Edfpipe:
    """Starts edfpipe with [mode EAL args, --no-pci, -l 0-1, --file-prefix, vdevs] -- [mode app args, args]."""

    def __init__(self, binary: str, mode: Mode, workdir: str):
        self.binary = binary
        self.mode = mode
        self.workdir = workdir
        self._n = itertools.count()

    def command(self, vdevs, args, prefix, stats_path=None):
        cmd = [self.binary, *self.mode.eal, "--no-pci", "-l", "0-1", "--file-prefix", prefix]
        for v in vdevs:
            cmd += ["--vdev", v]
        cmd += ["--", *self.mode.app, *args]
        if stats_path:
            cmd += ["--stats-json", stats_path]
        return cmd

    def run(self, vdevs, args, timeout=60, env=None, stats=True, send_signal=None, ready_text=None,
            signal_delay=1.0, while_running=None) -> Result:
        """Runs to completion (or kills it after `timeout` s and fails). With send_signal, waits for
        `ready_text` on stdout/stderr, then `signal_delay` s, then sends the signal; the time from the
        signal to exit is in result.extra['after_signal_s']. `while_running(pid)` is called just before
        the signal; what it returns is in result.extra['while_running']."""
        n = next(self._n)
        prefix = unique_prefix()
        stats_path = os.path.join(self.workdir, f"stats{n}.json") if stats else None
        out_path = os.path.join(self.workdir, f"stdout{n}.txt")
        err_path = os.path.join(self.workdir, f"stderr{n}.txt")
        cmd = self.command(vdevs, args, prefix, stats_path)
        full_env = dict(os.environ)
        full_env.update(env or {})
        extra = {}
        start = time.monotonic()
        try:
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                        env=full_env, cwd=self.workdir, start_new_session=True)
                try:
                    if send_signal is not None:
                        self._wait_for_text(proc, [out_path, err_path], ready_text, start + timeout)
                        time.sleep(signal_delay)
                        if while_running is not None:
                            extra["while_running"] = while_running(proc.pid)
                        if proc.poll() is not None:
                            raise AssertionError(f"edfpipe exited (rc {proc.returncode}) before the signal was sent")
                        extra["signal_sent_at"] = time.monotonic()
                        proc.send_signal(send_signal)
                    rc = proc.wait(timeout=max(1.0, start + timeout - time.monotonic()))
                except subprocess.TimeoutExpired:
                    _kill_group(proc)
                    raise AssertionError(f"edfpipe did not exit within {timeout} s and was killed: {' '.join(cmd)}"
                                         f"\n{_tail(out_path)}\n{_tail(err_path)}")
                except BaseException:
                    _kill_group(proc)
                    raise
            end = time.monotonic()
            if "signal_sent_at" in extra:
                extra["after_signal_s"] = end - extra.pop("signal_sent_at")
        finally:
            cleanup_prefix(prefix)
        res = Result(cmd, rc, _read(out_path), _read(err_path), end - start, None, extra)
        if stats_path and os.path.exists(stats_path):
            with open(stats_path) as f:
                try:
                    res.stats = json.load(f)
                except json.JSONDecodeError as e:
                    raise AssertionError(f"--stats-json wrote invalid JSON ({e}):\n{res.describe()}")
        res.extra["prefix"] = prefix
        return res

    @staticmethod
    def _wait_for_text(proc, paths, text, deadline):
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"edfpipe exited (rc {proc.returncode}) before it was ready:\n"
                                     + "\n".join(_tail(p) for p in paths))
            if text is None or any(text in _read(p) for p in paths):
                return
            time.sleep(0.02)
        raise AssertionError(f"edfpipe did not print {text!r} in time")


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


def _tail(path, n=3000):
    return f"--- {os.path.basename(path)} ---\n" + _read(path)[-n:]


def run_cli(binary, args, timeout=20):
    """Runs edfpipe for an option/profile check that must not start EAL. EAL arguments with a
    fresh prefix are passed anyway, so that a run that wrongly starts EAL leaves evidence."""
    prefix = unique_prefix()
    cmd = [binary, "--no-huge", "-m", "64", "--no-pci", "-l", "0-1", "--file-prefix", prefix, "--", *args]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        started_eal = os.path.exists(runtime_dir(prefix))
    finally:
        cleanup_prefix(prefix)
    res = Result(cmd, p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"), 0.0)
    res.extra["started_eal"] = started_eal or "EAL:" in res.stdout + res.stderr
    return res


# ---------------------------------------------------------------- the accounting invariant

def check_accounting(st: dict, ctx: str = ""):
    """rx = tx + drops, in_flight 0, every drop under one reason, per class and in total, every
    mbuf back in its pool. Raises AssertionError naming the first broken equation."""
    where = f" ({ctx})" if ctx else ""
    assert st["in_flight"] == 0, f"in_flight {st['in_flight']} after shutdown{where}"
    assert st["rx"] == st["tx"] + st["drops"], f"rx {st['rx']} != tx {st['tx']} + drops {st['drops']}{where}"
    reasons = list(st["drops_by_reason"])
    assert set(DROP_REASONS) <= set(reasons), f"drop reasons {reasons} lack {set(DROP_REASONS) - set(reasons)}{where}"
    assert sum(st["drops_by_reason"].values()) == st["drops"], f"drops_by_reason does not add up to drops{where}"
    assert sum(c["tx"] for c in st["classes"]) == st["tx"], f"class tx does not add up to tx{where}"
    for c in st["classes"]:
        assert list(c["drops_by_reason"]) == reasons, f"class {c['name']} lists other drop reasons{where}"
    # Drops without a class: malformed frames, frames still unparsed on an RX input at stop, ...
    no_class = {r: st["drops_by_reason"][r] - sum(c["drops_by_reason"][r] for c in st["classes"]) for r in reasons}
    if "no_class_drops" in st:
        assert st["no_class_drops"] == no_class, \
            f"no_class_drops {st['no_class_drops']} != totals less class drops {no_class}{where}"
    for r, n in no_class.items():
        assert n >= 0, f"classes count more {r} drops than the total{where}"
        assert n == 0 or r not in CLASS_ONLY_REASONS, f"{n} {r} drops without a class{where}"
    assert sum(c["rx"] for c in st["classes"]) + sum(no_class.values()) == st["rx"], \
        f"class rx + class-less drops != rx{where}"
    for c in st["classes"]:
        n = c["name"]
        assert sum(c["drops_by_reason"].values()) == c["drops"], f"class {n}: drops_by_reason != drops{where}"
        assert all(c["drops_by_reason"][r] == 0 for r in PARSE_REASONS), \
            f"class {n} counts parse drops, which have no class{where}"
        assert c["rx"] == c["tx"] + c["drops"], f"class {n}: rx {c['rx']} != tx {c['tx']} + drops {c['drops']}{where}"
        assert c["latency_ns"]["count"] == c["tx"], f"class {n}: latency count != tx{where}"
    if "ports" in st:  # the NIC's own counters agree with edfpipe's
        assert sum(p["ipackets"] for p in st["ports"]) == st["rx"], f"NIC ipackets != rx{where}"
        assert sum(p["opackets"] for p in st["ports"]) == st["tx"], f"NIC opackets != tx{where}"
    assert st["mempools"], f"no mempool reported{where}"
    for p in st["mempools"]:
        assert p["available"] == p["size"], f"mempool {p['name']}: {p['available']} of {p['size']} mbufs back{where}"


def check_read_all(res: Result, n_frames: int):
    """The run read its whole (finite) pcap: otherwise --idle-exit ended it early, which happens
    only when the worker lcore made no progress for IDLE_EXIT_MS -- say so rather than report a
    confusing count mismatch further on."""
    rx = res.stats["rx"]
    assert rx == n_frames, (
        f"edfpipe received {rx} of the {n_frames} frames of its pcap before stopping"
        + (" (--idle-exit fired: the worker lcore made no progress for the whole idle period; "
           "a stalled machine or a stuck lcore)" if "stopping" in res.stdout + res.stderr else "")
        + f"\n{res.describe()}")


def by_class(st: dict) -> dict:
    return {c["name"]: c for c in st["classes"]}
