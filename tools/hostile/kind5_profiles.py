"""Kind 5, profiles (-f): files that are not profiles (directories, FIFOs, devices, /proc, /sys),
files at and past the size and line limits, every kind of bad syntax, long port lists, dump/load
round trips, and long values read back through the telemetry socket of a running edfpipe."""
import json
import os
import signal
import subprocess
import zlib

from common import acc, errline, finish, odd_files, popen, sh
from edfpipe import telemetry

TITLE = "5. Profiles"
GOOD = "[pipeline]\nburst = 32\n\n[class high]\nbudget_us = 1000\nudp_dst_ports = 8080-8081\n\n[class low]\nbudget_us = 100000\n"
GOODD = GOOD + "default = yes\n"

# (case, text in GOOD, what replaces it, rc, what the output must contain): one edit of GOOD each
SYNTAX = [
    ("[class  high] (two spaces)", "budget_us = 100000\n", "budget_us = 100000\n[class  high]\nbudget_us = 5\n", 1, "class"),
    ("[Class high]", "[class low]", "[Class low]", 1, "Class"),
    ("[class high ] (space inside)", "[class low]", "[class low ]", 1, "error"),
    ("[ class high]", "[class low]", "[ class low]", 1, "error"),
    ("[class\\thigh] (tab)", "[class low]", "[class\tlow]", 1, "error"),
    ("[class hіgh] (Cyrillic i)", "[class low]", "[class lоw]", 1, "\\x"),
    ("fullwidth brackets", "[class low]", "［class low］", 1, "\\x"),
    ("[class low]] ", "[class low]", "[class low]]", 1, "error"),
    ("[[class low]", "[class low]", "[[class low]", 1, "error"),
    ("[class low] ; comment", "[class low]", "[class low] ; comment", 0, "profile OK"),
    ("[class low]junk", "[class low]", "[class low]junk", 1, "error"),
    ("[port 00]", "budget_us = 100000\n", "budget_us = 100000\n[port 00]\nrate_bps = 5\n", 1, "error"),
    ("[port 0x1]", "budget_us = 100000\n", "budget_us = 100000\n[port 0x1]\nrate_bps = 5\n", 1,
     "a decimal number is expected"),  # D11
    ("duplicate section", "budget_us = 100000\n", "budget_us = 100000\n[class high]\nbudget_us = 5\n", 1,
     "appears twice"),
    ("duplicate key", "burst = 32\n", "burst = 32\nburst = 64\n", 1, "key given twice"),
    ("duplicate key, same value", "burst = 32\n", "burst = 32\nburst = 32\n", 1, "key given twice"),
    ("key with space 'bur st'", "burst = 32", "bur st = 32", 1, "error"),
    ("key 'Burst'", "burst = 32", "Burst = 32", 1, "error"),
    ("'burst==32'", "burst = 32", "burst==32", 1, "error"),
    ("'= 32'", "burst = 32", "= 32", 1, "error"),
    ("'burst 32' (no =)", "burst = 32", "burst 32", 1, "error"),
    ("'burst = 32 junk'", "burst = 32", "burst = 32 junk", 1, "not a whole number"),
    ("'burst = 32;c' (comment)", "burst = 32", "burst = 32;c", 0, "profile OK"),
    ("'burst = 32#c'", "burst = 32", "burst = 32#c", 1, "error"),
    ("'burst = \"32\"'", "burst = 32", 'burst = "32"', 1, "error"),
    ("'burst = 0x20'", "burst = 32", "burst = 0x20", 1, "error"),
    ("'burst = 32 ' + NBSP", "burst = 32", "burst = 32\u00a0", 1, "not ASCII"),
    ("'burst =' (empty)", "burst = 32", "burst =", 1, "empty"),
    ("key before any section", "[pipeline]\n", "burst = 32\n[pipeline]\n", 1, "error"),
    ("budget_us = 1000 us", "budget_us = 1000\n", "budget_us = 1000 us\n", 1, "error"),
    ("budget_us = 1e3", "budget_us = 1000\n", "budget_us = 1e3\n", 1, "error"),
    ("budget_us = 00001000", "budget_us = 1000\n", "budget_us = 00001000\n", 0, "profile OK"),
    ("portmask = 0xffffffffffffffff", "burst = 32", "portmask = 0xffffffffffffffff", 0, "profile OK"),
    ("portmask = 0x1ffffffffffffffff", "burst = 32", "portmask = 0x1ffffffffffffffff", 1, "error"),
    ("udp_dst_ports = 8080-", "8080-8081", "8080-", 1, "error"),
    ("udp_dst_ports = 8081-8080", "8080-8081", "8081-8080", 1, "error"),
    ("udp_dst_ports = 8080,,8081", "8080-8081", "8080,,8081", 1, "error"),
    ("udp_dst_ports = 65536", "8080-8081", "65536", 1, "out of range"),
    ("17-char class name", "[class low]", "[class abcdefghijklmnopq]", 1, "error"),
]
NINE_CLASSES = "".join("[class c%d]\nbudget_us = %d\n" % (i, 1000 * (i + 1)) for i in range(9))


