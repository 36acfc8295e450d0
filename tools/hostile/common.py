"""The pieces every kind of tools/hostile uses: the run context (binary, work directory, results),
the EAL command line, running a command with a timeout, reading edfpipe's final report, and
recording one case. See tools/hostile/run for what the tool does."""
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOLS = HERE.parent
sys.path.insert(0, str(TOOLS))
from edfpipe import frames, telemetry  # noqa: E402
from edfpipe.pcap import write_pcap  # noqa: E402

PY = sys.executable or "/usr/bin/python3"

BIG_SNAPLEN = 262144  # libpcap's largest

# Every edfpipe run: no hugepages, no PCI, two lcores, a file prefix of its own, EAL quiet.
EAL_ARGS = "--no-huge -m 512 --no-pci -l 0-1 --file-prefix {prefix} --log-level lib.eal:warning"


class Ctx:
    """One run of the tool: the binary, the work directory, the results so far."""

    def __init__(self, edfpipe, work, progress=sys.stderr):
        self.E = edfpipe
        self.W = str(work)
        self.root = str(TOOLS.parent)
        self.tools = str(TOOLS)
        self.results = []
        self.progress = progress
        self.kind = None
        self._n = 0

    def path(self, *parts, mkdir=False):
        p = os.path.join(self.W, *parts)
        os.makedirs(p if mkdir else os.path.dirname(p), exist_ok=True)
        return p

    def prefix(self):
        self._n += 1
        return "hostile%d_%d" % (os.getpid(), self._n)

    def eal(self, prefix, vdevs=(), extra=""):
        v = " ".join("--vdev '%s'" % d for d in vdevs)
        return "%s %s %s %s" % (self.E, EAL_ARGS.format(prefix=prefix), v, extra)

    def cleanup(self, prefix):
        shutil.rmtree(telemetry.runtime_dir(prefix), ignore_errors=True)

    def record(self, case, cmd, expected, observed, ok, detail="", note=""):
        """One case's row. `note` marks a case whose expectation is a known bug elsewhere
        ("upstream"): it shows in the report next to the result."""
        cmd, observed = cmd.replace(self.W, "$WORK"), observed.replace(self.W, "$WORK")
        r = dict(kind=self.kind, case=case, cmd=cmd, expected=expected, observed=observed,
                 result="PASS" if ok else "FAIL", note=note, detail="" if ok else detail)
        self.results.append(r)
        if self.progress:
            print("%s [%s] %s: %s" % (r["result"], self.kind, case, observed[:300]), file=self.progress, flush=True)
        return r

    # ---------------------------------------------------------------- shared inputs
    def d_pcap(self):
        """tools/edfpcap.py --count 200 --malformed-every 20: 210 frames, 200 valid, 10 malformed."""
        p = self.path("d.pcap")
        if not os.path.exists(p):
            env = dict(os.environ, EDFPIPE=self.E)
            subprocess.run([PY, os.path.join(self.tools, "edfpcap.py"), p, "--count", "200",
                            "--malformed-every", "20"], check=True, env=env, stdout=subprocess.DEVNULL, timeout=120)
        return p

    def frames_pcap(self, name, frame_list, snaplen=BIG_SNAPLEN):
        """A pcap of `frame_list` under the work directory (written once), with a snap length
        that lets libpcap read records over 64 KiB whole."""
        p = self.path("p", name + ".pcap")
        if not os.path.exists(p):
            write_pcap_snaplen(p, frame_list, snaplen)
        return p


def write_pcap_snaplen(path, frame_list, snaplen=None):
    """edfpipe.pcap.write_pcap, with the file header's snap length changed: libpcap cuts records
    longer than it, so frames over 64 KiB need a larger one (262144, libpcap's maximum)."""
    write_pcap(path, frame_list)
    if snaplen is not None:
        with open(path, "r+b") as f:
            f.seek(16)
            f.write(struct.pack("<I", snaplen))


def udp_frame(size, dport=8080, payload_byte=0x41):
    """A valid Ethernet/IPv4/UDP frame of exactly `size` bytes (size >= 42)."""
    payload = bytes([payload_byte]) * (size - frames.ETH_IPV4_UDP_BYTES)
    return frames.eth(0x0800, frames.ipv4(frames.udp(dport, payload)))


