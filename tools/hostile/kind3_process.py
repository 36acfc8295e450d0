"""Kind 3, process and I/O: every catchable signal (stop signals drain and exit 0, others are
ignored), signals at start-up and during the drain, SIGSTOP/SIGCONT, closed and full standard
streams, a stdout pipe nobody reads, odd --stats-json targets, EAL start-up failures."""
import fcntl
import json
import os
import re
import signal
import subprocess
import time

from common import acc, acc_text, balanced, errline, finish, odd_files, popen, sh

TITLE = "3. Process and I/O"
LOADARGS = "-p 0x1 --set 'port 0.tx_port=1'"
NOT_READ = "stdout is not being read"
STOPPING = re.compile(r"signal \d+ .*received.*stopping")  # "signal 15 received (SIGTERM), stopping"


def light(ctx):
    return ["net_pcap0,rx_pcap=%s,tx_pcap=%s" % (ctx.d_pcap(), ctx.path("p", "o3.pcap"))]


def load(ctx):
    return ["net_pcap0,rx_pcap=%s,infinite_rx=1" % ctx.d_pcap(), "net_null0"]


def sigcase(ctx, case, sigs, delay=0.8, gap=0.0, under_load=False, expect_stop=True, extra="", maxexit=3.0):
    pfx = ctx.prefix()
    vds, args = (load(ctx), LOADARGS) if under_load else (light(ctx), "--idle sleep")
    args += " " + extra
    if not expect_stop:
        args += " --duration 3"
    p = popen(ctx, pfx, vds, args)
    time.sleep(delay)
    for s in sigs:
        try:
            os.kill(p.pid, s)
        except ProcessLookupError:
            pass
        if gap:
            time.sleep(gap)
    t0 = time.time()
    rc, out, err, _ = finish(p, 15)
    dt = time.time() - t0
    ctx.cleanup(pfx)
    a = acc(out)
    bal = balanced(out)
    signame = [line for line in err.splitlines() if STOPPING.search(line)]
    if expect_stop:
        ok = rc == 0 and bal and dt <= maxexit and bool(signame)
    else:
        ok = rc == 0 and bal and dt >= 1.0 and not signame
    names = "+".join(signal.Signals(s).name if s in signal.Signals._value2member_map_ else str(s) for s in sigs)
    obs = "rc %s, exit %.2fs after signal, %s, %s" % (rc, dt, acc_text(a),
                                                       signame[0].replace("edfpipe: ", "") if signame
                                                       else "no 'received' line")
    return ctx.record(case, "kill -%s <pid> at %.2fs%s" % (names, delay, " (under load)" if under_load else ""),
                      "stops through drain: rc 0, balanced, within %.0fs" % maxexit if expect_stop
                      else "ignored; runs to --duration 3", obs, ok, out[-2000:] + err[-2000:])


