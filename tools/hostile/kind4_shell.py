"""Kind 4, the shell (-i) fed from a script: control bytes, long lines, binary junk, CR/LF
variants, look-alike characters, every `set` at and past its limit, `sleep`, `quit`, and `save
config` to targets that are not regular files."""
import os
import subprocess

from common import acc, balanced, odd_files, sh

TITLE = "4. Shell (`-i`)"
ARGS = "-p 0x1 --set 'port 0.tx_port=1' --idle sleep --rate 1:1000000"
TAIL = b"show config\n"

LIMITS = [
    (b"set class high quantum 64", "ok:"), (b"set class high quantum 63", "error:"),
    (b"set class high quantum 16777216", "ok:"), (b"set class high quantum 16777217", "error:"),
    (b"set class high quantum 4294967360", "Bad arguments"),
    (b"set class high quantum 18446744073709551680", "Bad arguments"), (b"set class high quantum -64", "Bad arguments"),
    (b"set class high budget 1", "ok:"), (b"set class high budget 60000000", "ok:"),
    (b"set class high budget 60000001", "error:"), (b"set class high budget 4294967297", "Bad arguments"),
    (b"set class high budget 0", "error:"),
    (b"set port 1 rate 400000000000", "ok:"), (b"set port 1 rate 400000000001", "error:"),
    (b"set port 1 rate 18446744073709551615", "error:"), (b"set port 1 rate 18446744073709551616", "Bad arguments"),
    (b"set port 1 rate 1", "ok:"), (b"set port 1 rate off", "ok:"), (b"set port 65535 rate 5", "error:"),
    (b"set port 65536 rate 5", "Bad arguments"), (b"set port 0 rate 5", "error:"),
    (b"set processing spin 100000000 1000000", "ok:"), (b"set processing spin 100000001 0", "error:"),
    (b"set processing spin 0 1000001", "error:"), (b"set processing fwd", "ok:"),
    (b"sleep 4294967296", "Bad arguments"), (b"sleep 0", None), (b"set class high expired drop", "ok:"),
    (b"set class high expired maybe", "Bad arguments"),
]


def summary(out):
    keys = ("error:", "ok:", "saved", "Bad arguments", "Command not found", "warning:")
    return " ".join("%s x%d" % (k.rstrip(":"), out.count(k)) for k in keys if out.count(k))


def has(*subs, absent=()):
    def f(rc, out, err, dt):
        for s in subs:
            if s not in out:
                return "missing %r" % s
        for s in absent:
            if s in out:
                return "unexpected %r" % s
        return True
    return f


def shell(ctx, case, script, check, expected, short, extra="", timeout=30):
    pfx = ctx.prefix()
    sp = ctx.path("sh", pfx + ".txt")
    with open(sp, "wb") as f:
        f.write(script)
    vds = ["net_pcap0,rx_pcap=%s,infinite_rx=1" % ctx.d_pcap(), "net_null0"]
    cmd = "timeout -s KILL %d %s -- %s -i %s < %s" % (timeout, ctx.eal(pfx, vds), ARGS, extra, sp)
    try:
        rc, out, err, dt = sh(cmd, timeout=timeout + 5)
    except subprocess.TimeoutExpired:
        rc, out, err, dt = "HANG", "", "", timeout
    ctx.cleanup(pfx)
    bal = balanced(out)
    c = check(rc, out, err, dt) if rc == 0 and bal else "rc %s, balanced %s" % (rc, bal)
    ok = c is True
    if ok:
        obs = "rc 0 in %.1fs, balanced; %s" % (dt, summary(out))
    else:
        obs = "rc %s in %.1fs: %s; %s" % (rc, dt, c, summary(out))
    ctx.record(case, short, expected, obs, ok, out[-3000:] + "\n---\n" + err[-2000:])
    return acc(out)


def lim_check(rc, out, err, dt):
    parts = out.split("edfpipe> ")[1:]   # the replies, one a prompt
    bad = []
    for (line, want), p in zip(LIMITS, parts):
        if want and want not in p:
            bad.append("%s -> %s" % (line.decode(), p.strip().splitlines()[-1] if p.strip() else "(nothing)"))
        if want in ("Bad arguments", "error:") and "ok:" in p:
            bad.append("%s ACCEPTED" % line.decode())
    cfg = parts[len(LIMITS)] if len(parts) > len(LIMITS) else ""
    if "quantum_bytes = 16777216" not in cfg:
        bad.append("final high quantum not 16777216")
    return True if not bad else "; ".join(bad)


