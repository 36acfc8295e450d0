"""Kind 6, the telemetry clients (tools/edftop, tools/edfpipe-exporter): socket paths that are not
a telemetry socket, fake servers that misbehave (fakesrv.py), and a real edfpipe that exits under
them. edftop must say what is wrong in one line (rc 1/2), the exporter must answer edfpipe_up 0
and log one line with the reason; never a traceback."""
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from common import PY, HERE, finish, odd_files, popen

TITLE = "6. Tools (edftop, edfpipe-exporter)"
NOT_A_SOCKET = "is not a socket (a %s)"      # D6
NO_GREETING = "sent no greeting"             # D5


def edftop(ctx):
    return [PY, os.path.join(ctx.tools, "edftop")]


def exporter(ctx):
    return [PY, os.path.join(ctx.tools, "edfpipe-exporter")]


def start_srv(ctx, mode):
    path = ctx.path("t", mode + ".sock")
    p = subprocess.Popen([PY, str(HERE / "fakesrv.py"), path, mode], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    for _ in range(100):
        if os.path.exists(path):
            break
        time.sleep(0.05)
    return p, path


def tool_case(ctx, case, tool, sockpath, expect_rc=(1, 2), maxt=8.0, extra=(), must=None):
    cmd = edftop(ctx) + ["--socket", sockpath, "--once"] + (["--json"] if "json" in tool else []) + list(extra)
    t = time.time()
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=40, stdin=subprocess.DEVNULL)
        rc, out, err = r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        rc, out, err = "HANG", "", ""
    dt = time.time() - t
    tb = "Traceback" in err or "Traceback" in out
    lines = [line for line in err.splitlines() if line.strip()]
    ok = rc in expect_rc and not tb and dt <= maxt and 1 <= len(lines) <= 2 and (must is None or must in err)
    ctx.record("%s: %s" % (tool, case),
               "%s --socket S --once%s" % (tool.replace(" --json", ""), " --json" if "json" in tool else "") +
               (" " + " ".join(extra) if extra else ""),
               "one-line message%s, rc 1/2, no traceback, within %.0fs" % (" '%s'" % must if must else "", maxt),
               "rc %s in %.1fs, %d stderr lines: %s" % (rc, dt, len(lines), (lines[-1][:200] if lines else "(none)")
                                                        .replace(ctx.W + "/", "")),
               ok, out[-1500:] + "\n---\n" + err[-2500:])


def exp_case(ctx, case, sockpath, maxt=8.0, must=None):
    p = subprocess.Popen(exporter(ctx) + ["--socket", sockpath, "--listen", "127.0.0.1:0", "--timeout", "2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    line = p.stderr.readline().decode()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/metrics", line)
    res = []
    t = time.time()
    if m:
        for _ in range(2):
            try:
                with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % m.group(1), timeout=20) as r:
                    res.append((r.status, r.read()[:20000].decode(errors="replace")))
            except urllib.error.HTTPError as e:
                res.append((e.code, e.read()[:300].decode(errors="replace")))
            except Exception as e:
                res.append(("ERR", str(e)))
    dt = time.time() - t
    alive = p.poll() is None
    err = line + finish(p, 5, signal.SIGTERM)[2]
    tb = "Traceback" in err
    up0 = len(res) == 2 and all(s == 200 and re.search(r"^edfpipe_up 0", b, re.M) for s, b in res)
    logl = [x for x in err.splitlines() if "not reachable" in x]
    ok = bool(m) and alive and not tb and up0 and dt < 2 * maxt and (must is None or any(must in x for x in logl))
    body = ("edfpipe_up 0; log: " + logl[0][:170]) if up0 and logl else (
        res[0][1].strip().splitlines()[0][:150] if res and res[0][1].strip() else "")
    ctx.record("exporter: " + case, "edfpipe-exporter --socket S --listen 127.0.0.1:0; curl /metrics x2",
               "HTTP 200 with edfpipe_up 0 (documented), one log line with the reason%s, keeps running, no traceback"
               % (" '%s'" % must if must else ""),
               "HTTP %s in %.1fs, alive %s, traceback %s: %s" % ([s for s, _ in res], dt, alive, tb,
                                                                  body.replace(ctx.W + "/", "")), ok, err[-3000:])


def bad_paths(ctx):
    t = ctx.path("t", mkdir=True)
    dead = t + "/dead.sock"
    if os.path.lexists(dead):
        os.unlink(dead)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(dead)
    s.close()
    reg = t + "/regular.sock"
    odd_files(t, fifo="f.fifo", regular=("regular.sock", "not a socket\n"), subdir="dirsock")
    st = t + "/stream.sock"
    if os.path.lexists(st):
        os.unlink(st)
    ss = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ss.bind(st)
    ss.listen(1)
    try:
        for nm, path, must, both in [
                ("dead socket (bound, nobody listening)", dead, None, True),
                ("socket path is a regular file", reg, NOT_A_SOCKET % "regular file", True),
                ("socket path is a directory", t + "/dirsock", NOT_A_SOCKET % "directory", False),
                ("socket path is a FIFO", t + "/f.fifo", NOT_A_SOCKET % "FIFO", False),
                ("socket path does not exist", t + "/nosuch.sock", None, False),
                ("SOCK_STREAM listener (wrong type)", st, None, True)]:
            tool_case(ctx, nm, "edftop", path, must=must)
            if both:
                tool_case(ctx, nm, "edftop --json", path, must=must)
                exp_case(ctx, nm, path, must=must)
    finally:
        ss.close()


