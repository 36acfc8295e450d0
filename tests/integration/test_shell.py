"""The interactive shell (`edfpipe ... -- -i`), driven while traffic flows.

Two ways in, as an operator uses it: a script on stdin (`-i < script`, with `sleep` between
commands, read with `clear stats` / `show stats`), and a pipe that this test writes one command at a
time, waiting for the reply and reading DPDK telemetry (/edfpipe/classes, /edfpipe/stats,
/edfpipe/config) between commands.

Every input is a pcap replayed forever (infinite_rx=1) into port 0 and sent to port 1, a net_null
sink outside the portmask (TX only). The properties checked do not depend on the machine's speed:

- DRR shares: two classes of 1000-byte frames, both backlogged behind a rate limit on port 1
  (tx_ring_full drops in both during the window prove it). Backlogged DRR sends exactly
  quantum/1000 frames of each per round, so the byte ratio follows the quanta (1:1, then 3:1)
  whatever the speed; a stall only pauses the rounds. +-25% covers the window edges.
- Rate: a token bucket never sends more than rate * t + its burst, however fast the machine; a
  doubled rate must send more than the old rate ever could in the same window.
- Budgets: with `set processing spin 200000 0` every packet spends at least 200 us in EDF, so with
  a 100 us budget every packet sent misses its deadline, and with a 10 s budget none can.
- stop/start: once `stop` is acknowledged, no packet is classified until `start`.
- Refusals: bad values, unknown classes, ports that transmit nothing and malformed commands print a
  message; `show config` and /edfpipe/config are the same before and after.
- `save config` writes what `--dump-profile` reads back as `show config`; end of input and `quit`
  end the run with exit 0 and exact accounting.
Two tests pin down bugs found while writing these, now fixed: an over-long line ran cut short; a
quantum change refilled the token buckets.
- `save config` never blocks the control loop: a FIFO nobody reads, a directory, /dev/null and links
  to them are refused with a message naming the path, and SIGTERM still stops the run; a missing or
  read-only directory says why; an existing file is replaced by a rename (its other hard link keeps
  the old content), a link's target is replaced and the link kept.
- Input that is not a terminal is read as plain lines, not through DPDK's line editor: `?`, TAB,
  Ctrl-D and ESC are not editing keys, a line with a control character is refused, stdout holds no
  escape codes. On a terminal the line editor stays (TAB completes).
Windows start 300 ms after a change is acknowledged, long enough for packets received under the
old configuration (at most a 64-entry ring at 200 us each) to leave.
"""
import configparser
import itertools
import json
import os
import pty
import select
import signal
import stat
import subprocess
import threading
import time

import pytest

import edfit
from edfpipe import telemetry as edftel  # edfit puts tools/ on sys.path

PROMPT = "edfpipe> "
REFUSALS = ("error:", "Bad arguments", "Command not found")
FRAME = 1000                 # bytes, every frame of the DRR / stop-start traffic
SETTLE_S = 0.3               # after an acknowledged change, before a window starts
WINDOW_S = 0.8
RATE_BPS = 20_000_000        # 2,500 frames/s of 1000 bytes
RATE_BURST = 65536           # port 1's bucket: rides out a 26 ms preemption at 20 Mbit/s
SLOW_RATE_BPS = 1_000_000    # 125 frames/s: a full 64-frame TX ring takes half a second to leave
MIN_FRAMES = 200             # a window at RATE_BPS holds ~2,000: fewer means the lcore barely ran
SPIN_NS = 200_000            # `set processing spin`: 200 us per packet
BIG_BUDGET_US = 10_000_000   # 10 s: no packet of a <= 5 s run can miss it
SMALL_BUDGET_US = 100        # below SPIN_NS: every packet processed misses it

# Small rings for the two classes in use: backlog builds (and drains) in milliseconds, and the
# hugepage mode's 4095-mbuf pool holds them easily.
SMALL_RINGS = [a for c in ("high", "low") for a in ("--set", f"class {c}.rx_ring=64", "--set", f"class {c}.tx_ring=64")]
TX_ONLY_SINK = ["--portmask", "0x1", "--set", "port 0.tx_port=1", "--drain-ms", "100"]


# ---------------------------------------------------------------- helpers

_run_number = itertools.count()  # names each run's files in the module's work directory


class Telemetry:
    """The package's telemetry client (tools/edfpipe/telemetry.py) on a shell run's file prefix."""

    def __init__(self, prefix, timeout=5.0):
        try:
            self.client = edftel.connect_wait(prefix, timeout=timeout, wait_s=timeout, poll_s=0.05)
        except edftel.TelemetryError as e:
            raise AssertionError(f"no telemetry from file prefix {prefix}: {e}") from None

    def query(self, cmd):
        return self.client.query(cmd)

    def sample(self):
        """Class counters and totals. The classes were read at an uptime between t_lo and t_hi (s):
        /edfpipe/stats, read before and after them, gives both."""
        before = self.query("/edfpipe/stats")
        classes = self.query("/edfpipe/classes")
        stats = self.query("/edfpipe/stats")
        return {"t_lo": before["uptime_ms"] / 1000.0, "t_hi": (stats["uptime_ms"] + 1) / 1000.0,
                "classes": classes, "stats": stats}

    def close(self):
        self.client.close()


def window(tel, seconds=WINDOW_S):
    """Counter deltas over about `seconds`: {"dt": s, "stats": {...}, "<class>": {...}, "after": sample}.
    dt is an upper bound of the time between the two readings of the class counters."""
    a = tel.sample()
    time.sleep(seconds)
    b = tel.sample()
    d = {"dt": b["t_hi"] - a["t_lo"], "stats": {k: b["stats"][k] - a["stats"][k] for k in b["stats"]}}
    for name, c in b["classes"].items():
        d[name] = {k: v - a["classes"][name][k] for k, v in c.items() if isinstance(v, int)}
    d["after"] = b
    return d