def signals(ctx):
    for s in ["HUP", "INT", "QUIT", "USR1", "USR2", "ALRM", "TERM", "XCPU", "XFSZ", "VTALRM", "PROF", "IO", "PWR",
              "STKFLT"]:
        sigcase(ctx, "SIG" + s, [getattr(signal, "SIG" + s)])
    # the 31 real-time signals: one row in the report
    rt = []
    for n in range(signal.SIGRTMIN, signal.SIGRTMAX + 1):
        rt.append(sigcase(ctx, "SIGRTMIN+%d" % (n - signal.SIGRTMIN), [n], delay=0.6))
    ctx.results[-len(rt):] = []
    bad = [r for r in rt if r["result"] != "PASS"]
    ctx.record("SIGRTMIN+0 .. SIGRTMIN+%d (SIGRTMAX), each in its own run" % (len(rt) - 1),
               "kill -<N> <pid> at 0.6 s, N = %d..%d" % (signal.SIGRTMIN, signal.SIGRTMAX), rt[0]["expected"],
               "%d/%d stopped through the drain (rc 0, balanced, log 'signal N received (SIGRTMIN+k), stopping')%s" % (
                   len(rt) - len(bad), len(rt), "; failed: " + "; ".join(
                       "%s: %s" % (r["case"], r["observed"]) for r in bad) if bad else ""),
               not bad, "\n".join(r["detail"] for r in bad))
    for s in ["PIPE", "WINCH", "CHLD", "URG", "CONT"]:
        sigcase(ctx, "SIG%s (not a stop signal)" % s, [getattr(signal, "SIG" + s)], expect_stop=False, maxexit=6)
    sigcase(ctx, "TERM twice quickly", [signal.SIGTERM, signal.SIGTERM], gap=0.001)
    sigcase(ctx, "INT then TERM 1 ms apart, under load", [signal.SIGINT, signal.SIGTERM], gap=0.001, under_load=True)
    sigcase(ctx, "USR1 HUP RTMIN QUIT within 3 ms under load",
            [signal.SIGUSR1, signal.SIGHUP, signal.SIGRTMIN, signal.SIGQUIT], gap=0.001, under_load=True)
    sigcase(ctx, "TERM under load, spin backlog, drain 1000", [signal.SIGTERM], under_load=True,
            extra="--processing spin --spin-base-ns 50000 --drain-ms 1000", maxexit=2.5)
    sigcase(ctx, "TERM, then INT during a 2 s drain", [signal.SIGTERM, signal.SIGINT], gap=0.5, under_load=True,
            extra="--processing spin --spin-base-ns 50000 --drain-ms 2000", maxexit=3.5)
    for d in (0.0, 0.02, 0.1, 0.3):
        pfx = ctx.prefix()
        p = popen(ctx, pfx, light(ctx), "--idle sleep")
        time.sleep(d)
        os.kill(p.pid, signal.SIGTERM)
        rc, out, err, dt = finish(p, 15)
        ctx.cleanup(pfx)
        a = acc(out)
        clean = rc == 0 and balanced(out)
        killed = rc == -15 and not out.strip()
        ctx.record("SIGTERM %.0f ms after launch" % (d * 1000), "kill -TERM <pid> %.0f ms after exec" % (d * 1000),
                   "no hang: killed before handlers are installed (rc -15), or a clean stop (rc 0, balanced)",
                   "rc %s in %.2fs, %s, %s" % (rc, dt, acc_text(a), errline(err, "stopping") or "-"),
                   (clean or killed) and rc != "HANG", out[-1500:] + err[-1500:])


def stop_cont(ctx):
    pfx = ctx.prefix()
    js = ctx.path("stop.json")
    p = popen(ctx, pfx, load(ctx), LOADARGS + " --rate 1:1000000 --duration 3 --stats-json " + js)
    time.sleep(1.0)
    os.kill(p.pid, signal.SIGSTOP)
    time.sleep(10)
    os.kill(p.pid, signal.SIGCONT)
    t0 = time.time()
    rc, out, err, _ = finish(p, 20)
    dt = time.time() - t0
    ctx.cleanup(pfx)
    a = acc(out)
    try:
        with open(js) as f:
            j = json.load(f)
        txb = sum(c["tx_bytes"] for c in j["classes"])
        lim = 32768 + 1e6 / 8 * j["uptime_s"] + 1600
        mx = max(c["latency_ns"]["max"] for c in j["classes"])
        info = "uptime %.1fs, tx_bytes %d (limit %d), max latency %.2fs" % (j["uptime_s"], txb, lim, mx / 1e9)
        jok = txb <= lim and mx <= j["uptime_s"] * 1e9
    except Exception as e:
        info, jok = "no json %s" % e, False
    ok = rc == 0 and balanced(out) and dt < 2.5 and jok
    ctx.record("SIGSTOP 10 s / SIGCONT under --rate 1:1000000, duration 3",
               "kill -STOP at 1 s, kill -CONT at 11 s", "stops <2.5 s after CONT (duration passed), rate respected, balanced",
               "rc %s, exit %.2fs after CONT, %s; %s" % (rc, dt, acc_text(a), info), ok, out[-1500:] + err[-1500:])


def fdcase(ctx, case, redir, args="--duration 1", expect="rc 0, no crash, stops on time", check=None, timeout=15):
    pfx = ctx.prefix()
    cmd = "timeout -s KILL %d %s -- %s %s" % (timeout, ctx.eal(pfx, light(ctx)), args, redir)
    rc, out, err, dt = sh(cmd, timeout=timeout + 5)
    ctx.cleanup(pfx)
    ok = rc == 0 and dt < timeout - 1
    if check:
        ok = check(rc, out, err, dt) is True
    ctx.record(case, "edfpipe ... -- %s %s" % (args, redir.replace(ctx.W + "/", "")), expect,
               "rc %s in %.1fs; stdout %d B; %s" % (rc, dt, len(out), errline(err, "stdout") if "stdout" in err
                                                     else errline(err, "edfpipe") or "-"), ok,
               out[-1500:] + err[-1500:])


