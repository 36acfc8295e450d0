"""Kind 1, data path: odd frames (empty, truncated, random, VLAN, jumbo, over 64 KiB) and broken
pcap files, read once or replayed with net_pcap infinite_rx; every frame must end up under one
reason, rx = tx + drops, every mbuf back."""
import os
import random
import re
import struct

from common import acc, acc_text, balanced, errline, nocls, sh, std_run, udp_frame
from edfpipe.pcap import write_pcap

TITLE = "1. Data path"
UPSTREAM_D7 = ("DPDK 22.11 net_pcap eth_pcap_rx_infinite() leaks a burst of mbufs per poll when its "
               "packet ring is empty; edfpipe's mbuf check reports it (rc 3)")


def trunc_reason(n):
    if n < 14:
        return "runt"
    if n < 34:
        return "bad_ipv4_header"
    if n < 64:
        return "bad_ipv4_length"
    return None


def exact(expect_tx, reasons):
    def f(a, r, out):
        if a[1] != expect_tx:
            return "tx %d != %d" % (a[1], expect_tx)
        if r != reasons:
            return "reasons %s != %s" % (r, reasons)
        return True
    return f


def prop_only(allowed, must_tx=None):
    def f(a, r, out):
        if a[0] == 0:
            return "rx 0"
        extra = set(r) - set(allowed)
        if extra:
            return "unexpected reasons %s" % extra
        if must_tx is not None and (a[1] > 0) != must_tx:
            return "tx %d" % a[1]
        return True
    return f


def run_pcap(ctx, case, frame_list, want, infinite=False, dur=None, extra="--idle-exit 300 --other-traffic drop",
             timeout=40):
    pfx = ctx.prefix()
    path = ctx.frames_pcap(re.sub(r"[^A-Za-z0-9]+", "_", case), frame_list)
    vd = "net_pcap0,rx_pcap=%s" % path
    if infinite:
        vds = [vd + ",infinite_rx=1", "net_null0"]
        args = "-p 0x1 --set 'port 0.tx_port=1' --other-traffic drop --duration %d" % (dur or 1)
    else:
        vds = [vd + ",tx_pcap=%s" % ctx.path("p", "out.pcap")]
        args = extra
    cmd = "timeout -s KILL 35 " + ctx.eal(pfx, vds) + " -- " + args
    short = "edfpipe --vdev net_pcap0,rx_pcap=%s%s -- %s" % (
        os.path.basename(path), ",infinite_rx=1 --vdev net_null0" if infinite else ",tx_pcap=out.pcap", args)
    return std_run(ctx, case, short, cmd, pfx, want=want, timeout=timeout,
                   expected="rc 0; each frame under one reason; rx = tx + drops; mbufs back")