class Shell:
    """edfpipe -i with stdin a pipe: cmd() writes one line and returns what it printed."""

    def __init__(self, edfpipe, vdevs, args, timeout=30):
        self.edfpipe = edfpipe
        self.prefix = edfit.unique_prefix()
        n = next(_run_number)
        self.stats_path = os.path.join(edfpipe.workdir, f"shell_stats{n}.json")
        self.err_path = os.path.join(edfpipe.workdir, f"shell_stderr{n}.txt")
        self.cmdline = edfpipe.command(vdevs, ["-i", *args], self.prefix, self.stats_path)
        self.deadline = time.monotonic() + timeout
        self.out = bytearray()
        self.cond = threading.Condition()
        self.tel = None
        self.start = time.monotonic()
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(self.cmdline, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                         cwd=edfpipe.workdir, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        try:
            self._wait_for(PROMPT, 0)
            self.tel = Telemetry(self.prefix)
        except BaseException:
            self.kill()
            raise

    def _read(self):
        while True:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            with self.cond:
                if not chunk:
                    self.cond.notify_all()
                    return
                self.out += chunk
                self.cond.notify_all()

    def text(self):
        with self.cond:
            return self.out.decode(errors="replace")

    def _wait_for(self, what, start, timeout=None):
        deadline = self.deadline if timeout is None else min(self.deadline, time.monotonic() + timeout)
        with self.cond:
            while True:
                i = self.out.find(what.encode(), start)
                if i >= 0:
                    return i
                if self.proc.poll() is not None and not self.reader.is_alive():
                    raise AssertionError(f"edfpipe exited (rc {self.proc.returncode}) waiting for {what!r}\n"
                                         + self.describe())
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {what!r} from the shell in time\n" + self.describe())
                self.cond.wait(min(left, 0.1))

    def cmd(self, line, timeout=None):
        """Sends `line`; returns its output (without the echoed line and the next prompt). With
        `timeout`, fails if the reply takes longer than that many seconds."""
        with self.cond:
            start = len(self.out)
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise AssertionError(f"edfpipe closed its input before {line!r}\n" + self.describe()) from None
        end = self._wait_for(PROMPT, start, timeout)
        with self.cond:
            reply = self.out[start:end].decode(errors="replace")
        echo, _, output = reply.partition("\n")
        return output

    def describe(self):
        return (f"command: {' '.join(self.cmdline)}\n--- stdout ---\n{self.out.decode(errors='replace')[-4000:]}"
                f"\n--- stderr ---\n{edfit._read(self.err_path)[-3000:]}")

    def finish(self, send=None, close_stdin=True):
        """Ends the run: writes `send`, closes stdin (end of input) if asked, waits for the exit."""
        if self.tel:
            self.tel.close()
            self.tel = None
        try:
            if send:
                self.proc.stdin.write(send.encode())
                self.proc.stdin.flush()
            if close_stdin:
                self.proc.stdin.close()
            rc = self.proc.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("edfpipe did not exit in time after the shell's end\n" + self.describe())
        finally:
            edfit.cleanup_prefix(self.prefix)
        self.reader.join(timeout=5)
        res = edfit.Result(self.cmdline, rc, self.text(), edfit._read(self.err_path), time.monotonic() - self.start)
        if os.path.exists(self.stats_path):
            with open(self.stats_path) as f:
                res.stats = json.load(f)
        if not self.proc.stdin.closed:
            self.proc.stdin.close()
        return res

    def kill(self):
        edfit._kill_group(self.proc)
        edfit.cleanup_prefix(self.prefix)


def run_script(edfpipe, vdevs, args, lines, timeout=30, raw=None, pipe=False):
    """edfpipe -i < script: returns the Result; the transcript is in .stdout, the bytes edfpipe
    wrote in .extra["stdout_bytes"]. `raw` (bytes) is the script as is, instead of `lines`; with
    `pipe`, it is written into a pipe rather than read from a file."""
    n = next(_run_number)
    script = os.path.join(edfpipe.workdir, f"shell_script{n}.txt")
    data = raw if raw is not None else "".join(line + "\n" for line in lines).encode()
    with open(script, "wb") as f:
        f.write(data)
    prefix = edfit.unique_prefix()
    stats_path = os.path.join(edfpipe.workdir, f"shell_stats{n}.json")
    cmd = edfpipe.command(vdevs, ["-i", *args], prefix, stats_path)
    start = time.monotonic()
    try:
        if pipe:
            p = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout, cwd=edfpipe.workdir,
                               start_new_session=True)
        else:
            with open(script, "rb") as stdin:
                p = subprocess.run(cmd, stdin=stdin, capture_output=True, timeout=timeout, cwd=edfpipe.workdir,
                                   start_new_session=True)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"edfpipe -i {'<<<' if pipe else '<'} {script} did not exit within {timeout} s")
    finally:
        edfit.cleanup_prefix(prefix)
    res = edfit.Result(cmd, p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"),
                       time.monotonic() - start)
    res.extra["stdout_bytes"] = p.stdout
    if os.path.exists(stats_path):
        with open(stats_path) as f:
            res.stats = json.load(f)
    return res


def transcript(stdout):
    """[(command, output)] from a scripted shell's stdout: each prompt is followed by the echoed
    command line (control characters written as \\xNN), then what the command printed."""
    pieces = stdout.split(PROMPT)[1:]
    out = []
    for p in pieces:
        cmd, _, text = p.partition("\n")
        out.append((cmd.rstrip("\r"), text))
    return out


def replies(res, command):
    """Outputs of every run of `command` in a scripted run, in order."""
    return [text for cmd, text in transcript(res.stdout) if cmd == command]


def table_row(show_stats_output, name):
    """A class row of `show stats`: counters, p50 and the drop reasons, as a dict."""
    for line in show_stats_output.splitlines():
        f = line.split()
        if f and f[0] == name:
            drops = {}
            for item in f[11:]:
                if "=" in item:
                    k, v = item.split("=")
                    drops[k] = int(v)
            return {"rx": int(f[1]), "tx": int(f[2]), "drops": int(f[3]), "late": int(f[4]), "miss": int(f[5]),
                    "p50_us": None if f[6] == "-" else float(f[6]), "by_reason": drops}
    raise AssertionError(f"no row {name!r} in:\n{show_stats_output}")


def ini(text):
    cp = configparser.ConfigParser(interpolation=None)
    cp.read_string(text)
    return {s: dict(cp[s]) for s in cp.sections()}


def assert_ok(reply, what):
    assert reply.startswith("ok: "), f"{what}: not acknowledged: {reply!r}"


def assert_refused(reply, what):
    assert any(r in reply for r in REFUSALS), f"{what!r} was not refused with a message: {reply!r}"
    assert "ok:" not in reply, f"{what!r} was refused and acknowledged: {reply!r}"


