"""Observability of a running edfpipe: its /edfpipe/* telemetry commands, tools/edftop,
tools/edfpipe-exporter scraped by promtool and a real prometheus server, and packet capture with
dpdk-dumpcap.

One edfpipe (--no-huge) runs a known pcap (the four default classes, a malformed frame of each
kind after every 10 valid ones) into a net_null sink. Once every frame went through (rx equals
the pcap and nothing is in flight), every client reads it while it runs; then SIGINT stops it and
what the clients saw is compared with the manifest of the pcap and with the final --stats-json
report. Each reading is kept (or its failure), and each test below checks one of them.

Packet capture needs hugepage files (neither --no-huge nor --in-memory), so it has its own run
on an endless replay of the same pcap.

Programs from Debian packages (tools/install-deps.sh installs them): dpdk-telemetry.py and
dpdk-dumpcap (dpdk-dev), promtool and prometheus (prometheus), tmux. A missing one fails the test.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

import edfit
import teltools
from teltools import metric, tel

COMMANDS = ["/edfpipe/stats", "/edfpipe/classes", "/edfpipe/queues", "/edfpipe/lcores", "/edfpipe/config"]
CLASSES = ["high", "medium", "low", "best_effort"]
LATENCY_KEYS = ["count", "min", "mean", "p50", "p90", "p99", "p999", "max"]
PCAP_ARGS = ("--count", "2000", "--malformed-every", "10")
RUN_ARGS = ["-p", "0x1", "--set", "port 0.tx_port=1", "--duration", "120"]


class Readings(dict):
    """name -> value, or the exception that getting it raised (re-raised by get())."""

    def take(self, name, fn):
        try:
            self[name] = fn()
        except BaseException as e:  # noqa: B902 -- kept for the test that needs it
            if isinstance(e, KeyboardInterrupt):
                raise
            self[name] = e

    def get(self, name):
        v = dict.get(self, name, None)
        if name not in self:
            pytest.fail(f"reading {name!r} was not taken (an earlier step failed)", pytrace=False)
        if isinstance(v, BaseException):
            raise v
        return v


def class_reasons(tel_class):
    """The drop reasons /edfpipe/classes lists for a class (whatever this edfpipe counts)."""
    return [k[len("drops_"):] for k in tel_class if k.startswith("drops_")]


def lat_of(tel_latency):
    return {k: tel_latency[k + "_ns"] if k != "count" else tel_latency["count"] for k in LATENCY_KEYS}


# ------------------------------------------------------------------ the run with known traffic

@pytest.fixture(scope="module")
def live(edfpipe_bin, make_pcap, tmp_path_factory):
    work = tmp_path_factory.mktemp("telemetry")
    pcap, manifest = make_pcap(*PCAP_ARGS)
    frames = edfit.read_pcap(pcap)
    run = teltools.LiveEdfpipe(edfpipe_bin, edfit.NOHUGE, work,
                               [f"net_pcap0,rx_pcap={pcap}", "net_null0"], RUN_ARGS)
    r = Readings(manifest=manifest, frames=frames, work=work, prefix=run.prefix)
    started = []
    tmux_sock = f"edfit{os.getpid()}_tel"
    try:
        # edftop is started first: it must wait for edfpipe, follow it, and notice when it exits.
        top_out, top_err = work / "edftop_live.stdout", work / "edftop_live.stderr"
        with open(top_out, "wb") as o, open(top_err, "wb") as e:
            top = subprocess.Popen([sys.executable, teltools.tool("edftop"), "--file-prefix", run.prefix,
                                    "--interval", "0.3"], stdout=o, stderr=e, stdin=subprocess.DEVNULL)
        started.append(top)
        time.sleep(1.0)
        r["edftop_waiting_alive"] = top.poll() is None
        run.start()
        client = run.client()
        r["pid"] = client.pid
        r["drained"] = teltools.wait_drained(client, len(frames))

        def raw():
            out = {}
            for cmd in COMMANDS + [f"/edfpipe/latency,{c}" for c in CLASSES] + [
                    "/edfpipe/latency,nosuch", "/edfpipe/latency", "/help,/edfpipe/latency", "/edfpipe/nosuch"]:
                out[cmd] = client.query(cmd)
            return out

        r.take("raw", raw)
        r.take("snapshot", lambda: tel.edfpipe_snapshot(client))
        r.take("dpdk_telemetry", lambda: teltools.dpdk_telemetry(
            run.prefix, COMMANDS + [f"/edfpipe/latency,{c}" for c in CLASSES]
            + ["/edfpipe/latency,nosuch", "/help,/edfpipe/latency"]))
        r.take("edftop_once_json", lambda: teltools.run_tool(
            [sys.executable, teltools.tool("edftop"), "--file-prefix", run.prefix, "--once", "--json",
             "--interval", "0.3"]))
        r.take("edftop_once_text", lambda: teltools.run_tool(
            [sys.executable, teltools.tool("edftop"), "--file-prefix", run.prefix, "--once", "--interval", "0.3"]))
        r.take("tmux", lambda: tmux_view(run.prefix, tmux_sock))

        exporter = None

        def export():
            nonlocal exporter
            exporter = teltools.Exporter(run.prefix, work)
            started.append(exporter.proc)
            return {"text": exporter.get(), "openmetrics": exporter.get(accept="application/openmetrics-text")}

        r.take("metrics", export)
        if exporter is not None:
            r.take("promtool", lambda: promtool_check(r.get("metrics")["text"][1]))
            r.take("prometheus", lambda: prometheus_scrape(exporter, work, started))
        client.close()
        r["dpdk_telemetry_after"] = teltools.dpdk_telemetry(run.prefix, ["/edfpipe/stats"])

        run.stop(signal.SIGINT)
        r["rc"], r["final"], r["describe"] = run.rc, run.stats, run.describe()
        # After the exit: edftop says edfpipe went away; the exporter reports it down.
        try:
            top.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        r["edftop_live"] = (top.poll(), teltools.read_text(top_out), teltools.read_text(top_err))
        if exporter is not None:
            r.take("metrics_after_exit", exporter.get)
            r["exporter_log"] = exporter.log()
        r.take("edftop_once_after_exit", lambda: teltools.run_tool(
            [sys.executable, teltools.tool("edftop"), "--file-prefix", run.prefix, "--once"]))
        yield r
    finally:
        for p in started:
            teltools.stop_process(p)
        subprocess.run(["tmux", "-L", tmux_sock, "kill-server"], capture_output=True)
        run.cleanup()


def tmux_view(prefix, sock):
    """edftop in a detached 150x40 tmux pane: two screen captures 2 s apart, then q, then the exit code."""
    tmux = teltools.require_program("tmux", "tmux")
    cmd = f"{sys.executable} {teltools.tool('edftop')} --file-prefix {prefix} --interval 0.25; echo EXIT=$?; sleep 30"
    env = {**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8"}  # the sparklines are UTF-8
    subprocess.run([tmux, "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "top", "-x", "150", "-y", "40",
                    cmd], check=True, capture_output=True, timeout=10, env=env)

    def capture():
        return subprocess.run([tmux, "-L", sock, "capture-pane", "-p", "-t", "top"], capture_output=True,
                              text=True, timeout=10, env=env).stdout

    time.sleep(2.0)
    first = capture()
    time.sleep(1.5)
    second = capture()
    subprocess.run([tmux, "-L", sock, "send-keys", "-t", "top", "q"], capture_output=True, timeout=10, env=env)
    after = ""
    for _ in range(50):
        time.sleep(0.1)
        after = capture()
        if "EXIT=" in after:
            break
    return first, second, after


def promtool_check(text):
    promtool = teltools.require_program("promtool", "prometheus")
    return subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)


def prometheus_scrape(exporter, work, started):
    prom = teltools.Prometheus(f"127.0.0.1:{exporter.port}", work)
    started.append(prom.proc)
    try:
        tx = prom.wait_for("edfpipe_tx_packets_total", lambda res: len(res) == len(CLASSES))
        up = prom.query("edfpipe_up")
        classless = prom.query('sum(edfpipe_drops_total{class=""})')
        count = prom.query('edfpipe_class_latency_seconds_count{class="high"}')
        targets = prom.get("/targets")
        return {"tx": {dict(k)["class"]: v for k, v in tx.items()}, "up": list(up.values()),
                "classless": list(classless.values()), "high_count": list(count.values()),
                "targets": targets["data"]["activeTargets"]}
    finally:
        prom.stop()


# ------------------------------------------------------------------ telemetry commands

def test_run_ended_cleanly(live):
    assert live.get("rc") == 0, live.get("describe")
    final = live.get("final")
    assert final is not None, "no --stats-json report\n" + live.get("describe")
    edfit.check_accounting(final)
    assert final["rx"] == len(live.get("frames"))


def test_every_command_answers_on_the_raw_socket(live):
    raw = live.get("raw")
    for cmd in COMMANDS + [f"/edfpipe/latency,{c}" for c in CLASSES]:
        v = raw[cmd]
        assert isinstance(v, dict) and v, f"{cmd}: {v!r}"
        assert "error" not in v, f"{cmd}: {v}"
    assert set(raw["/edfpipe/classes"]) == set(CLASSES)
    assert raw["/edfpipe/lcores"] == {"1": raw["/edfpipe/lcores"]["1"]}, raw["/edfpipe/lcores"]


def test_dpdk_telemetry_py_gives_the_same_answers(live):
    via_py, raw = live.get("dpdk_telemetry"), live.get("raw")
    for cmd in COMMANDS + [f"/edfpipe/latency,{c}" for c in CLASSES] + ["/edfpipe/latency,nosuch"]:
        a, b = via_py[cmd], raw[cmd]
        if cmd == "/edfpipe/stats":  # the clock moves; nothing else may
            a, b = ({k: v for k, v in x.items() if k != "uptime_ms"} for x in (a, b))
        if cmd == "/edfpipe/lcores":  # the idle loop keeps counting cycles and loops
            a = {lc: {k: v for k, v in d.items() if k in ("roles", "socket", "packets")} for lc, d in a.items()}
            b = {lc: {k: v for k, v in d.items() if k in ("roles", "socket", "packets")} for lc, d in b.items()}
        assert a == b, f"{cmd}: dpdk-telemetry.py says {a}, the raw socket {b}"
    # The idle run keeps the totals still between clients.
    assert live.get("dpdk_telemetry_after")["/edfpipe/stats"]["tx"] == raw["/edfpipe/stats"]["tx"]


def test_help_and_errors(live):
    for src in (live.get("raw"), live.get("dpdk_telemetry")):
        help_text = src["/help,/edfpipe/latency"]
        assert help_text == {"/edfpipe/latency": help_text["/edfpipe/latency"]}
        assert "Latency of one class" in help_text["/edfpipe/latency"], help_text
        assert "class name" in help_text["/edfpipe/latency"], help_text
        err = src["/edfpipe/latency,nosuch"]
        assert set(err) == {"error"} and "nosuch" in err["error"], err
    raw = live.get("raw")
    assert "error" in raw["/edfpipe/latency"], raw["/edfpipe/latency"]
    assert raw["/edfpipe/nosuch"] is None  # DPDK's answer to an unknown command


def test_counters_match_the_manifest(live):
    m, frames = live.get("manifest"), live.get("frames")
    st, classes = live.get("raw")["/edfpipe/stats"], live.get("raw")["/edfpipe/classes"]
    n_bad = sum(m["malformed"].values())
    assert st["rx"] == m["valid"] + n_bad == len(frames)
    assert st["rx_bytes"] == sum(len(f) for f in frames)
    assert st["tx"] == m["valid"] and st["drops"] == n_bad and st["in_flight"] == 0
    reasons = [k[len("drops_"):] for k in st if k.startswith("drops_")]
    assert set(edfit.DROP_REASONS) <= set(reasons), reasons
    for reason in reasons:
        assert st["drops_" + reason] == m["malformed"].get(reason, 0), reason
    for name in CLASSES:
        c = classes[name]
        want = m["classes"][name]
        size = sum(p["len"] for p in m["packets"] if p["class"] == name)
        assert (c["rx"], c["tx"], c["drops"]) == (want, want, 0), (name, c)
        assert c["rx_bytes"] == size and c["tx_bytes"] == size, (name, c)
        assert class_reasons(c) and all(c["drops_" + r] == 0 for r in class_reasons(c)), (name, c)


def test_counters_match_the_final_report(live):
    final, raw = live.get("final"), live.get("raw")
    st, classes = raw["/edfpipe/stats"], raw["/edfpipe/classes"]
    for k in ("rx", "rx_bytes", "tx", "drops", "in_flight"):
        assert st[k] == final[k], k
    assert {r: st["drops_" + r] for r in final["drops_by_reason"]} == final["drops_by_reason"]
    assert len([k for k in st if k.startswith("drops_")]) == len(final["drops_by_reason"])
    for fc in final["classes"]:
        c = classes[fc["name"]]
        for k in ("budget_us", "rx", "tx", "tx_bytes", "late", "misses", "drops"):
            assert c[k] == fc[k], (fc["name"], k, c[k], fc[k])
        for r in class_reasons(c):
            assert c["drops_" + r] == fc["drops_by_reason"][r], (fc["name"], r)


def test_latency_matches_the_final_report(live):
    final, raw = live.get("final"), live.get("raw")
    for fc in final["classes"]:
        t = raw[f"/edfpipe/latency,{fc['name']}"]
        assert t["class"] == fc["name"]
        assert lat_of(t) == fc["latency_ns"], fc["name"]
        les, counts = t["bucket_le_ns"], t["bucket_count"]
        assert len(les) == len(counts) and sum(counts) == t["count"] == fc["tx"]
        assert les == sorted(set(les)) and all(counts), "buckets: non-empty, ascending upper edges"
        assert les[-1] >= t["max_ns"] and t["min_ns"] <= les[0] + 1
        for q, k in ((0.5, "p50_ns"), (0.9, "p90_ns"), (0.99, "p99_ns"), (0.999, "p999_ns")):
            assert tel.percentile_from_buckets(les, counts, q, t["max_ns"]) == t[k], (fc["name"], k)


def test_queues_and_lcores(live):
    raw = live.get("raw")
    q = raw["/edfpipe/queues"]
    assert set(q) == {f"edf_in_{c}" for c in CLASSES} | {f"edf_out_p1_{c}" for c in CLASSES}, q
    for name, ring in q.items():
        assert ring["count"] == 0 and ring["capacity"] == 1024, (name, ring)
        assert 0 <= ring["high_water"] <= ring["capacity"], (name, ring)
    assert any(ring["high_water"] > 0 for ring in q.values()), "2000 packets went through and no ring held one"
    lc = raw["/edfpipe/lcores"]["1"]
    assert lc["roles"] == "rx edf tx"
    assert 0 < lc["busy_cycles"] <= lc["total_cycles"] and lc["loops"] > 0
    assert lc["busy_permille"] == lc["busy_cycles"] * 1000 // lc["total_cycles"]
    # Each role counts a packet it handled: RX every frame, EDF and TX every valid one.
    m = live.get("manifest")
    assert lc["packets"] == len(live.get("frames")) + 2 * m["valid"], lc


def test_config_is_the_running_profile(live, edfpipe_bin):
    res = edfit.run_cli(edfpipe_bin, RUN_ARGS + ["--dump-profile"])
    assert res.rc == 0, res.describe()
    want, section = {}, None
    for line in res.stdout.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line[1:-1].replace(" ", "_")
            want[section] = {}
        else:
            k, _, v = line.partition("=")
            want[section][k.strip()] = v.strip()
    assert live.get("raw")["/edfpipe/config"] == want


# ------------------------------------------------------------------ edftop

def test_edftop_once_json_reports_the_same_values(live):
    p = live.get("edftop_once_json")
    assert p.returncode == 0, p.stderr
    v, final = json.loads(p.stdout), live.get("final")
    assert v["pid"] == live.get("pid") and v["file_prefix"] == live.get("prefix")
    t = v["totals"]
    for k in ("rx", "rx_bytes", "tx", "drops", "in_flight"):
        assert t[k] == final[k], k
    assert t["drops_by_reason"] == final["drops_by_reason"]
    assert t["rx_per_s"] == 0 and t["tx_per_s"] == 0 and v["interval_s"] > 0  # traffic is over
    assert v["classless_drops"] == {r: live.get("manifest")["malformed"].get(r, 0) for r in final["drops_by_reason"]}
    assert [c["name"] for c in v["classes"]] == [c["name"] for c in final["classes"]]
    for c, fc in zip(v["classes"], final["classes"]):
        for k in ("budget_us", "rx", "tx", "tx_bytes", "late", "misses", "drops"):
            assert c[k] == fc[k], (c["name"], k)
        assert c["drops_by_reason"] and all(n == fc["drops_by_reason"][r] for r, n in c["drops_by_reason"].items())
        assert c["latency_ns"] == fc["latency_ns"], c["name"]
        assert c["interval_p99_ns"] is None and c["drops_per_s"] == 0  # nothing sent in the window
    assert [lc["roles"] for lc in v["lcores"]] == [["rx", "edf", "tx"]]
    assert len(v["queues"]) == 8


def test_edftop_once_text(live):
    p = live.get("edftop_once_text")
    assert p.returncode == 0, p.stderr
    for word in ["class", "budget", "p99", "(no class)", "lcores", "history"] + CLASSES:
        assert word in p.stdout, f"{word!r} not in:\n{p.stdout}"
    assert "\x1b" not in p.stdout, "escape codes in --once output"
    runt = live.get("manifest")["malformed"]["runt"]
    assert f"total: runt={runt} " in p.stdout, p.stdout  # class-less drops by reason, none in the last interval


def test_edftop_waits_follows_and_reports_the_exit(live):
    assert live.get("edftop_waiting_alive"), "edftop exited while edfpipe was not running yet"
    rc, out, err = live.get("edftop_live")
    assert "waiting for edfpipe" in err and "not running" in err, err
    frames = ["edfpipe pid" + f for f in out.split("edfpipe pid")[1:]]
    assert len(frames) >= 3, out[-2000:]
    assert all(name in frames[-1] for name in CLASSES)
    assert rc == 2, f"edftop exit code {rc} after edfpipe exited (expected 2)\n{err[-2000:]}"
    assert "went away" in err, err[-2000:]


def test_edftop_once_when_not_running(live):
    p = live.get("edftop_once_after_exit")
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert "not running" in p.stderr and live.get("prefix") in p.stderr, p.stderr
    q = teltools.run_tool([sys.executable, teltools.tool("edftop"), "--file-prefix", "edfit_no_such_prefix",
                           "--once", "--json"])
    assert q.returncode == 1 and q.stdout == "" and "edfit_no_such_prefix" in q.stderr, (q.stdout, q.stderr)


def test_edftop_in_tmux(live):
    first, second, after = live.get("tmux")
    for screen in (first, second):
        assert "edfpipe pid" in screen and "(q quits)" in screen, screen
        for name in CLASSES:
            assert name in screen, screen
        assert "[?" not in screen and "\x1b" not in screen, "raw escape sequences on the screen"
        assert "history" in screen
    assert any(ch in second for ch in "▁▂▃▄▅▆▇█"), f"no sparkline:\n{second}"
    assert "EXIT=0" in after, f"q did not quit edftop:\n{after}"


# ------------------------------------------------------------------ exporter and Prometheus

def test_exporter_reports_the_same_values(live):
    ctype, text = live.get("metrics")["text"]
    assert ctype.startswith("text/plain; version=0.0.4"), ctype
    s, types = teltools.parse_metrics(text)
    final, raw, m = live.get("final"), live.get("raw"), live.get("manifest")
    assert metric(s, "edfpipe_up") == 1
    assert metric(s, "edfpipe_rx_packets_total") == final["rx"]
    assert metric(s, "edfpipe_rx_bytes_total") == final["rx_bytes"]
    assert metric(s, "edfpipe_in_flight_packets") == 0
    for fc in final["classes"]:
        n = fc["name"]
        assert metric(s, "edfpipe_tx_packets_total", **{"class": n}) == fc["tx"] == m["classes"][n]
        assert metric(s, "edfpipe_class_rx_packets_total", **{"class": n}) == fc["rx"]
        assert metric(s, "edfpipe_tx_bytes_total", **{"class": n}) == fc["tx_bytes"]
        assert metric(s, "edfpipe_deadline_misses_total", **{"class": n}) == fc["misses"]
        assert metric(s, "edfpipe_late_total", **{"class": n}) == fc["late"]
        assert metric(s, "edfpipe_class_budget_seconds", **{"class": n}) == fc["budget_us"] / 1e6
        for r in class_reasons(raw["/edfpipe/classes"][n]):
            assert metric(s, "edfpipe_drops_total", **{"class": n, "reason": r}) == fc["drops_by_reason"][r]
        lat = fc["latency_ns"]
        assert metric(s, "edfpipe_class_latency_seconds_count", **{"class": n}) == lat["count"]
        assert metric(s, "edfpipe_class_latency_seconds_bucket", **{"class": n, "le": "+Inf"}) == lat["count"]
        assert metric(s, "edfpipe_class_latency_seconds_sum", **{"class": n}) == pytest.approx(
            lat["mean"] * lat["count"] / 1e9, rel=1e-9)
        for label, k in (("50", "p50"), ("90", "p90"), ("99", "p99"), ("99.9", "p999")):
            assert metric(s, "edfpipe_class_latency_percentile_seconds", **{"class": n, "percentile": label}) == \
                pytest.approx(lat[k] / 1e9, rel=1e-12)
        assert metric(s, "edfpipe_class_latency_max_seconds", **{"class": n}) == pytest.approx(lat["max"] / 1e9)
        # Each le bucket: the packets whose edfpipe bucket ends at or below le; cumulative.
        t = raw[f"/edfpipe/latency,{n}"]
        buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in s.items()
                          if k[0] == "edfpipe_class_latency_seconds_bucket" and dict(k[1])["class"] == n))
        assert len(buckets) >= 10
        prev = 0
        for le, v in buckets:
            assert v >= prev, f"{n}: histogram not cumulative at le={le}"
            prev = v
            want = sum(c for e, c in zip(t["bucket_le_ns"], t["bucket_count"]) if e <= le * 1e9 + 1e-3)
            assert v == want, (n, le, v, want)
    for r in final["drops_by_reason"]:
        assert metric(s, "edfpipe_drops_total", **{"class": "", "reason": r}) == m["malformed"].get(r, 0), r
    q = raw["/edfpipe/queues"]
    for ring, d in q.items():
        assert metric(s, "edfpipe_ring_packets", ring=ring) == d["count"]
        assert metric(s, "edfpipe_ring_capacity_packets", ring=ring) == d["capacity"]
        assert metric(s, "edfpipe_ring_high_water_packets", ring=ring) == d["high_water"]
    assert metric(s, "edfpipe_lcore_busy_cycles_total", lcore="1", roles="rx,edf,tx") > 0
    assert metric(s, "edfpipe_lcore_packets_total", lcore="1", roles="rx,edf,tx") == raw["/edfpipe/lcores"]["1"]["packets"]
    # Stalls can still happen while edfpipe idles (the VM takes the CPU): the final report, written
    # after the scrape, has at least as many.
    stalls = metric(s, "edfpipe_lcore_stalls_total", lcore="1", roles="rx,edf,tx")
    assert 0 <= stalls <= final["lcores"][0]["stalls"], (stalls, final["lcores"])
    assert metric(s, "edfpipe_lcore_stall_seconds_total", lcore="1", roles="rx,edf,tx") >= 0
    # No shell change in this run: every lcore runs the generation published at start.
    gen = raw["/edfpipe/stats"]["config_generation"]
    assert gen >= 1
    assert metric(s, "edfpipe_config_generation") == gen
    assert metric(s, "edfpipe_lcore_config_generation", lcore="1", roles="rx,edf,tx") == gen == \
        raw["/edfpipe/lcores"]["1"]["config_generation"] == final["lcores"][0]["config_generation"]
    for kind, n in final["rx_by_kind"].items():
        assert metric(s, "edfpipe_rx_kind_packets_total", kind=kind) == n, kind
    assert final["rx_by_kind"]["udp4"] + final["rx_by_kind"]["udp6"] == sum(m["classes"].values())
    assert types["edfpipe_class_latency_seconds"] == "histogram"
    assert types["edfpipe_drops_total"] == "counter" and types["edfpipe_in_flight_packets"] == "gauge"


def test_exporter_passes_promtool(live):
    p = live.get("promtool")
    assert p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(), \
        f"promtool check metrics: rc {p.returncode}\n{p.stdout}\n{p.stderr}"


def test_exporter_openmetrics(live):
    ctype, text = live.get("metrics")["openmetrics"]
    assert ctype.startswith("application/openmetrics-text; version=1.0.0"), ctype
    assert text.endswith("# EOF\n")
    s, types = teltools.parse_metrics(text)
    assert types["edfpipe_tx_packets"] == "counter"  # OpenMetrics: family without _total
    assert "# UNIT edfpipe_class_latency_seconds seconds" in text
    assert metric(s, "edfpipe_rx_packets_total") == live.get("final")["rx"]


def test_exporter_after_exit(live):
    ctype, text = live.get("metrics_after_exit")
    s, _ = teltools.parse_metrics(text)
    assert metric(s, "edfpipe_up") == 0
    assert not [k for k in s if k[0].startswith("edfpipe_tx")], "samples of a process that is gone"


def test_prometheus_scrapes_the_exporter(live):
    p, final = live.get("prometheus"), live.get("final")
    assert p["tx"] == {c["name"]: c["tx"] for c in final["classes"]}, p
    assert p["up"] == [1] and p["classless"] == [sum(live.get("manifest")["malformed"].values())]
    assert p["high_count"] == [final["classes"][0]["latency_ns"]["count"]]
    assert [t["health"] for t in p["targets"]] == ["up"], p["targets"]
    assert "openmetrics" in live.get("exporter_log"), "prometheus did not get OpenMetrics"


# ------------------------------------------------------------------ packet capture

HUGEPAGE_FILES = edfit.Mode("hugepage-files", [], ["--mbufs", "4095"])


def test_dumpcap_captures_a_running_edfpipe(edfpipe_bin, make_pcap, hugepages_ready, tmp_path):
    """dpdk-dumpcap, a DPDK secondary process, attaches to edfpipe through rte_pdump. Secondary
    processes need edfpipe's hugepage files: not --no-huge, not --in-memory."""
    dumpcap = teltools.require_program("dpdk-dumpcap", "dpdk-dev")
    pcap, _ = make_pcap(*PCAP_ARGS)
    inputs = set(edfit.read_pcap(pcap))
    # net_pcap keeps its argument string in 64 bytes; a secondary process re-reads that copy and
    # opens the file itself (relative to its own directory). A long path is cut and the capture
    # fails with "failed to initialize net_pcap0 device": use a short path, the same for both.
    os.symlink(pcap, tmp_path / "in.pcap")
    vdev = "net_pcap0,rx_pcap=in.pcap,infinite_rx=1"
    assert len(vdev.split(",", 1)[1]) < 64
    run = teltools.LiveEdfpipe(edfpipe_bin, HUGEPAGE_FILES, tmp_path, [vdev, "net_null0"],
                               ["-p", "0x1", "--set", "port 0.tx_port=1", "--duration", "60"], name="dump")
    out = tmp_path / "capture.pcapng"
    try:
        run.start()
        with run.client() as c:
            deadline = time.monotonic() + 20
            while c.query("/edfpipe/stats")["rx"] == 0:
                assert time.monotonic() < deadline, "edfpipe received nothing"
                time.sleep(0.05)
        p = subprocess.run([dumpcap, "--file-prefix", run.prefix, "-i", "0", "-c", "50", "-w", str(out)],
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, cwd=tmp_path)
        assert p.returncode == 0, f"dpdk-dumpcap failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
        rc = run.stop(signal.SIGINT)
        assert rc == 0, run.describe()
        edfit.check_accounting(run.stats, "edfpipe captured by dpdk-dumpcap")
    finally:
        run.cleanup()
    packets = teltools.read_pcapng(out)
    assert len(packets) >= 50, f"{len(packets)} packets in {out}"
    strangers = [p for p in packets if p not in inputs]
    assert not strangers, f"{len(strangers)} captured frames are not frames of the input pcap: {strangers[0][:64].hex()}"