def save_targets(ctx):
    s = odd_files(ctx.path("sh", mkdir=True), fifo="f.fifo", regular="real.ini", subdir="dir",
                  links=[("lnk.ini", "real.ini"), ("dang.ini", "none/x.ini"), ("fifolink", "f.fifo")])
    p126 = s + "/" + "q" * (126 - len(s + "/"))
    p200 = s + "/" + "w" * (200 - len(s + "/"))
    assert len(p126) == 126, "work directory path too long for the 126-character case: %d" % len(s)
    return s, [
        ("FIFO", s + "/f.fifo", "not a regular file (a FIFO)"), ("directory", s + "/dir", "not a regular file"),
        ("/dev/full", "/dev/full", "not a regular file"),
        ("/dev/stdout", "/dev/stdout", "a symbolic link to something that is not a regular file (a FIFO)"),
        ("symlink to file", s + "/lnk.ini", "saved"), ("dangling symlink", s + "/dang.ini", "cannot write"),
        ("symlink to FIFO", s + "/fifolink", "cannot write"),
        ("126-char path", p126, "saved"), ("127-char path", p126 + "r", "Bad arguments"),
        ("200-char path", p200, "Bad arguments"),
        ("path with spaces", s + "/a b.ini", "Bad arguments"),
        ("quoted path with spaces", '"%s/a b.ini"' % s, "Bad arguments"),
        ("/proc/self/status", "/proc/self/status", "cannot write"), ("empty", "", "Bad arguments"),
        ("'.' (cwd)", ".", "cannot write")]