# ---------------------------------------------------------------- traffic

@pytest.fixture(scope="module")
def two_equal_classes(make_pcap):
    """high and low, half each, every frame FRAME bytes, forwarded from port 0 to the sink port 1."""
    pcap, manifest = make_pcap("--count", 200, "--mix", "high=1,low=1", "--min-size", FRAME,
                               "--max-size", FRAME, "--seed", 61)
    assert {p["len"] for p in manifest["packets"]} == {FRAME}
    assert manifest["classes"]["high"] > 0 and manifest["classes"]["low"] > 0
    return [f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "net_null0"]


@pytest.fixture(scope="module")
def high_only(make_pcap):
    pcap, manifest = make_pcap("--count", 100, "--mix", "high=1", "--min-size", 200, "--max-size", 200, "--seed", 62)
    assert manifest["classes"]["high"] == 100
    return [f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "net_null0"]


# ---------------------------------------------------------------- DRR quanta and rate, through a pipe

@pytest.fixture(scope="module")
def drr_rate_run(edfpipe, two_equal_classes):
    args = [*TX_ONLY_SINK, *SMALL_RINGS, "--rate", f"1:{RATE_BPS}", "--set", f"port 1.rate_burst_bytes={RATE_BURST}"]
    sh = Shell(edfpipe, two_equal_classes, args)
    run = {"replies": {}}
    try:
        def step(line):
            run["replies"][line] = sh.cmd(line)
            time.sleep(SETTLE_S)

        step("set class high quantum 1000")
        step("set class low quantum 1000")
        run["equal"] = window(sh.tel)
        step("set class low quantum 3000")
        run["three_to_one"] = window(sh.tel)
        run["classes_after_quanta"] = sh.tel.query("/edfpipe/classes")
        step("set port 1 rate 40000000")
        run["double_rate"] = window(sh.tel)
        run["show_port"] = sh.cmd("show port 1")
        step("set port 1 rate off")
        run["no_rate"] = window(sh.tel, 0.5)
    except BaseException:
        sh.kill()
        raise
    run["result"] = sh.finish()
    return run


def test_quantum_and_rate_commands_acknowledged(drr_rate_run):
    r = drr_rate_run["replies"]
    assert_ok(r["set class high quantum 1000"], "set class high quantum 1000")
    assert "[class high] quantum_bytes = 1000" in r["set class high quantum 1000"]
    assert_ok(r["set class low quantum 3000"], "set class low quantum 3000")
    assert_ok(r["set port 1 rate 40000000"], "set port 1 rate 40000000")
    assert "[port 1] rate_bps = 40000000" in r["set port 1 rate 40000000"]
    assert_ok(r["set port 1 rate off"], "set port 1 rate off")
    assert "[port 1] rate_bps = 0" in r["set port 1 rate off"]
    # Telemetry shows the running profile, the shell's `show port` too.
    cls = drr_rate_run["classes_after_quanta"]
    assert (cls["high"]["quantum_bytes"], cls["low"]["quantum_bytes"]) == (1000, 3000), cls
    assert cls["medium"]["quantum_bytes"] == cls["best_effort"]["quantum_bytes"] == 4096, cls
    assert "rate_bps 40000000" in drr_rate_run["show_port"], drr_rate_run["show_port"]


def backlogged_share(w, what):
    """low/high byte ratio of a window in which both classes stayed backlogged."""
    for name in ("high", "low"):
        assert w[name]["drops_tx_ring_full"] > 0, f"{what}: {name} never filled its TX ring: not backlogged ({w})"
        assert w[name]["tx_bytes"] == w[name]["tx"] * FRAME, f"{what}: {name} sent frames of another size"
    frames = w["high"]["tx"] + w["low"]["tx"]
    assert frames >= MIN_FRAMES, (f"{what}: only {frames} frames left in {w['dt']:.2f} s at {RATE_BPS} bit/s: the "
                                  f"worker lcore barely ran (machine stalled?); too few to measure a share")
    return w["low"]["tx_bytes"] / max(w["high"]["tx_bytes"], 1)


def test_equal_quanta_share_equally(drr_rate_run):
    share = backlogged_share(drr_rate_run["equal"], "quanta 1000:1000")
    assert 0.75 <= share <= 1.25, f"quanta 1000:1000: low/high tx_bytes = {share:.2f}, expected 1 (+-25%)"


def test_new_quanta_move_the_share(drr_rate_run):
    share = backlogged_share(drr_rate_run["three_to_one"], "quanta 3000:1000")
    assert 2.25 <= share <= 3.75, f"quanta low 3000 : high 1000: low/high tx_bytes = {share:.2f}, expected 3 (+-25%)"


def sent_bytes(w):
    return sum(c["tx_bytes"] for name, c in w.items() if name not in ("dt", "stats", "after"))


def bucket_bound(rate_bps, dt):
    """The most a token bucket of RATE_BURST bytes can let through in dt s, whatever the machine's
    speed (a frame may start on the last token)."""
    return rate_bps / 8 * dt + RATE_BURST + FRAME


def test_rate_limit_holds_and_follows_set_port_rate(drr_rate_run):
    for key, rate in (("equal", RATE_BPS), ("three_to_one", RATE_BPS), ("double_rate", 2 * RATE_BPS)):
        w = drr_rate_run[key]
        assert sent_bytes(w) <= bucket_bound(rate, w["dt"]), \
            f"{key}: {sent_bytes(w)} bytes in {w['dt']:.3f} s, more than {rate} bit/s allows"
    w = drr_rate_run["double_rate"]
    old_bound = bucket_bound(RATE_BPS, w["dt"])
    assert sent_bytes(w) > old_bound, (
        f"after `set port 1 rate {2 * RATE_BPS}`: {sent_bytes(w)} bytes in {w['dt']:.3f} s, no more than the old "
        f"{RATE_BPS} bit/s allows ({old_bound:.0f}): the new rate did not take effect (or the machine stalled)")


def test_rate_off_removes_the_limit(drr_rate_run):
    w = drr_rate_run["no_rate"]
    bound = bucket_bound(2 * RATE_BPS, w["dt"])
    assert sent_bytes(w) > 10 * bound, (
        f"after `set port 1 rate off`: {sent_bytes(w)} bytes in {w['dt']:.3f} s, not even 10x what "
        f"{2 * RATE_BPS} bit/s allows: the limit is still there")