# ---------------------------------------------------------------- edfpipe's final report
ACC = re.compile(r"accounting: rx (\d+) = tx (\d+) \+ drops (\d+)")
MP = re.compile(r"mempool \S+: (\d+) of (\d+) mbufs returned")
REASONS = re.compile(r"\(no class\).*?\s(-|\S+=\d+(?: \S+=\d+)*)\s*$", re.M)


def acc(out):
    m = ACC.search(out)
    return tuple(map(int, m.groups())) if m else None


def mp_ok(out):
    ms = MP.findall(out)
    return bool(ms) and all(a == b for a, b in ms)


def balanced(out):
    a = acc(out)
    return a is not None and a[0] == a[1] + a[2] and mp_ok(out)


def acc_text(a):
    return ("rx %d = tx %d + drops %d" % a) if a else "no accounting"


def nocls(out):
    m = REASONS.search(out)
    if not m or m.group(1) == "-":
        return {}
    return {k: int(v) for k, v in (x.split("=") for x in m.group(1).split())}


def errline(err, pat="error"):
    for line in err.splitlines():
        if pat in line:
            return line.strip()
    lines = [line for line in err.splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


# ---------------------------------------------------------------- running
def sh(cmd, timeout=40, stdin=subprocess.DEVNULL):
    """bash -c cmd; (rc, stdout, stderr, seconds). Raises subprocess.TimeoutExpired."""
    t = time.time()
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, timeout=timeout, stdin=stdin)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), time.time() - t


def popen(ctx, prefix, vdevs, args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE):
    """edfpipe started in the background (exec'd by bash, so the pid is edfpipe's)."""
    cmd = "exec " + ctx.eal(prefix, vdevs) + " -- " + args
    return subprocess.Popen(["bash", "-c", cmd], stdin=stdin, stdout=stdout, stderr=stderr)


def finish(p, timeout, sig=None):
    """Sends `sig` (if given) to `p` and waits for it; kills it past `timeout`:
    (rc or "HANG", stdout, stderr, seconds)."""
    t = time.time()
    if sig is not None and p.poll() is None:
        p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        rc = "HANG"
    return rc, (out or b"").decode(errors="replace"), (err or b"").decode(errors="replace"), time.time() - t


def odd_files(d, fifo=None, regular=None, subdir=None, links=()):
    """Fills directory `d` with what a path option must cope with: a FIFO, a regular file (empty
    unless given as (name, text)), a subdirectory, and symbolic links (name, target) to names in
    `d`; what exists already is kept. Returns `d`."""
    os.makedirs(d, exist_ok=True)
    if subdir:
        os.makedirs(os.path.join(d, subdir), exist_ok=True)
    if fifo and not os.path.exists(os.path.join(d, fifo)):
        os.mkfifo(os.path.join(d, fifo))
    if regular:
        name, text = regular if isinstance(regular, tuple) else (regular, "")
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    for link, target in links:
        if not os.path.lexists(os.path.join(d, link)):
            os.symlink(os.path.join(d, target), os.path.join(d, link))
    return d


def std_run(ctx, case, cmd_short, cmd, prefix, want=None, rc_want=0, timeout=40, maxtime=None,
            expected="rc 0, accounting balanced, all mbufs returned"):
    """A data-path case: checks rc, accounting, mempools and, through `want(acc, reasons, out)`
    returning True or why not, anything else."""
    try:
        rc, out, err, dt = sh(cmd, timeout=timeout)
    except subprocess.TimeoutExpired:
        ctx.cleanup(prefix)
        return ctx.record(case, cmd_short, expected, "TIMEOUT (hang) after %ds" % timeout, False)
    ctx.cleanup(prefix)
    a = acc(out)
    ok = rc == rc_want and balanced(out)
    reasons = nocls(out)
    if want is not None and ok:
        wr = want(a, reasons, out)
        if wr is not True:
            ok = False
            reasons["why"] = wr
    if maxtime and dt > maxtime:
        ok = False
        reasons["slow"] = round(dt, 1)
    obs = "rc %d, %s, mbufs %s, %s, %.1fs" % (
        rc, acc_text(a) if a else "NO accounting line", "ok" if mp_ok(out) else "NOT returned", reasons or "-", dt)
    if not ok:
        obs += " | " + errline(err)
    return ctx.record(case, cmd_short, expected, obs, ok, detail=out[-3000:] + "\n---\n" + err[-3000:])