def broken_files(ctx, base64):
    """Pcap files that are cut, empty or odd: name -> path."""
    d = ctx.path("p", mkdir=True)
    paths = {n: os.path.join(d, n + ".pcap") for n in
             ("empty0", "hdronly", "halfhdr", "cutrec", "cutrechdr", "hugecap", "linktype_raw", "ns_be")}
    open(paths["empty0"], "wb").close()
    write_pcap(paths["hdronly"], [])
    with open(paths["hdronly"], "rb") as f:
        header = f.read()
    with open(paths["halfhdr"], "wb") as f:
        f.write(header[:10])
    write_pcap(paths["cutrec"], [base64])
    os.truncate(paths["cutrec"], 24 + 16 + 30)                 # record cut inside its data
    write_pcap(paths["cutrechdr"], [base64])
    with open(paths["cutrechdr"], "ab") as f:                  # then 5 bytes of a record header
        f.write(b"\1\2\3\4\5")
    write_pcap(paths["hugecap"], [base64])
    with open(paths["hugecap"], "r+b") as f:                   # caplen and len 0x7fffffff
        f.seek(24 + 8)
        f.write(struct.pack("<II", 0x7FFFFFFF, 0x7FFFFFFF))
    write_pcap(paths["linktype_raw"], [base64])
    with open(paths["linktype_raw"], "r+b") as f:              # link type 101, raw IP
        f.seek(20)
        f.write(struct.pack("<I", 101))
    with open(paths["ns_be"], "wb") as f:                      # nanosecond stamps, big-endian
        f.write(struct.pack(">IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        for i in range(10):
            f.write(struct.pack(">IIII", 1, i, 64, 64) + base64)
    return paths


def run(ctx):
    base64 = udp_frame(64)
    run_pcap(ctx, "100 zero-length frames", [b""] * 100, exact(0, {"runt": 100}))
    exp = {}
    for n in range(65):
        r = trunc_reason(n)
        if r:
            exp[r] = exp.get(r, 0) + 1
    run_pcap(ctx, "truncations 0..64 B of a 64-B frame", [base64[:n] for n in range(65)], exact(1, exp))
    run_pcap(ctx, "valid UDP frames 42..64 B (no padding)", [udp_frame(n) for n in range(42, 65)], exact(23, {}))
    rnd = random.Random(7)
    run_pcap(ctx, "random bytes, sizes 0..64 x10",
             [bytes(rnd.randrange(256) for _ in range(n)) for n in range(65) for _ in range(10)],
             prop_only({"runt", "not_ip", "bad_ipv4_header", "bad_ipv4_checksum", "bad_ipv4_length", "fragment",
                        "not_udp", "bad_udp_length", "bad_ipv6_header", "bad_ipv6_length", "ipv6_ext_header",
                        "ipv6_ext_chain", "bad_udp_checksum"}))
    vl = base64[:12] + b"\x81\x00\x00\x64" + base64[12:]
    run_pcap(ctx, "VLAN frame truncated at 12..22 B", [vl[:n] for n in range(12, 23)],
             exact(0, {"runt": 6, "bad_ipv4_header": 5}))
    run_pcap(ctx, "infinite_rx truncations 1..64 B, 2 s", [base64[:n] for n in range(1, 65)],
             prop_only({"runt", "bad_ipv4_header", "bad_ipv4_length", "shutdown"}, must_tx=True), infinite=True, dur=2)
    run_pcap(ctx, "infinite_rx 10 zero-length frames, 1 s", [b""] * 10, prop_only({"runt", "shutdown"}, must_tx=False),
             infinite=True, dur=1)
    run_pcap(ctx, "infinite_rx zero-length + valid 64 B, 1 s", [b"", udp_frame(64)] * 5,
             prop_only({"runt", "shutdown"}, must_tx=True), infinite=True, dur=1)
    mal = [base64[:5], base64[:20], b"\xff" * 60, base64[:12] + b"\x86\xdd" + base64[14:]]
    run_pcap(ctx, "infinite_rx all-malformed, 1 s", mal,
             prop_only({"runt", "bad_ipv4_header", "not_ip", "bad_ipv6_header", "shutdown"}, must_tx=False),
             infinite=True, dur=1)
    run_pcap(ctx, "all-malformed 10000 frames", mal * 2500,
             exact(0, {"runt": 2500, "bad_ipv4_header": 2500, "not_ip": 2500, "bad_ipv6_header": 2500}))
    for sz in (9018, 9600, 16384, 65549):
        run_pcap(ctx, "jumbo %d B valid UDP x3" % sz, [udp_frame(sz)] * 3, exact(3, {}))
    big = udp_frame(1000) + b"\0" * (100000 - 1000)
    run_pcap(ctx, "100000-B record (IPv4 len 986, padding)", [big, udp_frame(64)], exact(2, {}))
    run_pcap(ctx, "200000-B garbage record", [b"\x02" * 200000, udp_frame(64)], exact(1, {"not_ip": 1}))

    # one 9000-B frame (two mbufs) with infinite_rx, which takes single-segment frames only
    pfx = ctx.prefix()
    path = ctx.frames_pcap("inf_jumbo", [udp_frame(9000)])
    cmd = "timeout -s KILL 30 " + ctx.eal(pfx, ["net_pcap0,rx_pcap=%s,infinite_rx=1" % path, "net_null0"]) + \
        " -- -p 0x1 --set 'port 0.tx_port=1' --duration 1"
    rc, out, err, dt = sh(cmd)
    ctx.cleanup(pfx)
    a = acc(out)
    ok = (rc == 1 and "error" in err) or (rc == 0 and balanced(out))
    ctx.record("infinite_rx with one 9000-B frame",
               "--vdev net_pcap0,rx_pcap=jumbo.pcap,infinite_rx=1 --vdev net_null0 -- --duration 1",
               "clean error naming the cause, or a balanced run",
               "rc %d, %s, %.1fs: %s" % (rc, acc_text(a), dt, errline(err, "rror")), ok, out[-2000:] + err[-2000:])

    # empty, cut and odd pcap files, read once and with infinite_rx
    paths = broken_files(ctx, base64)
    leaks_upstream = {"hdronly", "cutrec", "hugecap"}  # no packet at all for infinite_rx: D7
    for nm, desc, fin_want in [
            ("empty0", "0-byte file", None), ("hdronly", "pcap header only (0 records)", exact(0, {})),
            ("halfhdr", "10-byte truncated header", None),
            ("cutrec", "record cut inside its data", None), ("cutrechdr", "1 record + cut record header", None),
            ("hugecap", "record caplen 0x7fffffff", None), ("linktype_raw", "linktype 101 (raw IP)", None),
            ("ns_be", "big-endian nanosecond pcap, 10 frames", exact(10, {}))]:
        for inf in (False, True):
            path = paths[nm]
            pfx = ctx.prefix()
            if inf:
                cmd = "timeout -s KILL 30 " + ctx.eal(pfx, ["net_pcap0,rx_pcap=%s,infinite_rx=1" % path, "net_null0"]) + \
                    " -- -p 0x1 --set 'port 0.tx_port=1' --duration 1"
            else:
                cmd = "timeout -s KILL 30 " + ctx.eal(pfx, ["net_pcap0,rx_pcap=%s" % path]) + " -- --idle-exit 300"
            rc, out, err, dt = sh(cmd)
            ctx.cleanup(pfx)
            a = acc(out)
            bal = balanced(out)
            note = ""
            if inf and nm in leaks_upstream:
                expected = "rc 3: edfpipe reports the mbufs the PMD did not return (upstream DPDK leak, D7)"
                ok = (rc == 3 and a is not None and a[0] == a[1] + a[2]
                      and "edfpipe: error: mempool" in err and "mbufs returned" in err)
                note = UPSTREAM_D7
            elif rc == 0:
                expected = "rc 0 balanced, or rc 1 with a message naming the cause; no hang"
                ok = bal and (fin_want is None or inf or fin_want(a, nocls(out), out) is True)
            else:
                expected = "rc 0 balanced, or rc 1 with a message naming the cause; no hang"
                ok = rc == 1 and "edfpipe: error" in err
            msg = errline(err, "rror")
            ctx.record(desc + (" infinite_rx" if inf else " finite"),
                       "--vdev net_pcap0,rx_pcap=%s.pcap%s" % (nm, ",infinite_rx=1 ... --duration 1" if inf
                                                               else " -- --idle-exit 300"),
                       expected, "rc %d, %s, %.1fs%s" % (rc, acc_text(a), dt, (": " + msg) if rc else ""), ok,
                       out[-2000:] + err[-3000:], note=note)