def test_drr_rate_run_accounting(drr_rate_run):
    res = drr_rate_run["result"]
    assert res.rc == 0, res.describe()
    edfit.check_accounting(res.stats, "shell: quanta and rates")


# ---------------------------------------------------------------- budgets, expiry, processing: a script

SPIN_SCRIPT = [
    f"set class high budget {BIG_BUDGET_US}",
    f"set processing spin {SPIN_NS} 0",
    "sleep 300", "clear stats", "sleep 700", "show stats",       # 1: spin, large budget
    f"set class high budget {SMALL_BUDGET_US}",
    "sleep 300", "clear stats", "sleep 700", "show stats",       # 2: small budget, deliver
    "set class high expired drop",
    "sleep 300", "clear stats", "sleep 700", "show stats",       # 3: small budget, drop
    f"set class high budget {BIG_BUDGET_US}",
    "set class high expired deliver",
    "set processing fwd",
    "sleep 300", "clear stats", "sleep 700", "show stats",       # 4: fwd, large budget
    # no quit: end of input ends the run
]


@pytest.fixture(scope="module")
def spin_run(edfpipe, high_only):
    res = run_script(edfpipe, high_only, [*TX_ONLY_SINK, *SMALL_RINGS], SPIN_SCRIPT)
    assert res.rc == 0, res.describe()
    shows = replies(res, "show stats")
    assert len(shows) == 4, res.describe()
    return res, [table_row(s, "high") for s in shows]


def test_script_commands_acknowledged(spin_run):
    res, _ = spin_run
    for cmd, text in transcript(res.stdout):
        if cmd.startswith("set "):
            assert_ok(text, cmd)
    assert "edfpipe: shell closed, stopping" in res.stderr, res.describe()


def test_spin_makes_every_packet_take_its_time(spin_run):
    _, phases = spin_run
    for i in (0, 1, 2):
        assert phases[i]["tx"] > 0, f"phase {i + 1}: nothing sent: {phases[i]}"
        assert phases[i]["p50_us"] >= SPIN_NS / 1000, \
            f"phase {i + 1}: p50 {phases[i]['p50_us']} us with {SPIN_NS} ns of spin per packet"


def test_large_budget_nothing_late(spin_run):
    _, (big, *_) = spin_run
    assert big["late"] == big["miss"] == 0, f"budget {BIG_BUDGET_US} us: {big}"
    assert big["by_reason"].get("expired", 0) == 0, big


def test_small_budget_every_packet_misses(spin_run):
    _, (_, small, _, _) = spin_run
    # Reading tx and misses is not atomic: one packet may be counted in one and not yet the other.
    assert abs(small["miss"] - small["tx"]) <= 2, f"budget {SMALL_BUDGET_US} us < spin: misses != tx: {small}"
    assert small["late"] > 0, f"budget {SMALL_BUDGET_US} us, expired deliver: no packet was late: {small}"
    assert small["by_reason"].get("expired", 0) == 0, small


def test_expired_drop_counts_expired(spin_run):
    _, (_, _, drop, _) = spin_run
    assert drop["by_reason"].get("expired", 0) > 0, f"expired drop: nothing dropped as expired: {drop}"
    assert drop["late"] == 0, f"expired drop: packets still processed late: {drop}"
    assert drop["tx"] > 0 and abs(drop["miss"] - drop["tx"]) <= 2, drop


def test_fwd_removes_the_bottleneck(spin_run):
    _, (spin, _, _, fwd) = spin_run
    # Spin allows at most one packet per 200 us (3,500 in a 0.7 s window); fwd moves millions.
    assert fwd["tx"] >= 10 * max(spin["tx"], 1), \
        f"after `set processing fwd`: {fwd['tx']} sent in a window, with spin {spin['tx']}: still a bottleneck"
    assert fwd["late"] == fwd["miss"] == fwd["by_reason"].get("expired", 0) == 0, \
        f"budget {BIG_BUDGET_US} us and expired deliver restored: {fwd}"


def test_spin_run_accounting(spin_run):
    res, _ = spin_run
    edfit.check_accounting(res.stats, "shell: budgets and processing")
    assert res.stats["no_class_drops"]["stopped"] == 0


# ---------------------------------------------------------------- refusals, stop/start, through a pipe

# Each must be refused with a message (the comment says why where it is not obvious).
BAD_COMMANDS = [
    "set class high quantum 0",             # DRR quantum cannot be zero
    "set class high quantum 63",            # below 64
    "set class high quantum 4294967296",    # not a uint32
    "set class high quantum -5",
    "set class high quantum abc",
    "set class high quantum 1000 extra",
    "set class nosuch quantum 1000",        # unknown class
    "set class nosuch budget 500",
    "set class high budget 0",
    "set class high budget 60000001",
    "set class high expired maybe",
    "set port 0 rate 1000000",              # port 0 only receives
    "set port 7 rate 1000000",              # no such port
    "set port 0 rate off",
    "set port 1 rate 400000000001",         # above 400 Gbit/s
    "set processing spin 100000001 0",      # spin_base_ns out of range
    "set processing spin 1000 1000001",     # spin_per_byte_ns out of range
    "set processing bogus",
    "set bogus",
    "frobnicate",
    "show nothing",
    "sleep -1",
    "sleep 60001",                          # above the one-minute bound: refused, not shortened
]