def fake_servers(ctx):
    for mode, desc, must, json_too, exp_too in [
            ("silent", "server accepts, never sends the greeting", NO_GREETING, True, True),
            ("greet_then_silent", "greeting, then no reply", None, True, True),
            ("close_at_once", "server closes at once", None, False, False),
            ("greet_garbage", "greeting is binary garbage", None, True, False),
            ("greet_list", "greeting is a JSON list", None, False, False),
            ("greet_bigmax", "greeting max_output_len 10^12", None, True, True),   # D4
            ("greet_huge", "1 MB greeting", None, False, True),
            ("huge", "1 MB reply", None, True, True),
            ("hugevalid", "reply of 1500 keys (valid JSON)", None, False, False),
            ("deep", "reply nested 200000 deep", None, True, True),               # D4
            ("garbage", "reply of random bytes", None, False, True),
            ("wrongshape", "reply value is a string", None, False, False),
            ("nulls", "every reply null", None, False, False),
            ("nan", "NaN/Infinity/-1 counters", None, True, True)]:
        p, path = start_srv(ctx, mode)
        try:
            tool_case(ctx, desc, "edftop", path, extra=("--timeout", "2"), must=must)
            if json_too:
                tool_case(ctx, desc, "edftop --json", path, extra=("--timeout", "2"), must=must)
            if exp_too:
                exp_case(ctx, desc, path, must=must)
        finally:
            p.kill()
            p.wait()


def real_edfpipe(ctx):
    pfx = ctx.prefix()
    p = popen(ctx, pfx, ["net_pcap0,rx_pcap=%s,infinite_rx=1" % ctx.d_pcap(), "net_null0"],
              "-p 0x1 --set 'port 0.tx_port=1' --rate 1:100000000 --duration 6")
    time.sleep(1.5)
    r = subprocess.run(edftop(ctx) + ["-f", pfx, "--once", "--json", "--interval", "0.5"], capture_output=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    try:
        j = json.loads(r.stdout)
        okj = r.returncode == 0 and isinstance(j, dict)
    except ValueError as e:
        okj, j = False, str(e)
    ctx.record("edftop --once --json against a real edfpipe (control)", "edftop -f P --once --json", "rc 0, JSON",
               "rc %d, JSON keys %s" % (r.returncode, list(j)[:6] if isinstance(j, dict) else j), okj,
               r.stderr.decode()[-1500:])
    ex = subprocess.Popen(exporter(ctx) + ["-f", pfx, "--listen", "127.0.0.1:0", "--timeout", "2"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    top = None
    up1 = up2 = "?"
    line = ""
    try:
        line = ex.stderr.readline().decode()
        port = re.search(r":(\d+)/metrics", line).group(1)
        top = subprocess.Popen(edftop(ctx) + ["-f", pfx, "--interval", "0.5"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        b1 = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=10).read().decode()
        up1 = re.search(r"^edfpipe_up (\d)", b1, re.M).group(1)
        finish(p, 15, signal.SIGTERM)
        time.sleep(0.5)
        b2 = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=10).read().decode()
        up2 = re.search(r"^edfpipe_up (\d)", b2, re.M).group(1)
    finally:
        if p.poll() is None:
            finish(p, 5, signal.SIGKILL)
        ctx.cleanup(pfx)
        trc, _, te, _ = finish(top, 10) if top else ("not started", "", "", 0)
        exerr = line + finish(ex, 5, signal.SIGTERM)[2]
    ctx.record("exporter while edfpipe runs, then after it exits", "edfpipe-exporter -f P; curl; kill edfpipe; curl",
               "edfpipe_up 1 then 0, one 'not reachable' log line, no traceback",
               "edfpipe_up %s then %s; log: %s" % (up1, up2, [x for x in exerr.splitlines() if "reach" in x][-1:]),
               up1 == "1" and up2 == "0" and "Traceback" not in exerr, exerr[-1500:])
    tel = [x for x in te.splitlines() if x.strip()]
    ctx.record("edftop live view (not a tty) when edfpipe exits", "edftop -f P --interval 0.5 | cat; kill edfpipe",
               "exit 2 with one line 'went away', no traceback", "rc %s: %s" % (trc, tel[-1][:200] if tel else "-"),
               trc == 2 and "Traceback" not in te and len(tel) <= 2, te[-1500:])


def run(ctx):
    bad_paths(ctx)
    fake_servers(ctx)
    real_edfpipe(ctx)
