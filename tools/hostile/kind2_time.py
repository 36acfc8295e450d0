"""Kind 2, time and units: every numeric option at and past its limit (--check-profile), then real
runs at the limits (rates, budgets, spin times, drain, stats period, idle exit) whose latency
fields must stay consistent: min <= p50 <= ... <= max <= uptime, count = tx, min >= spin time."""
import json
import os

from common import errline, sh, std_run, udp_frame

TITLE = "2. Time and units"

CHECKS = [
    ("--rate 0:1", 0, "profile OK"), ("--rate 0:7", 0, "profile OK"), ("--rate 0:8", 0, "profile OK"),
    ("--rate 0:400000000000", 0, "profile OK"), ("--rate 0:400000000001", 1, "out of range"),
    ("--rate 0:-1", 1, "error"), ("--rate 0:18446744073709551616", 1, "error"), ("--rate 0:1e9", 1, "error"),
    ("--rate 0:1000000000junk", 1, "error"), ("--rate 0:", 1, "error"), ("--rate :5", 1, "error"),
    ("--rate 0:0x10", 1, "error"), ("--rate ' 0:5'", 1, "error"), ("--rate 1024:5", 1, "error"),
    ("--rate 0:+5", 1, "error"),
    ("--set 'class high.budget_us=60000000'", 0, "profile OK"),
    ("--set 'class high.budget_us=60000001'", 1, "out of range"),
    ("--set 'class high.budget_us=0'", 1, "out of range"), ("--set 'class high.budget_us=-1'", 1, "error"),
    ("--set 'class high.budget_us=99999999999999999999999'", 1, "error"),
    ("--set 'class high.budget_us=500us'", 1, "error"),
    ("--spin-base-ns 100000000", 0, "profile OK"), ("--spin-base-ns 100000001", 1, "out of range"),
    ("--spin-per-byte-ns 1000000", 0, "profile OK"), ("--spin-per-byte-ns 1000001", 1, "out of range"),
    ("--drain-ms 0", 0, "profile OK"), ("--drain-ms 60000", 0, "profile OK"), ("--drain-ms 60001", 1, "out of range"),
    ("--stats-period 86400", 0, "profile OK"), ("--stats-period 86401", 1, "out of range"),
    ("--stats-period -1", 1, "error"),
    ("--duration 31536000", 0, "profile OK"), ("--duration 31536001", 1, "out of range"), ("--duration 1.5", 1, "error"),
    ("--duration ''", 1, "error"), ("--idle-exit 86400001", 1, "out of range"),
]


def lat_ok(j, spin_ns=None):
    for c in j["classes"]:
        lat = c["latency_ns"]
        if lat["count"] == 0:
            continue
        if lat["count"] != c["tx"]:
            return "%s count %d != tx %d" % (c["name"], lat["count"], c["tx"])
        seq = [lat["min"], lat["p50"], lat["p90"], lat["p99"], lat["p999"], lat["max"]]
        if seq != sorted(seq):
            return "%s percentiles not ordered %s" % (c["name"], seq)
        if not (lat["min"] <= lat["mean"] <= lat["max"]):
            return "%s mean outside [min,max]" % c["name"]
        if lat["max"] > (j["uptime_s"] + 0.05) * 1e9:
            return "%s max %d ns > uptime" % (c["name"], lat["max"])
        if spin_ns and lat["min"] < spin_ns:
            return "%s min %d < spin %d" % (c["name"], lat["min"], spin_ns)
    return True


def run_json(ctx, case, args, pcapfile=None, infinite=True, timeout=40, maxtime=None, spin_ns=None, extra_check=None,
             expected=None):
    pcapfile = pcapfile or ctx.d_pcap()
    pfx = ctx.prefix()
    js = ctx.path("json", pfx + ".json")
    if infinite:
        vds = ["net_pcap0,rx_pcap=%s,infinite_rx=1" % pcapfile, "net_null0"]
        base = "-p 0x1 --set 'port 0.tx_port=1'"
        s = "edfpipe --vdev net_pcap0,rx_pcap=%s,infinite_rx=1 --vdev net_null0 -- -p 0x1 --set 'port 0.tx_port=1' %s" % (
            os.path.basename(pcapfile), args)
    else:
        vds = ["net_pcap0,rx_pcap=%s,tx_pcap=%s" % (pcapfile, ctx.path("p", "o2.pcap"))]
        base = ""
        s = "edfpipe --vdev net_pcap0,rx_pcap=%s,tx_pcap=o.pcap -- %s" % (os.path.basename(pcapfile), args)
    cmd = "timeout -s KILL %d %s -- %s %s --stats-json %s" % (timeout - 2, ctx.eal(pfx, vds), base, args, js)

    def want(a, r, out):
        try:
            with open(js) as f:
                j = json.load(f)
        except Exception as e:
            return "no json: %s" % e
        res = lat_ok(j, spin_ns)
        if res is not True:
            return res
        if extra_check:
            return extra_check(a, r, out, j)
        return True
    r = std_run(ctx, case, s, cmd, pfx, want=want, timeout=timeout, maxtime=maxtime,
                expected=expected or "rc 0, balanced, latency min<=p50<=..<=max<=uptime, count=tx")
    if os.path.exists(js):
        os.unlink(js)
    return r