@pytest.fixture(scope="module")
def refuse_stop_run(edfpipe, two_equal_classes):
    # 1 Mbit/s: the two 64-frame TX rings take about a second to drain, so `stop` finds a backlog.
    args = [*TX_ONLY_SINK, *SMALL_RINGS, "--rate", f"1:{SLOW_RATE_BPS}", "--set", f"port 1.rate_burst_bytes={RATE_BURST}"]
    sh = Shell(edfpipe, two_equal_classes, args)
    run = {}
    try:
        time.sleep(SETTLE_S)
        run["config_before"] = sh.cmd("show config")
        run["tel_config_before"] = sh.tel.query("/edfpipe/config")
        run["tel_classes_before"] = sh.tel.query("/edfpipe/classes")
        run["bad"] = [(c, sh.cmd(c)) for c in BAD_COMMANDS]
        run["config_after"] = sh.cmd("show config")
        run["tel_config_after"] = sh.tel.query("/edfpipe/config")
        run["tel_classes_after"] = sh.tel.query("/edfpipe/classes")
        run["good"] = sh.cmd("set class high quantum 2000")
        run["config_good"] = sh.cmd("show config")

        run["stop"] = sh.cmd("stop")
        run["set_while_stopped"] = sh.cmd("set class low budget 20000")  # must not restart forwarding
        run["stopped"] = window(sh.tel, 0.4)
        run["show_stopped"] = sh.cmd("show stats")
        run["start"] = sh.cmd("start")
        time.sleep(0.1)
        run["started"] = window(sh.tel, 0.4)
        run["show_started"] = sh.cmd("show stats")

        # A 513-character line: longer than the cmdline library's line buffer.
        run["config_before_long_line"] = sh.cmd("show config")
        run["long_line"] = sh.cmd("set class high quantum" + " " * 486 + "40960")
        run["config_long_line"] = sh.cmd("show config")

        # Quantum changes while both classes are backlogged behind the rate limit.
        a = sh.tel.sample()
        run["quantum_burst"] = [sh.cmd(f"set class medium quantum {2000 + i}") for i in range(10)]
        b = sh.tel.sample()
        run["quantum_burst_window"] = (b["t_hi"] - a["t_lo"],
                                       sum(b["classes"][c]["tx_bytes"] - a["classes"][c]["tx_bytes"] for c in b["classes"]))
    except BaseException:
        sh.kill()
        raise
    run["result"] = sh.finish()
    return run


def test_bad_commands_refused_and_change_nothing(refuse_stop_run):
    run = refuse_stop_run
    for cmd, reply in run["bad"]:
        assert_refused(reply, cmd)
    assert "[pipeline]" in run["config_before"] and "[class high]" in run["config_before"], run["config_before"]
    assert run["config_after"] == run["config_before"], "a refused command changed `show config`"
    assert run["tel_config_after"] == run["tel_config_before"], "a refused command changed /edfpipe/config"
    keys = ("quantum_bytes", "budget_us", "expired", "rx_ring", "tx_ring")
    for name, before in run["tel_classes_before"].items():
        after = run["tel_classes_after"][name]
        assert {k: after[k] for k in keys} == {k: before[k] for k in keys}, f"class {name} changed"
    assert run["tel_config_before"]["pipeline"]["processing"] == "fwd"
    assert run["tel_config_before"]["pipeline"]["spin_base_ns"] == "100000"


def test_refusals_name_the_problem(refuse_stop_run):
    bad = dict(refuse_stop_run["bad"])
    assert "cannot be zero" in bad["set class high quantum 0"]
    assert "out of range 64..16777216" in bad["set class high quantum 63"]
    assert "no class 'nosuch'" in bad["set class nosuch quantum 1000"]
    assert "transmits nothing" in bad["set port 0 rate 1000000"]
    assert "transmits nothing" in bad["set port 7 rate 1000000"]
    assert "spin_base_ns" in bad["set processing spin 100000001 0"]
    assert "spin_per_byte_ns" in bad["set processing spin 1000 1000001"]
    assert "sleep 60001: at most 60000 ms" in bad["sleep 60001"]
    for cmd, reply in bad.items():
        if reply.startswith("error:"):
            assert reply.rstrip().endswith("nothing changed"), f"{cmd}: {reply!r}"


def test_valid_change_after_refusals(refuse_stop_run):
    # The comparison above can see a change: this one differs from it in exactly one value.
    run = refuse_stop_run
    assert_ok(run["good"], "set class high quantum 2000")
    before, after = ini(run["config_before"]), ini(run["config_good"])
    changed = {(s, k) for s in after for k in after[s] if before.get(s, {}).get(k) != after[s][k]}
    assert changed == {("class high", "quantum_bytes")}, changed
    assert after["class high"]["quantum_bytes"] == "2000"


def test_stop_counts_arrivals_as_stopped(refuse_stop_run):
    run = refuse_stop_run
    assert run["stop"].startswith("forwarding stopped"), run["stop"]
    w = run["stopped"]
    # `stop` returns once every lcore applied it: from then on nothing is classified.
    for name in ("high", "medium", "low", "best_effort"):
        assert w[name]["rx"] == 0, f"class {name} received {w[name]['rx']} packets while stopped"
    stopped = w["stats"]["drops_stopped"]
    assert stopped > 0, f"no arrival counted as stopped: {w['stats']}"
    # Every frame received was dropped as stopped. A snapshot reads the drop counters before rx, so
    # the two deltas differ by what arrived while one snapshot was read (1% is plenty).
    assert abs(w["stats"]["rx"] - stopped) <= 256 + w["stats"]["rx"] // 100, w["stats"]
    # Packets already queued still leave (at 1 Mbit/s, two full 64-frame rings last about a second).
    assert w["high"]["tx"] + w["low"]["tx"] > 0, "queued packets did not leave while stopped"
    assert_ok(run["set_while_stopped"], "set class low budget 20000")
    assert "forwarding: STOPPED" in run["show_stopped"], run["show_stopped"]
    assert "stopped=" in run["show_stopped"], run["show_stopped"]


def test_start_resumes_forwarding(refuse_stop_run):
    run = refuse_stop_run
    assert run["start"].startswith("forwarding started"), run["start"]
    w = run["started"]
    assert w["stats"]["drops_stopped"] == 0, f"arrivals still dropped as stopped after start: {w['stats']}"
    assert w["high"]["rx"] > 0 and w["low"]["rx"] > 0, f"nothing classified after start: {w}"
    assert "forwarding: started" in run["show_started"], run["show_started"]


def test_stop_start_final_report(refuse_stop_run):
    run = refuse_stop_run
    res = run["result"]
    assert res.rc == 0, res.describe()
    st = res.stats
    edfit.check_accounting(st, "shell: stop/start")
    # The stopped drops have no class, and none came after `start`.
    assert st["no_class_drops"]["stopped"] == st["drops_by_reason"]["stopped"] > 0
    assert st["drops_by_reason"]["stopped"] == run["started"]["after"]["stats"]["drops_stopped"]
    for c in st["classes"]:
        assert c["drops_by_reason"]["stopped"] == 0, c