def showcfg(ctx):
    p = ctx.path("showcfg.txt")
    if not os.path.exists(p):
        with open(p, "w") as f:
            f.write("show config\n" * 2000)
    return p


def fds(ctx):
    fdcase(ctx, "stdout closed", ">&-")
    fdcase(ctx, "stderr closed", "2>&-", check=lambda rc, o, e, dt: rc == 0 and "accounting" in o)
    fdcase(ctx, "stdout+stderr closed", ">&- 2>&-")
    fdcase(ctx, "stdin closed, no -i", "<&-", check=lambda rc, o, e, dt: rc == 0 and "accounting" in o)
    fdcase(ctx, "stdin closed, -i", "<&-", args="-i --duration 10",
           expect="shell sees end of input at once: 'shell closed, stopping', rc 0",
           check=lambda rc, o, e, dt: rc == 0 and dt < 5 and "shell closed" in e and "accounting" in o)
    fdcase(ctx, "all three closed, -i", "<&- >&- 2>&-", args="-i --duration 10", expect="rc 0 quickly",
           check=lambda rc, o, e, dt: rc == 0 and dt < 5)
    fdcase(ctx, "stdin /dev/null, stdout closed, -i", "</dev/null >&-", args="-i --duration 10", expect="rc 0 quickly",
           check=lambda rc, o, e, dt: rc == 0 and dt < 5)
    lost = "cannot write the final report to stdout: No space left on device"
    fdcase(ctx, "stdout /dev/full", ">/dev/full", args="--duration 1",
           expect="rc 1, '%s' (D2)" % lost, check=lambda rc, o, e, dt: rc == 1 and lost in e)
    fdcase(ctx, "stdout /dev/full, --stats-period 1", ">/dev/full", args="--duration 2 --stats-period 1",
           expect="warning 'cannot write the statistics table', then rc 1, '%s' (D2)" % lost,
           check=lambda rc, o, e, dt: "cannot write the statistics table" in e and rc == 1 and lost in e)
    fdcase(ctx, "stdout /dev/full, -i with script", "<%s >/dev/full" % showcfg(ctx), args="-i --duration 5",
           expect="no hang; the lost output is reported: rc 1, '%s' (D2)" % lost,
           check=lambda rc, o, e, dt: dt < 6 and rc == 1 and lost in e)


def full_pipe():
    """A pipe already full: (read end, write end); the write end is blocking again."""
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
    try:
        while True:
            os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return r, w


def wait_or_kill(p, timeout):
    """(rc or a HANG description, seconds): a process still there after `timeout` gets a second
    SIGTERM, then SIGKILL."""
    t0 = time.time()
    try:
        p.wait(timeout=timeout)
        return p.returncode, time.time() - t0
    except subprocess.TimeoutExpired:
        dt = time.time() - t0
    try:
        with open("/proc/%d/wchan" % p.pid) as f:
            wchan = f.read()
    except OSError:
        wchan = "?"
    os.kill(p.pid, signal.SIGTERM)
    try:
        p.wait(timeout=3)
        return "HANG (2nd TERM: rc %s)" % p.returncode, dt
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        return "HANG (needed SIGKILL; wchan %s)" % wchan, dt


def fullpipe(ctx, case, args, vds, stdin=subprocess.DEVNULL, sig_at=3.0, maxexit=8.0):
    r, w = full_pipe()
    pfx = ctx.prefix()
    p = popen(ctx, pfx, vds, args, stdin=stdin, stdout=w)
    os.close(w)
    time.sleep(sig_at)
    os.kill(p.pid, signal.SIGTERM)
    rc, dt = wait_or_kill(p, 10)
    err = p.stderr.read().decode(errors="replace")
    os.close(r)
    ctx.cleanup(pfx)
    ok = rc == 0 and dt <= maxexit and NOT_READ in err
    ctx.record(case, "edfpipe ... -- %s | (pipe already full, never read); kill -TERM at %.0fs" % (args, sig_at),
               "stops within %.0f s of SIGTERM: rc 0, stderr '%s' (D1)" % (maxexit, NOT_READ),
               "rc %s, %.1fs after TERM; %s" % (rc, dt, errline(err, NOT_READ) or errline(err, "stopping")), ok,
               err[-2500:])