def w(ctx, name, data):
    p = ctx.path("prof", name)
    with open(p, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return p


def chk(ctx, case, path, want_rc, sub, short=None, extra="", expected=None, timeout=20, also=""):
    cmd = "timeout -s KILL %d %s -- -f '%s' %s --check-profile" % (timeout, ctx.E, path, extra)
    try:
        rc, out, err, dt = sh(cmd, timeout=timeout + 5)
    except subprocess.TimeoutExpired:
        rc, out, err, dt = "HANG", "", "", timeout
    text = out + err
    lines = [line for line in err.splitlines() if line.strip()]
    ok = rc == want_rc and sub in text and also in text and dt < 5 and "Traceback" not in text
    first = (lines[0] if lines else out.strip())[:220].replace(ctx.W + "/", "")
    more = " (+%d more lines)" % (len(lines) - 1) if len(lines) > 1 else ""
    ctx.record(case, short or "edfpipe -- -f %s --check-profile" % os.path.basename(path),
               expected or "rc %d, '%s'" % (want_rc, sub), "rc %s in %.2fs: %s%s" % (rc, dt, first, more), ok,
               text[-2500:])


def files(ctx):
    d = odd_files(ctx.path("prof", mkdir=True), fifo="p.fifo", subdir="adir")
    chk(ctx, "directory", d + "/adir", 1, "a directory, not a profile")
    chk(ctx, "FIFO (no writer)", d + "/p.fifo", 1, "a FIFO, not a profile")
    chk(ctx, "/dev/zero", "/dev/zero", 1, "character device")
    chk(ctx, "/dev/urandom", "/dev/urandom", 1, "character device")
    chk(ctx, "/dev/stdin (a pipe)", "/dev/stdin", 1, "not a profile")
    chk(ctx, "/proc/self/status", "/proc/self/status", 1, "/proc/self/status:")
    chk(ctx, "/proc/kallsyms (5 MB, stat size 0)", "/proc/kallsyms", 1, "larger than the limit of 1 MiB",
        also="its size was not known in advance", expected="rc 1, 'larger than the limit of 1 MiB' and "
        "'its size was not known in advance' (D10)")
    chk(ctx, "/proc/self/environ (NUL bytes)", "/proc/self/environ", 1, "error")
    chk(ctx, "/sys file (nr_hugepages)", "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", 1, "error")
    chk(ctx, "empty file", w(ctx, "empty.ini", b""), 0, "profile OK (4 classes)",
        expected="rc 0: empty = built-in classes")
    chk(ctx, "only comments and blank lines", w(ctx, "comments.ini", b"; x\n\n   \n\t\n# not a comment?\n"), 1, "error",
        expected="'#' is not a comment in INI: refused (or accepted if documented)")
    pad = 1048576 - len(GOOD)
    line = ";" + "c" * 4000 + "\n"
    s = GOOD + line * (pad // len(line))
    s += ";" + "c" * (1048576 - len(s) - 2) + "\n"
    assert len(s) == 1048576
    chk(ctx, "exactly 1 MiB", w(ctx, "1m.ini", s), 0, "profile OK (2 classes)")
    chk(ctx, "1 MiB + 1 byte", w(ctx, "1m1.ini", s + "\n"), 1, "larger than the limit of 1 MiB")
    chk(ctx, "4096-byte line", w(ctx, "l4096.ini", GOOD + ";" + "x" * 4095 + "\n"), 0, "profile OK")
    chk(ctx, "4097-byte line", w(ctx, "l4097.ini", GOOD + ";" + "x" * 4096 + "\n"), 1, "4096")
    chk(ctx, "4096-byte line + CRLF", w(ctx, "l4096crlf.ini", GOOD.replace("\n", "\r\n") + ";" + "x" * 4095 + "\r\n"),
        0, "profile OK")
    chk(ctx, "4097-byte value line (ports)",
        w(ctx, "l4097v.ini", GOOD + "[class mid]\nbudget_us=5000\nudp_dst_ports = " + "9000," * 680 + "9000\n"),
        1, "error")
    chk(ctx, "1 MiB of one line, no newline", w(ctx, "oneline.ini", "x" * 1048576), 1, "4096")
    chk(ctx, "NUL byte in a comment", w(ctx, "nul.ini", GOOD + "; a\0b\n"), 1, "control")
    chk(ctx, "lone CR line ends (old Mac)", w(ctx, "cr.ini", GOOD.replace("\n", "\r")), 1, "error")
    chk(ctx, "UTF-8 BOM", w(ctx, "bom.ini", b"\xef\xbb\xbf" + GOOD.encode()), 1, "\\xef")
    chk(ctx, "20000 error lines", w(ctx, "errs.ini", "[pipeline]\n" + "bogus = 1\n" * 20000), 1, "more errors",
        expected="rc 1, 20 lines then '... and N more errors'")


def syntax(ctx):
    for nm, old, new, rc_want, sub in SYNTAX[:-1] + [("9 classes", GOOD, NINE_CLASSES, 1, "error")] + SYNTAX[-1:]:
        assert old in GOOD, nm
        body = GOOD.replace(old, new, 1)
        chk(ctx, "profile: " + nm, w(ctx, "s_%08x.ini" % zlib.crc32(nm.encode()), body), rc_want, sub,
            expected="rc 1, 'a decimal number is expected' (D11)" if nm == "[port 0x1]" else None)


def ports_list(n, start=10000):
    return ",".join(str(start + 2 * i) for i in range(n))


def ports(ctx):
    for n in (50, 500, 650, 667, 5000):
        body = GOODD + "[class mid]\nbudget_us = 5000\nudp_dst_ports = %s\n" % ports_list(n)
        if n == 5000:
            chk(ctx, "udp_dst_ports list of %d ports" % n, w(ctx, "ports%d.ini" % n, body), 1, "error")
        elif n == 667:
            chk(ctx, "udp_dst_ports list of %d ports (4001 chars)" % n, w(ctx, "ports%d.ini" % n, body), 1,
                "list too long")
        else:
            chk(ctx, "udp_dst_ports list of %d ports" % n, w(ctx, "ports%d.ini" % n, body), 0, "profile OK")
    rc, out, err, dt = sh("%s -- --set 'class mid.budget_us=5000' --set 'class mid.udp_dst_ports=%s' --check-profile"
                          % (ctx.E, ports_list(5000)))
    ctx.record("--set udp_dst_ports of 5000 ports",
               "edfpipe -- --set 'class mid.udp_dst_ports=10000,...(5000)' --check-profile",
               "rc 1, list too long", "rc %d: %s" % (rc, errline(err)[:200]), rc == 1 and "too long" in err, err[-2000:])
    for nm in ("built-in", "500-port list + 8 classes", "conf/edfpipe.ini"):
        fpath = None
        if nm.startswith("500"):
            body = "".join("[class c%d]\nbudget_us = %d\nudp_dst_ports = %s\ndscp = %d\nquantum_bytes = 16777216\n" %
                           (i, 1000 * (i + 1), ports_list(600 if i == 0 else 5, 10000 + 2000 * i), i) for i in range(8))
            body += ("[fwd]\nudp_port_map = 1-100:1001-1100, 200:300\n[port 3]\nrate_bps = 400000000000\n"
                     "tx_port = 1023\n[lcores]\nrx = 1,2,3\n")
            fpath = w(ctx, "rt.ini", body)
        elif nm.startswith("conf/"):
            fpath = os.path.join(ctx.root, "conf", "edfpipe.ini")
        a1 = "-f %s" % fpath if fpath else ""
        rc1, o1, e1, _ = sh("%s -- %s --dump-profile" % (ctx.E, a1))
        p2 = w(ctx, "rt_dump1.ini", o1)
        rc2, o2, e2, _ = sh("%s -- -f %s --dump-profile" % (ctx.E, p2))
        p3 = w(ctx, "rt_dump2.ini", o2)
        rc3, o3, e3, _ = sh("%s -- -f %s --check-profile" % (ctx.E, p3))
        ok = rc1 == 0 and rc2 == 0 and o1 == o2 and rc3 == 0
        ctx.record("dump -> load round trip: " + nm,
                   "edfpipe -- %s --dump-profile > x.ini; edfpipe -- -f x.ini --dump-profile" % (
                       a1 and "-f " + os.path.basename(fpath)),
                   "identical text, rc 0", "rc %d/%d, identical %s, %d bytes; %s" % (
                       rc1, rc2, o1 == o2, len(o1), (e1 + e2).strip()[:200]), ok, (e1 + e2 + e3)[-2000:])


def strings_in(value):
    """Every string, and every list of strings joined with ',', anywhere in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        if value and all(isinstance(x, str) for x in value):
            yield ",".join(value)
        for x in value:
            yield from strings_in(x)
    elif isinstance(value, dict):
        for x in value.values():
            yield from strings_in(x)


def tele_run(ctx, profile, queries):
    """Runs edfpipe -f profile, asks `queries` on its telemetry socket, stops it with SIGTERM:
    ({query: reply or 'ERROR: ...'}, rc, stdout)."""
    pfx = ctx.prefix()
    p = popen(ctx, pfx, ["net_pcap0,rx_pcap=%s" % ctx.d_pcap()], "-f %s --idle sleep --duration 20" % profile)
    res = {}
    try:
        with telemetry.connect_wait(file_prefix=pfx, wait_s=10, timeout=5) as c:
            for q in queries:
                try:
                    res[q] = c.query_raw(q)
                except telemetry.TelemetryError as e:
                    res[q] = "ERROR: %s" % e
    except telemetry.TelemetryError as e:
        for q in queries:
            res.setdefault(q, "ERROR: %s" % e)
    rc, out, _, _ = finish(p, 15, signal.SIGTERM)
    ctx.cleanup(pfx)
    return res, rc, out


def tele(ctx):
    want = ports_list(650)
    fp = w(ctx, "tele.ini", GOODD + "[class mid]\nbudget_us = 5000\nudp_dst_ports = %s\n" % want)
    lat200 = "/edfpipe/latency," + "x" * 200
    queries = ["/edfpipe/config", "/edfpipe/classes", "/edfpipe/latency,mid", lat200, "/edfpipe/latency,"]
    res, rc, out = tele_run(ctx, fp, queries)
    cl = json.dumps(res["/edfpipe/classes"])
    ctx.record("/edfpipe/classes with a 650-port list", "telemetry /edfpipe/classes (edfpipe -f tele.ini)",
               "valid JSON reply with the class", "reply %d bytes, mentions mid: %s" % (len(cl), "mid" in cl),
               "mid" in cl and len(cl) > 50 and not cl.startswith('"ERROR'), cl[:2000])
    for q in queries[2:]:
        r = res[q]
        text = json.dumps(r) if not isinstance(r, str) else r
        ok = isinstance(r, dict) and len(text) > 0
        ctx.record("telemetry %s" % (q if len(q) < 40 else q[:30] + "...(200 x)"), "telemetry %s" % q[:40],
                   "a reply (data or null/error), edfpipe keeps running", "reply: %s" % text[-160:], ok, text[-1500:])
    a = acc(out)
    ctx.record("real run -f with 650-port class, SIGTERM", "edfpipe ... -- -f tele.ini --duration 20; kill -TERM",
               "rc 0, balanced", "rc %s, %s" % (rc, a), rc == 0 and a is not None and a[0] == a[1] + a[2], out[-2000:])
    cfg = res["/edfpipe/config"]
    text = json.dumps(cfg) if not isinstance(cfg, str) else cfg
    whole = not isinstance(cfg, str) and any(s.replace(" ", "") == want for s in strings_in(cfg))
    ctx.record("/edfpipe/config with a 650-port list (3899 chars)", "telemetry /edfpipe/config (edfpipe -f tele.ini)",
               "the whole list (as one string or as parts that join to it)",
               "reply %d bytes; udp_dst_ports of mid %s; edfpipe rc %s" % (
                   len(text), "whole" if whole else "NOT whole: " + text[:300], rc), whole and rc == 0, text[:3000])

    body = "".join("[class c%d]\nbudget_us = %d\nudp_dst_ports = %s\n" % (i, 1000 * (i + 1),
                                                                          ports_list(600, 10000 + 2000 * i))
                   for i in range(8))
    res, rc, out = tele_run(ctx, w(ctx, "tele8.ini", body), ["/edfpipe/config"])
    cfg = res["/edfpipe/config"]
    text = json.dumps(cfg) if not isinstance(cfg, str) else cfg
    lists = [ports_list(600, 10000 + 2000 * i) for i in range(8)]
    got = set(s.replace(" ", "") for s in strings_in(cfg)) if not isinstance(cfg, str) else set()
    whole = all(x in got for x in lists)
    explicit = next((s for s in strings_in(cfg) if "too large" in s), None) if not isinstance(cfg, str) else None
    ctx.record("/edfpipe/config with 8 classes x 600 ports (~29 KB > 16 KB reply)",
               "telemetry /edfpipe/config (edfpipe -f tele8.ini)",
               "whole, or an explicit error; never a silently cut reply",
               "reply %d bytes; %s; edfpipe rc %s" % (len(text), "whole" if whole else
                                                      ("explicit error: " + explicit) if explicit
                                                      else "CUT or missing: " + text[:200], rc),
               (whole or bool(explicit)) and rc == 0, text[:3000])


def run(ctx):
    files(ctx)
    syntax(ctx)
    ports(ctx)
    tele(ctx)