def test_overlong_line_refused(refuse_stop_run):
    run = refuse_stop_run
    assert_refused(run["long_line"], "a 513-byte `set class high quantum ... 40960`")
    assert run["config_long_line"] == run["config_before_long_line"], "an over-long line changed the profile"


# ---------------------------------------------------------------- save config; end of input; quit

SAVE_CHANGES = [
    "set class high quantum 3000",
    "set class low budget 5000",
    "set class medium expired drop",
    "set port 1 rate 12345678",
    "set processing spin 1000 3",
]


@pytest.fixture(scope="module")
def save_run(edfpipe, two_equal_classes):
    saved = os.path.join(edfpipe.workdir, "shell_saved.ini")
    if os.path.exists(saved):
        os.unlink(saved)
    args = [*TX_ONLY_SINK, *SMALL_RINGS]
    lines = ["show config", *SAVE_CHANGES, "show config", f"save config {saved}",
             "save config /nonexistent-dir/x.ini"]
    res = run_script(edfpipe, two_equal_classes, args, lines)
    return res, saved, args


def test_end_of_input_quits_cleanly(save_run):
    res, _, _ = save_run
    assert res.rc == 0, res.describe()
    assert "edfpipe: shell closed, stopping" in res.stderr, res.describe()
    assert "== edfpipe final" in res.stdout
    edfit.check_accounting(res.stats, "shell: save config")


def test_saved_profile_reads_back_as_running(save_run, edfpipe_bin):
    res, saved, _ = save_run
    before, running = replies(res, "show config")
    assert replies(res, f"save config {saved}") == [f"saved {saved}\n"], res.describe()
    dump = edfit.run_cli(edfpipe_bin, ["-f", saved, "--dump-profile"])
    assert dump.rc == 0 and not dump.extra["started_eal"], dump.describe()
    assert dump.stdout == running, f"--dump-profile of the saved file:\n{dump.stdout}\n`show config`:\n{running}"
    # ... and the running profile is the start-up one with exactly the changes made.
    b, r = ini(before), ini(running)
    assert r["class high"]["quantum_bytes"] == "3000"
    assert r["class low"]["budget_us"] == "5000"
    assert r["class medium"]["expired"] == "drop"
    assert r["port 1"]["rate_bps"] == "12345678"
    assert (r["pipeline"]["processing"], r["pipeline"]["spin_base_ns"], r["pipeline"]["spin_per_byte_ns"]) == \
        ("spin", "1000", "3")
    changed = {(s, k) for s in r for k in r[s] if s in b and b[s].get(k) != r[s][k]}
    assert changed == {("class high", "quantum_bytes"), ("class low", "budget_us"), ("class medium", "expired"),
                       ("pipeline", "processing"), ("pipeline", "spin_base_ns"), ("pipeline", "spin_per_byte_ns")}, \
        changed
    assert set(r) - set(b) <= {"port 1"}, set(r) - set(b)


def test_save_to_unwritable_path_says_so(save_run):
    res, _, _ = save_run
    assert replies(res, "save config /nonexistent-dir/x.ini") == [
        "error: cannot write /nonexistent-dir/x.ini: cannot create a file in /nonexistent-dir: No such file or directory\n"]


def test_quit_ends_the_run_and_nothing_after_it(edfpipe, two_equal_classes):
    """`quit` with stdin still open: edfpipe exits by itself, and lines after quit do not run."""
    never = os.path.join(edfpipe.workdir, "shell_after_quit.ini")
    sh = Shell(edfpipe, two_equal_classes, [*TX_ONLY_SINK, *SMALL_RINGS])
    try:
        assert "forwarding: started" in sh.cmd("show stats")
    except BaseException:
        sh.kill()
        raise
    res = sh.finish(send=f"quit\nsave config {never}\n", close_stdin=False)
    assert res.rc == 0, res.describe()
    assert not os.path.exists(never), "a command after quit ran"
    assert "edfpipe: shell closed, stopping" in res.stderr
    edfit.check_accounting(res.stats, "shell: quit")


def test_quantum_changes_keep_the_rate_limit(refuse_stop_run):
    run = refuse_stop_run
    for reply in run["quantum_burst"]:
        assert_ok(reply, "set class medium quantum ...")
    dt, sent = run["quantum_burst_window"]
    assert sent <= bucket_bound(SLOW_RATE_BPS, dt), (
        f"10 quantum changes in {dt:.3f} s let {sent} bytes through a {SLOW_RATE_BPS} bit/s limit with a "
        f"{RATE_BURST}-byte bucket (at most {bucket_bound(SLOW_RATE_BPS, dt):.0f})")


# ---------------------------------------------------------------- save config: what the path names

def _new_dir(edfpipe, name):
    d = os.path.join(edfpipe.workdir, name)
    os.makedirs(d, exist_ok=True)
    return d


def _temp_leftovers(*dirs):
    return [os.path.join(d, f) for d in dirs for f in os.listdir(d) if ".tmp" in f]


@pytest.fixture(scope="module")
def fifo_run(edfpipe, two_equal_classes):
    """`save config` to a FIFO nobody reads, and to a link to it, through a pipe; then SIGTERM.
    Opening a FIFO for writing waits for a reader: that must never happen on the control loop."""
    d = _new_dir(edfpipe, "save_fifo")
    fifo, link = os.path.join(d, "profile.fifo"), os.path.join(d, "link_to_fifo.ini")
    for p in (fifo, link):
        if os.path.lexists(p):
            os.unlink(p)
    os.mkfifo(fifo)
    os.symlink(fifo, link)
    sh = Shell(edfpipe, two_equal_classes, [*TX_ONLY_SINK, *SMALL_RINGS])
    run = {"fifo": fifo, "link": link, "dir": d}
    try:
        try:
            run["fifo_reply"] = sh.cmd(f"save config {fifo}", timeout=5)
            run["link_reply"] = sh.cmd(f"save config {link}", timeout=5)
            run["after"] = sh.cmd("show config", timeout=5)
        except AssertionError as e:
            run["stuck"] = str(e)
        if sh.tel:
            sh.tel.close()
            sh.tel = None
        sent = time.monotonic()
        sh.proc.send_signal(signal.SIGTERM)
        try:
            sh.proc.wait(timeout=10)
            run["exit_after_sigterm_s"] = time.monotonic() - sent
        except subprocess.TimeoutExpired:
            run["exit_after_sigterm_s"] = None  # still running: killed below
    finally:
        sh.kill()
    sh.reader.join(timeout=5)
    run["rc"] = sh.proc.returncode
    run["describe"] = sh.describe()
    return run