def pipes(ctx):
    fullpipe(ctx, "stdout = full pipe from exec (EAL log blocks)", "--idle sleep", light(ctx))
    fullpipe(ctx, "stdout = full pipe, --stats-period 1", "--idle sleep --stats-period 1", light(ctx))
    fullpipe(ctx, "stdout = full pipe, under load", LOADARGS + " --stats-period 1", load(ctx))
    with open(showcfg(ctx)) as script:
        fullpipe(ctx, "stdout = full pipe, -i script of 2000 'show config'", "-i --idle sleep", light(ctx),
                 stdin=script)
    # no signal: --duration must end the run although stdout takes nothing
    r, w = full_pipe()
    pfx = ctx.prefix()
    t0 = time.time()
    p = popen(ctx, pfx, light(ctx), "--idle sleep --duration 2", stdout=w)
    os.close(w)
    rc, _ = wait_or_kill(p, 10)
    dt = time.time() - t0
    err = p.stderr.read().decode(errors="replace")
    os.close(r)
    ctx.cleanup(pfx)
    ok = rc == 0 and dt <= 7 and "duration of 2 s reached" in err and NOT_READ in err
    ctx.record("stdout = full pipe, --duration 2, no signal", "edfpipe ... -- --duration 2 > (full pipe never read)",
               "exits within ~5 s of start (duration 2 s + at most 2 s for the report), rc 0, "
               "stderr '%s' (D1)" % NOT_READ,
               "rc %s, exit %.1fs after start; %s" % (rc, dt, errline(err, NOT_READ) or errline(err, "reached")), ok,
               err[-2500:])


def stats_json(ctx):
    t = odd_files(ctx.path("j", mkdir=True), fifo="j.fifo", regular="jreal.json", subdir="jdir",
                  links=[("jlink", "jreal.json"), ("jdangling", "nowhere/x.json"), ("jdirlink", "jdir")])
    ro = t + "/ro"
    os.makedirs(ro, exist_ok=True)
    ro_rc = subprocess.run("mountpoint -q %s || mount -t tmpfs -o ro,size=1m none %s" % (ro, ro), shell=True,
                           stderr=subprocess.DEVNULL).returncode
    long5000 = t + "/" + "/".join(["d" * 99] * 50)
    longcomp = t + "/" + "n" * 300 + ".json"
    cases = [("FIFO", t + "/j.fifo", "refused before EAL, no block"),
             ("directory", t + "/jdir", "refused before EAL"),
             ("/dev/full", "/dev/full", "refused before EAL"),
             ("/dev/null", "/dev/null", "refused or written, no block"),
             ("symlink to regular file", t + "/jlink", "written through the link, link kept"),
             ("dangling symlink", t + "/jdangling", "refused before EAL"),
             ("symlink to a directory", t + "/jdirlink", "refused before EAL"),
             ("read-only filesystem" + ("" if ro_rc == 0 else " (mount failed: skipped)"), ro + "/s.json",
              "refused before EAL"),
             ("5000-character path", long5000, "refused before EAL with ENAMETOOLONG-like message"),
             ("300-character file name", longcomp, "refused before EAL"),
             ("empty string", "", "refused before EAL: '--stats-json: empty file name' (D8)"),
             ("path with spaces + newline", t + "/a b\nc.json", "written or refused, no crash")]
    try:
        for nm, path, exp in cases:
            pfx = ctx.prefix()
            quoted = "'%s'" % path
            cmd = "timeout -s KILL 15 %s -- --duration 1 --idle sleep --stats-json %s" % (ctx.eal(pfx, light(ctx)),
                                                                                          quoted)
            rc, out, err, dt = sh(cmd, timeout=20)
            ctx.cleanup(pfx)
            e = errline(err, "stats-json")
            if nm == "symlink to regular file":
                ok = rc == 0 and os.path.islink(path) and os.path.getsize(t + "/jreal.json") > 100
            elif nm == "/dev/null" or nm.startswith("path with spaces"):
                ok = rc in (0, 1) and dt < 5
            elif nm == "empty string":
                ok = rc == 1 and "--stats-json: empty file name" in err and dt < 2 and "accounting" not in out
            else:
                ok = rc == 1 and "stats-json" in e and dt < 2 and "accounting" not in out
            shown = path.replace(ctx.W + "/", "")
            ctx.record("--stats-json to " + nm,
                       "edfpipe ... -- --stats-json '%s'" % (shown if len(shown) < 60
                                                             else shown[:40] + "...(%d chars)" % len(path)),
                       exp, "rc %s in %.1fs: %s" % (rc, dt, (e[:200] + "...") if len(e) > 200 else e or "-"), ok,
                       out[-1000:] + err[-1500:])
    finally:
        subprocess.run("umount %s" % ro, shell=True, stderr=subprocess.DEVNULL)