def run(ctx):
    ctrl = [c for c in range(0x20) if c not in (0x09, 0x0a, 0x0d)] + [0x7f]
    scr = b"".join(b"show" + bytes([c]) + b" stats\n" for c in ctrl) + TAIL
    shell(ctx, "every control byte 0x00-0x1f, 0x7f inside a line", scr,
          lambda rc, o, e, dt: True if o.count("error: control character") == len(ctrl) and "[pipeline]" in o
          and "\x1b" not in o else "%d refusals of %d" % (o.count("error: control character"), len(ctrl)),
          "each line refused with 'control character 0xNN', echo escaped, next line runs",
          "printf 'show\\xNN stats\\n' x31 | edfpipe -i")
    shell(ctx, "'?' and 'show ?' lines", b"?\nshow ?\nset class high ?\n" + TAIL,
          has("Command not found", "[pipeline]"), "plain characters: 'Command not found'/'Bad arguments', no listing",
          "printf '?\\nshow ?\\n' | edfpipe -i")
    shell(ctx, "0x04 alone, 0x04 at end, then more commands", b"\x04\nshow stats\x04\nshow config\n",
          lambda rc, o, e, dt: True if o.count("control character 0x04") == 2 and "[pipeline]" in o else
          "%d refusals of 2" % o.count("control character 0x04"),
          "Ctrl-D is refused as a character; shell goes on", "printf '\\x04\\nshow stats\\x04\\nshow config\\n' | edfpipe -i")
    shell(ctx, "500-char line (limit)", b"#" + b"x" * 499 + b"\n" + TAIL, has("[pipeline]", absent=("line longer",)),
          "accepted (a comment)", "printf '#x{499}\\n' | edfpipe -i")
    shell(ctx, "501-char line", b"#" + b"x" * 500 + b"\n" + TAIL, has("line longer than 500", "[pipeline]"),
          "refused 'line longer than 500 characters'", "printf '#x{500}\\n' | edfpipe -i")
    shell(ctx, "500 chars + CRLF", b"#" + b"x" * 499 + b"\r\n" + TAIL, has("[pipeline]", absent=("line longer",)),
          "accepted", "printf '#x{499}\\r\\n' | edfpipe -i")
    shell(ctx, "1 MB line then a command", b"show " + b"y" * 1000000 + b"\n" + TAIL,
          has("line longer than 500", "[pipeline]"), "refused once, next line runs",
          "(printf 'show '; head -c 1000000 | tr ...; echo; echo show config) | edfpipe -i")
    shell(ctx, "10 MB line without newline at EOF", b"z" * 10000000, has("line longer than 500"),
          "refused, then end of input", "head -c 10000000 /dev/zero | tr '\\0' z | edfpipe -i")
    nonl = ctx.path("sh", "nonl.ini")
    shell(ctx, "last line without newline", b"show stats\nsave config " + nonl.encode(), has("saved " + nonl),
          "last line runs", "printf 'show stats\\nsave config F' | edfpipe -i")
    shell(ctx, "NUL bytes: inside, alone, leading", b"show\0stats\n\0\0\0\n\0show config\n" + TAIL,
          lambda rc, o, e, dt: True if o.count("control character 0x00") == 3 and "[pipeline]" in o and "\0" not in o
          else "%d refusals of 3" % o.count("control character 0x00"),
          "each refused as 0x00; no NUL on stdout", "printf 'show\\0stats\\n\\0\\0\\n\\0show config\\n' | edfpipe -i")
    rnd = os.urandom(100000)
    shell(ctx, "100000 bytes of /dev/urandom", rnd,
          lambda rc, o, e, dt: True if dt < 15 and "\x1b" not in o else "slow/escape",
          "no crash, no escape bytes on stdout, ends at EOF", "head -c 100000 /dev/urandom | edfpipe -i")
    after = ctx.path("sh", "afterjunk.ini")
    shell(ctx, "urandom then 'quit' never reached", rnd + b"\nsave config " + after.encode() + b"\n",
          lambda rc, o, e, dt: True if dt < 15 and ("saved " + after in o or o.count("error:") > 0) else "neither",
          "garbage refused line by line; the later line still runs",
          "(head -c 100000 /dev/urandom; echo; echo save config F) | edfpipe -i")
    shell(ctx, "lone CR in the middle", b"show\rstats\n" + TAIL, has("control character 0x0d", "[pipeline]"),
          "refused (0x0d)", "printf 'show\\rstats\\n'")
    shell(ctx, "CRLF script", b"show stats\r\nset class high quantum 8192\r\nshow config\r\n",
          has("ok: [class high] quantum_bytes = 8192", "[pipeline]"), "CRLF accepted",
          "printf 'set class high quantum 8192\\r\\n' | edfpipe -i")
    shell(ctx, "UTF-8 and fullwidth chars", "set class hіgh quantum 8192\nshow\u3000stats\n".encode() + TAIL,
          lambda rc, o, e, dt: True if "ok:" not in o and "[pipeline]" in o else "accepted look-alike",
          "refused (no class/Command not found), nothing changed", "printf 'set class h\\u0456gh quantum 8192\\n'")
    shell(ctx, "tabs between words, # comment", b"set\tclass\thigh\tquantum\t8192 # c\n" + TAIL,
          has("ok: [class high] quantum_bytes = 8192"), "tabs separate words, comment ignored",
          "printf 'set\\tclass\\thigh\\tquantum\\t8192 # c\\n'")
    shell(ctx, "set commands at and past every limit (%d lines)" % len(LIMITS),
          b"".join(line + b"\n" for line, _ in LIMITS) + b"show config\n", lim_check,
          "in-range ok:, out-of-range error: ... nothing changed, overflowing numbers Bad arguments, never wrapped",
          "printf 'set class high quantum 4294967360\\n...' | edfpipe -i", timeout=40)
    shell(ctx, "sleep 60000 with --duration 2", b"sleep 60000\nshow stats\n",
          lambda rc, o, e, dt: True if dt < 5 else "took %.1fs" % dt, "--duration ends the run during the sleep",
          "printf 'sleep 60000\\n' | edfpipe -i --duration 2", extra="--duration 2")
    shell(ctx, "sleep 60001 (past the 60000 limit) with --duration 3", b"sleep 60001\nshow stats\n",
          lambda rc, o, e, dt: True if dt < 6 else "took %.1fs" % dt, "refused, or clamped; --duration still ends the run",
          "printf 'sleep 60001\\n' | edfpipe -i --duration 3", extra="--duration 3")
    afterquit = ctx.path("sh", "afterquit.ini")
    shell(ctx, "quit mid-script",
          b"set class high quantum 8192\nquit\nsave config " + afterquit.encode() + b"\nset class high quantum 9999\n",
          lambda rc, o, e, dt: True if not os.path.exists(afterquit) and "9999" not in o else "line after quit ran",
          "lines after quit are not read", "printf 'set ...\\nquit\\nsave config F\\n' | edfpipe -i")

    s, targets = save_targets(ctx)

    def save_check(rc, out, err, dt):
        parts = out.split("edfpipe> ")[1:]
        for (nm, p, want), part in zip(targets, parts):
            lines = part.strip().splitlines() or ["-"]
            reply = " / ".join(x for x in lines[1:] if x)[:200] or "(no reply)"
            ok = want in part
            if nm == "symlink to file":
                ok = ok and os.path.islink(s + "/lnk.ini") and os.path.getsize(s + "/real.ini") > 100
            shown = p.replace(ctx.W + "/", "")
            ctx.record("save config -> " + nm, "save config " + (shown if len(p) < 50
                                                                 else shown[:20] + "...(%d chars)" % len(p)),
                       "'%s'%s" % (want, " (D9)" if nm == "/dev/stdout" else ""), reply, ok, part[-1000:])
        leftovers = [f for f in os.listdir(s) if ".tmp" in f]
        if leftovers:
            return "temp files left: %s" % leftovers[:3]
        return True
    # sh() takes stdout through a pipe: /dev/stdout is a FIFO, as in `edfpipe -i | cat`
    shell(ctx, "save config: no temporary file left, no block",
          b"".join(b"save config " + p.encode() + b"\n" for _, p, _ in targets), save_check,
          "after %d refused/accepted saves no .NAME.tmp file remains; shell ends normally" % len(targets),
          "printf 'save config F.fifo\\n...' | edfpipe -i | cat", timeout=40)