def txrate_le(bps, burst=32768):
    def f(a, r, out, j):
        txb = sum(c["tx_bytes"] for c in j["classes"])
        lim = burst + bps / 8 * j["uptime_s"] + 1600
        if txb > lim:
            return "tx_bytes %d > bucket+rate %d" % (txb, lim)
        return True
    return f


def run(ctx):
    for args, want_rc, sub in CHECKS:
        cmd = "timeout 20 %s -- %s --check-profile" % (ctx.E, args)
        rc, out, err, dt = sh(cmd)
        text = out + err
        ok = rc == want_rc and sub in text and "Traceback" not in text
        line = (out.strip().splitlines() or [""])[-1] if rc == 0 else errline(err)
        ctx.record("parse " + args, "edfpipe -- %s --check-profile" % args,
                   "rc %d, '%s'" % (want_rc, sub), "rc %d: %s" % (rc, line), ok, text[-2000:])

    base64 = udp_frame(64)
    tiny_mix = ctx.frames_pcap("infinite_rx_zero_length_valid_64_B_1_s", [b"", udp_frame(64)] * 5)
    truncs = ctx.frames_pcap("infinite_rx_truncations_1_64_B_2_s", [base64[:n] for n in range(1, 65)])
    for bps in (1, 7, 8, 1000):
        run_json(ctx, "run --rate 1:%d, 2 s" % bps, "--rate 1:%d --duration 2 --drain-ms 200" % bps, maxtime=6,
                 extra_check=txrate_le(bps))
    run_json(ctx, "run --rate 1:400000000000 (max), 1 s", "--rate 1:400000000000 --duration 1", maxtime=5)
    run_json(ctx, "run budget_us=60000000 (max), 1 s", "--set 'class high.budget_us=60000000' --duration 1", maxtime=5)
    run_json(ctx, "run budget_us=1 all classes, 1 s",
             "--set 'class high.budget_us=1' --set 'class medium.budget_us=1' "
             "--set 'class low.budget_us=1' --set 'class best_effort.budget_us=1' --duration 1", maxtime=5,
             extra_check=lambda a, r, o, j: True if sum(c["misses"] for c in j["classes"]) > 0
             else "no misses at 1 us budget")
    run_json(ctx, "run budget 1 us + expired=drop, 1 s",
             "--set 'class high.budget_us=1' --set 'class high.expired=drop' --duration 1", maxtime=5)
    run_json(ctx, "spin base 100 ms (max) per packet, duration 1, drain 500",
             "--processing spin --spin-base-ns 100000000 --spin-per-byte-ns 0 --duration 1", maxtime=5,
             spin_ns=100000000)
    run_json(ctx, "spin per-byte 1 ms (max) ~1.4 s/packet, duration 1",
             "--processing spin --spin-base-ns 0 --spin-per-byte-ns 1000000 --duration 1 --drain-ms 100", maxtime=6)
    run_json(ctx, "spin 0/0, 1 s", "--processing spin --spin-base-ns 0 --spin-per-byte-ns 0 --duration 1", maxtime=5)
    run_json(ctx, "spin 1 ms with zero-length+tiny frames",
             "--processing spin --spin-base-ns 1000000 --spin-per-byte-ns 1000000 --duration 1",
             pcapfile=tiny_mix, maxtime=5, spin_ns=1000000)
    run_json(ctx, "fifo scheduling, tiny frames 1..64", "--set 'pipeline.scheduling=fifo' --duration 1",
             pcapfile=truncs, maxtime=5)
    run_json(ctx, "drain-ms 0 under load", "--processing spin --spin-base-ns 20000 --duration 1 --drain-ms 0", maxtime=4,
             extra_check=lambda a, r, o, j: True if j["drops_by_reason"]["shutdown"] > 0
             else "no shutdown drops with drain 0")
    run_json(ctx, "drain-ms 60000 (max), nothing queued", "--duration 1 --drain-ms 60000", maxtime=5)
    run_json(ctx, "drain-ms 3000 with slow rate backlog", "--rate 1:8000 --duration 1 --drain-ms 3000", maxtime=7)
    run_json(ctx, "drain-ms 60000 with spin 100 ms backlog",
             "--processing spin --spin-base-ns 100000000 --spin-per-byte-ns 0 --duration 1 --drain-ms 60000",
             timeout=75, maxtime=70, spin_ns=100000000, expected="drains within 60 s, balanced")
    run_json(ctx, "stats-period 1, duration 3", "--stats-period 1 --duration 3", maxtime=7,
             extra_check=lambda a, r, o, j: True if o.count("== edfpipe:") >= 2
             else "only %d live tables" % o.count("== edfpipe:"))
    run_json(ctx, "stats-period 86400 (max), duration 1", "--stats-period 86400 --duration 1", maxtime=5)
    run_json(ctx, "idle-exit 1 ms with finite pcap", "--idle-exit 1", infinite=False, maxtime=5)
    run_json(ctx, "duration 1 + idle-exit 86400000", "--duration 1 --idle-exit 86400000", maxtime=5)