def eal_failures(ctx):
    pfx = ctx.prefix()
    first = popen(ctx, pfx, light(ctx), "--idle sleep --duration 6")
    time.sleep(1.0)
    rc, out, err, dt = sh("timeout -s KILL 15 " + ctx.eal(pfx, ["net_null0"]) + " -- --duration 1", timeout=20)
    finish(first, 10, signal.SIGTERM)
    ctx.cleanup(pfx)
    e = errline(err, "EAL initialisation failed")
    ctx.record("EAL: same --file-prefix twice", "edfpipe --file-prefix P ... (while another runs with P)",
               "rc 1, message quotes EAL's reason (lock / another primary)", "rc %s: %s" % (rc, e),
               rc == 1 and ("lock" in e or "primary" in e.lower()), err[-2000:])
    not_created = "the device was not created"
    for nm, eargs, keys, exp in [
            ("bad --vdev driver", "--vdev net_bogus0", ("bogus", "driver", "device"), None),
            ("bad --vdev args", "--vdev 'net_pcap0,rx_pcap=/nonexistent.pcap'", (not_created,),
             "rc 1, '--vdev net_pcap0: %s' (D3)" % not_created),
            ("-l 0-5 on 2 CPUs", "-l 0-5", ("lcore", "unavailable"), None),
            ("-m 1 (too little memory)", "-m 1", ("memory", "mem"), None),
            ("--in-memory with --no-huge", "--in-memory", ("in-memory", "compatible"), None),
            ("300-char --file-prefix", "--file-prefix " + "p" * 300, ("prefix", "long", "path"), None),
            ("unknown EAL option", "--bogus-eal", ("bogus", "unrecognized", "invalid"), None)]:
        pfx = ctx.prefix()
        base = ctx.eal(pfx)
        if eargs.startswith("-l "):
            base = base.replace("-l 0-1", eargs)
        elif eargs.startswith("-m "):
            base = base.replace("-m 512", eargs)
        elif eargs.startswith("--file-prefix"):
            base = base.replace("--file-prefix " + pfx, eargs)
        else:
            base += " " + eargs
        if "vdev" not in eargs:
            base += " --vdev net_null0"
        rc, out, err, dt = sh("timeout -s KILL 20 " + base + " -- --duration 1 --idle sleep", timeout=25)
        ctx.cleanup(pfx)
        e = errline(err, "edfpipe: error")
        ok = rc == 1 and any(k in e.lower() for k in keys) and "Success" not in e and dt < 15
        ctx.record("EAL: " + nm, "edfpipe %s ... -- --duration 1" % (eargs if len(eargs) < 50 else eargs[:30] + "..."),
                   exp or "rc 1, the edfpipe error line says what EAL/the PMD said",
                   "rc %s in %.1fs: %s" % (rc, dt, e[:250]), ok, out[-1000:] + err[-2000:])
    # a --vdev that fails to probe next to one that works: EAL renumbers the ports
    empty = ctx.path("p", "empty0.pcap")
    open(empty, "wb").close()
    pfx = ctx.prefix()
    rc, out, err, dt = sh("timeout -s KILL 20 " + ctx.eal(pfx, ["net_pcap0,rx_pcap=%s" % empty, "net_null0"]) +
                          " -- --duration 1 --idle sleep", timeout=25)
    ctx.cleanup(pfx)
    ok = rc == 1 and "--vdev net_pcap0: " + not_created in err and "accounting:" not in out
    ctx.record("EAL: one --vdev fails to probe, another is fine",
               "edfpipe --vdev net_pcap0,rx_pcap=EMPTY_FILE --vdev net_null0 -- --duration 1",
               "refuse to start: rc 1, '--vdev net_pcap0: %s' (D3)" % not_created,
               "rc %s in %.1fs: %s" % (rc, dt, errline(err, "edfpipe: error") or errline(out + err, "profile")), ok,
               out[-1000:] + err[-1500:])


def run(ctx):
    fds(ctx)
    pipes(ctx)
    signals(ctx)
    stats_json(ctx)
    eal_failures(ctx)
    stop_cont(ctx)