def test_save_config_to_fifo_refused_without_blocking(fifo_run):
    run = fifo_run
    assert "stuck" not in run, f"`save config` to a FIFO blocked the shell:\n{run['stuck']}"
    assert run["fifo_reply"] == f"error: cannot write {run['fifo']}: not a regular file (a FIFO)\n", run["fifo_reply"]
    assert run["link_reply"].startswith(f"error: cannot write {run['link']}: a symbolic link to "), run["link_reply"]
    assert "not a regular file (a FIFO)" in run["link_reply"], run["link_reply"]
    assert stat.S_ISFIFO(os.lstat(run["fifo"]).st_mode) and os.path.islink(run["link"]), "the FIFO or link was replaced"
    assert not _temp_leftovers(run["dir"])


def test_shell_continues_after_refused_save(fifo_run):
    assert "stuck" not in fifo_run, fifo_run["stuck"]
    assert "[pipeline]" in fifo_run["after"], fifo_run["after"]


def test_sigterm_stops_edfpipe_after_save_to_fifo(fifo_run):
    run = fifo_run
    assert run["exit_after_sigterm_s"] is not None, \
        "edfpipe ignored SIGTERM after `save config` to a FIFO (killed with SIGKILL)\n" + run["describe"]
    assert run["rc"] == 0, run["describe"]


@pytest.fixture(scope="module")
def save_targets_run(edfpipe, two_equal_classes):
    """A script saving to a directory, a device, a missing directory, a read-only place, an
    existing file (with a second hard link and mode 0640) and links to a file and to a directory."""
    d = _new_dir(edfpipe, "save_targets")
    t = {
        "dir": _new_dir(edfpipe, "save_targets/a_directory"),
        "missing": os.path.join(d, "no-such-dir", "x.ini"),
        "existing": os.path.join(d, "existing.ini"),
        "hardlink": os.path.join(d, "existing_other_name.ini"),
        "link": os.path.join(d, "link_to_existing.ini"),
        "link_target": os.path.join(d, "link_target.ini"),
        "link_to_dir": os.path.join(d, "link_to_dir.ini"),
    }
    if os.geteuid() == 0:
        t["readonly"] = "/sys/edfpipe_shell_test.ini"  # sysfs: even root cannot create files there
    else:
        ro = _new_dir(edfpipe, "save_targets/read_only")
        os.chmod(ro, 0o555)
        t["readonly"] = os.path.join(ro, "x.ini")
    for p in (t["existing"], t["hardlink"], t["link"], t["link_target"], t["link_to_dir"]):
        if os.path.lexists(p):
            os.unlink(p)
    with open(t["existing"], "w") as f:
        f.write("; the old file\n")
    os.chmod(t["existing"], 0o640)
    os.link(t["existing"], t["hardlink"])
    with open(t["link_target"], "w") as f:
        f.write("; the old link target\n")
    os.symlink(t["link_target"], t["link"])
    os.symlink(t["dir"], t["link_to_dir"])
    lines = [f"save config {t[k]}" for k in ("dir", "missing", "readonly", "link_to_dir")]
    lines += ["save config /dev/null", f"save config {t['existing']}", f"save config {t['link']}", "show config"]
    res = run_script(edfpipe, two_equal_classes, [*TX_ONLY_SINK, *SMALL_RINGS], lines)
    assert res.rc == 0, res.describe()
    return res, t, d


def _reply(res, command):
    r = replies(res, command)
    assert len(r) == 1, f"{command!r} ran {len(r)} times:\n{res.describe()}"
    return r[0]


def test_save_config_refuses_a_directory(save_targets_run):
    res, t, _ = save_targets_run
    assert _reply(res, f"save config {t['dir']}") == f"error: cannot write {t['dir']}: not a regular file (a directory)\n"
    assert _reply(res, f"save config {t['link_to_dir']}") == (
        f"error: cannot write {t['link_to_dir']}: a symbolic link to {os.path.realpath(t['dir'])}, which is not a "
        "regular file (a directory)\n")
    assert os.listdir(t["dir"]) == [], "something was written into the directory"


def test_save_config_refuses_dev_null(save_targets_run):
    res, _, _ = save_targets_run
    assert _reply(res, "save config /dev/null") == \
        "error: cannot write /dev/null: not a regular file (a character device)\n"


def test_save_config_missing_directory_says_why(save_targets_run):
    res, t, _ = save_targets_run
    parent = os.path.dirname(t["missing"])
    assert _reply(res, f"save config {t['missing']}") == \
        f"error: cannot write {t['missing']}: cannot create a file in {parent}: No such file or directory\n"


def test_save_config_read_only_location_says_why(save_targets_run):
    res, t, _ = save_targets_run
    reply = _reply(res, f"save config {t['readonly']}")
    assert reply.startswith(f"error: cannot write {t['readonly']}: cannot create a file in "), reply
    assert "Permission denied" in reply or "Read-only file system" in reply, reply
    assert not os.path.exists(t["readonly"])


def test_save_config_replaces_an_existing_file_atomically(save_targets_run, edfpipe_bin):
    res, t, d = save_targets_run
    assert _reply(res, f"save config {t['existing']}") == f"saved {t['existing']}\n"
    running = _reply(res, "show config")
    dump = edfit.run_cli(edfpipe_bin, ["-f", t["existing"], "--dump-profile"])
    assert dump.rc == 0 and dump.stdout == running, dump.describe()
    # A new file was renamed over the name: the old one, still reachable by its other hard link, is
    # untouched (writing in place would have changed both names' content).
    with open(t["hardlink"]) as f:
        assert f.read() == "; the old file\n", "the old file was rewritten in place, not replaced"
    assert os.stat(t["existing"]).st_ino != os.stat(t["hardlink"]).st_ino
    assert stat.S_IMODE(os.stat(t["existing"]).st_mode) == 0o640, "the replaced file lost its mode"
    assert not _temp_leftovers(d), "temporary files left behind"


def test_save_config_through_a_link_replaces_its_target(save_targets_run):
    res, t, _ = save_targets_run
    assert _reply(res, f"save config {t['link']}") == f"saved {t['link']}\n"
    assert os.path.islink(t["link"]) and os.readlink(t["link"]) == t["link_target"], "the link itself was replaced"
    with open(t["link_target"]) as f:
        assert f.read().startswith("; edfpipe profile saved by `save config`")


def test_save_targets_run_continues_and_ends_cleanly(save_targets_run):
    res, _, _ = save_targets_run
    assert "[pipeline]" in _reply(res, "show config")
    assert "edfpipe: shell closed, stopping" in res.stderr, res.describe()
    edfit.check_accounting(res.stats, "shell: save config targets")


# ---------------------------------------------------------------- input that is not a terminal

@pytest.fixture(scope="module")
def plain_lines_run(edfpipe, two_equal_classes):
    """A script through a pipe with bytes a line editor would take as keys: `?` (help), TAB
    (completion), Ctrl-D (end of input), ESC sequences, NUL; CR LF line ends; no final newline."""
    d = _new_dir(edfpipe, "plain_lines")
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    question, last = os.path.join(d, "a?b.ini"), os.path.join(d, "last.ini")
    script = b"".join([
        f"save config {question}\n".encode(),
        b"\x04\n",                                  # Ctrl-D on its own line: the end of input, to rdline
        b"set class high quantum 3000\n",
        b"set class low\x04 quantum 5000\n",        # Ctrl-D inside a line
        b"show\tconfig\n",                          # TAB separates words, as a space
        b"\x1b[A\n",                                # the up-arrow key: recall the last line, to rdline
        b"set class medium quantum 6000\x00 junk\n",  # NUL: C would read only what is before it
        b"set class best_effort quantum 7000\r\n",  # CR LF
        b"show config\n",
        f"save config {last}".encode(),             # the last line, without its newline
    ])
    res = run_script(edfpipe, two_equal_classes, [*TX_ONLY_SINK, *SMALL_RINGS], [], raw=script, pipe=True)
    assert res.rc == 0, res.describe()
    return res, d, question, last


def test_question_mark_in_path_written_verbatim(plain_lines_run):
    res, d, question, _ = plain_lines_run
    assert not os.path.exists(os.path.join(d, "ab.ini")), "the `?` was taken as the line editor's help key"
    assert os.path.isfile(question), sorted(os.listdir(d))
    assert _reply(res, f"save config {question}") == f"saved {question}\n", res.describe()


def test_ctrl_d_inside_a_script_does_not_end_it(plain_lines_run):
    res, _, _, _ = plain_lines_run
    assert replies(res, "set class high quantum 3000"), "the shell ended at a Ctrl-D byte\n" + res.describe()
    assert_ok(_reply(res, "set class high quantum 3000"), "set class high quantum 3000 after a Ctrl-D line")
    assert _reply(res, "\\x04") == "error: control character 0x04 in the line (column 1): ignored, nothing changed\n"
    assert _reply(res, "set class low\\x04 quantum 5000").startswith("error: control character 0x04"), res.describe()
    assert "edfpipe: shell closed, stopping" in res.stderr


def test_control_bytes_refused_and_change_nothing(plain_lines_run):
    res, _, _, _ = plain_lines_run
    assert _reply(res, "\\x1b[A") == "error: control character 0x1b in the line (column 1): ignored, nothing changed\n"
    assert _reply(res, "set class medium quantum 6000\\x00 junk").startswith("error: control character 0x00 "), \
        res.describe()
    # The tab-separated `show config` ran; then the CR LF line; then the last `show config`.
    assert "[pipeline]" in _reply(res, "show\tconfig")
    assert_ok(_reply(res, "set class best_effort quantum 7000"), "a line ending in CR LF")
    cfg = ini(_reply(res, "show config"))
    assert cfg["class high"]["quantum_bytes"] == "3000"
    assert cfg["class best_effort"]["quantum_bytes"] == "7000"
    assert cfg["class low"]["quantum_bytes"] == cfg["class medium"]["quantum_bytes"] == "4096", \
        "a refused line changed the profile"


def test_no_escape_codes_in_piped_output(plain_lines_run):
    res, _, _, _ = plain_lines_run
    out = res.extra["stdout_bytes"]
    esc = out.find(b"\x1b")
    assert esc < 0, f"ESC in stdout at byte {esc}: {out[max(0, esc - 80):esc + 80]!r}"
    others = {chr(c) for c in out if (c < 0x20 and c not in b"\n\t") or c == 0x7f}
    assert not others, f"control characters {sorted(others)!r} in stdout"


def test_last_line_without_newline_runs(plain_lines_run):
    res, _, _, last = plain_lines_run
    assert _reply(res, f"save config {last}") == f"saved {last}\n", res.describe()
    assert os.path.isfile(last)


def test_terminal_keeps_the_line_editor(edfpipe, two_equal_classes):
    """On a terminal the shell is DPDK's line editor: TAB completes `show con` to `show config`."""
    prefix = edfit.unique_prefix()
    cmd = edfpipe.command(two_equal_classes, ["-i", *TX_ONLY_SINK, *SMALL_RINGS], prefix)
    master, slave = pty.openpty()
    out = bytearray()

    def read_until(what, seconds):
        deadline = time.monotonic() + seconds
        while what not in out:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {what!r} on the terminal in time:\n{bytes(out)[-3000:]!r}")
            if select.select([master], [], [], min(left, 0.2))[0]:
                try:
                    out.extend(os.read(master, 65536))
                except OSError:  # the other side closed
                    raise AssertionError(f"terminal closed waiting for {what!r}:\n{bytes(out)[-3000:]!r}")

    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, cwd=edfpipe.workdir,
                            start_new_session=True)
    os.close(slave)
    try:
        read_until(PROMPT.encode(), 30)
        os.write(master, b"show con\t")
        read_until(b"show config", 5)
        os.write(master, b"\r")
        read_until(b"[pipeline]", 5)
        os.write(master, b"quit\r")
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:  # read on: the final table goes there too
            if select.select([master], [], [], 0.2)[0]:
                try:
                    out.extend(os.read(master, 65536))
                except OSError:
                    break
        rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except BaseException:
        edfit._kill_group(proc)
        raise
    finally:
        os.close(master)
        edfit.cleanup_prefix(prefix)
    assert rc == 0
