"""The processes of a load run: edfgen and edfpipe (or dpdk-testpmd) over net_memif; a scenario;
the throughput bisection.

`args` is tools/loadrun's parsed command line, plus edfpipe_bin, edfgen_bin and table (the
profile edfpipe runs, profile.load of edfpipe_bin).

Order (DPDK-NOTES: a memif server may crash when its peer disconnects while it polls): start edfgen,
wait for its socket, start edfpipe; edfgen sends for the duration, drains, stops polling, writes
its JSON and lingers; then edfpipe is stopped with SIGINT and exits; then edfgen gets SIGTERM.
"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .. import telemetry as tel
from . import analyse, plot, scenarios

# Throughput trials: a generator stall must not turn into a burst that overflows the link's ring
# (counted against the device under test); packets more than 100 us late are skipped instead and
# counted unsent, which the zero-loss rule allows up to 0.5 %.
THROUGHPUT_GEN_ARGS = ["--max-lag-us", "100"]
THROUGHPUT_SIZES = (64, 1024)


def memif_vdev(role, sock):
    return f"net_memif0,role={role},socket={sock},socket-abstract=no"


def eal_common(prefix, huge):
    mem = ["--in-memory"] if huge else ["--no-huge", "-m", "512"]
    return ["--no-pci", *mem, "--file-prefix", prefix, "--log-level", "lib.eal:warning"]


DEFAULT_DUT_LCORES = "0@0,1@1"
DEFAULT_GEN_LCORES = "0@1,1@0"


def role_args(args):
    """edfpipe's role lists from tools/loadrun's --rx-lcores, --edf-lcores, --tx-lcores (those given)."""
    out = []
    for opt, val in (("--rx-lcores", args.rx_lcores), ("--edf-lcores", args.edf_lcores), ("--tx-lcores", args.tx_lcores)):
        if val:
            out += [opt, val]
    return out


def run_pair(args, tag, flows, dut_args, dut="edfpipe", duration=None, telemetry=True, gen_args=(),
             dut_lcores=None, gen_lcores=None, start_delay_ms=1000):
    """Runs edfgen (server) against edfpipe or testpmd (client); returns (gen, dut_json, telemetry).
    EAL --lcores: dut_lcores, else --dut-lcores (0@0,1@1); gen_lcores, else 0@1,1@0."""
    duration = duration or args.duration
    dut_lcores = dut_lcores or args.dut_lcores or DEFAULT_DUT_LCORES
    gen_lcores = gen_lcores or DEFAULT_GEN_LCORES
    out = Path(args.out)
    tmp = tempfile.mkdtemp(prefix="loadrun-")
    sock = os.path.join(tmp, "memif.sock")
    pid = os.getpid()
    gprefix, pprefix = f"lr-gen-{pid}-{tag}", f"lr-dut-{pid}-{tag}"
    gen_json, dut_json = out / f"{tag}-edfgen.json", out / f"{tag}-{dut}.json"
    for p in (gen_json, dut_json):
        p.unlink(missing_ok=True)
    gen_cmd = [args.edfgen_bin, *eal_common(gprefix, args.huge), "--lcores", gen_lcores,
               "--vdev", memif_vdev("server", sock), "--",
               *sum(flows, []), "--duration", str(duration), "--json", str(gen_json), "--linger",
               "--link-wait-s", "20", "--start-delay-ms", str(start_delay_ms), *gen_args]
    if dut == "edfpipe":
        dut_cmd = [args.edfpipe_bin, *eal_common(pprefix, args.huge), "--lcores", dut_lcores,
                   "--vdev", memif_vdev("client", sock), "--", *dut_args, "--stats-json", str(dut_json)]
    else:
        dut_cmd = ["dpdk-testpmd", *eal_common(pprefix, args.huge), "--lcores", dut_lcores,
                   "--vdev", memif_vdev("client", sock), "--", "--forward-mode=io", "--port-topology=loop",
                   "--nb-cores=1", "--total-num-mbufs=16384", "--stats-period=1", *dut_args]
    gen_log = open(out / f"{tag}-edfgen.log", "w")
    dut_log = open(out / f"{tag}-{dut}.log", "w")
    procs = []
    sampler = None
    try:
        g = subprocess.Popen(gen_cmd, stdout=gen_log, stderr=subprocess.STDOUT)
        procs.append(g)
        deadline = time.monotonic() + 15
        while not os.path.exists(sock):
            if g.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"edfgen did not create {sock} (see {gen_log.name})")
            time.sleep(0.05)
        d = subprocess.Popen(dut_cmd, stdout=dut_log, stderr=subprocess.STDOUT)
        procs.append(d)
        if telemetry and dut == "edfpipe":
            sampler = tel.Sampler(pprefix, ["/edfpipe/classes", "/edfpipe/lcores"]).start()
        deadline = time.monotonic() + duration + 40
        while not gen_json.exists():
            if g.poll() is not None:
                raise RuntimeError(f"edfgen exited with {g.returncode} (see {gen_log.name})")
            if d.poll() is not None:
                raise RuntimeError(f"{dut} exited with {d.returncode} (see {dut_log.name})")
            if time.monotonic() > deadline:
                raise RuntimeError("edfgen did not finish in time")
            time.sleep(0.1)
        # edfgen no longer polls: now the client may disconnect.
        if sampler:
            time.sleep(1.1)  # one more telemetry sample with the final counters
            sampler.stop()
        d.send_signal(signal.SIGINT)
        if d.wait(timeout=30) not in (0,):
            print(f"loadrun: warning: {dut} exit code {d.returncode} (see {dut_log.name})", file=sys.stderr)
        g.send_signal(signal.SIGTERM)
        g.wait(timeout=30)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        gen_log.close()
        dut_log.close()
        shutil.rmtree(tmp, ignore_errors=True)
        for pre in (gprefix, pprefix):
            shutil.rmtree(tel.runtime_dir(pre), ignore_errors=True)
    gen = json.loads(gen_json.read_text())
    dj = json.loads(dut_json.read_text()) if dut_json.exists() else None
    if dut == "testpmd":
        dj = parse_testpmd(Path(dut_log.name).read_text())
    return gen, dj, (sampler.samples if sampler else [])


def run_pair_retried(args, tag, *rest, **kw):
    """run_pair, tried once more when it fails (e.g. the memif link did not come up in 20 s on a
    loaded machine), so that a long series of runs does not lose the runs already measured."""
    for attempt in (1, 2):
        try:
            return run_pair(args, tag, *rest, **kw)
        except RuntimeError as e:
            if attempt == 2:
                raise
            print(f"loadrun: {tag}: {e}; trying once more", file=sys.stderr, flush=True)


def parse_testpmd(text):
    """The last 'RX-packets: N ... TX-packets: N' totals testpmd printed, and with
    --record-core-cycles its 'CPU cycles/packet' (busy cycles of the forwarding lcore per packet)."""
    rx = tx = cycles = None
    for line in text.splitlines():
        if "CPU cycles/packet=" in line:
            cycles = float(line.split("CPU cycles/packet=")[1].split()[0])
        w = line.split()
        if "RX-packets:" in w and "RX-dropped:" in w:
            rx = int(w[w.index("RX-packets:") + 1])
        if "TX-packets:" in w and "TX-dropped:" in w:
            tx = int(w[w.index("TX-packets:") + 1])
    return {"rx": rx, "tx": tx, "cycles_per_packet": cycles}


def measure_scenario(name, args, tag=None, scheduling=None, retry=False):
    """Runs scenario `name` (prototype, overload, fifo) once as `tag` (default: the name), with
    edfpipe --scheduling `scheduling` if given (else the scenario's), tried once more if it fails
    and `retry`; writes TAG-telemetry.json and TAG-summary.json and returns the summary (its rows,
    accounting, targets and stall attribution)."""
    tag = tag or name
    flows, dut = scenarios.scenario_flows(name, args.table, args.rate_scale, args.arrival, scheduling, args.stage)
    if args.flows > 1:
        flows = [scenarios.with_sports(f, args.flows) for f in flows]
    dut += role_args(args)
    if args.edfpipe_args:
        dut += shlex.split(args.edfpipe_args)
    gen, pipe, samples = (run_pair_retried if retry else run_pair)(args, tag, flows, dut)
    rows = analyse.summarize(gen, pipe)
    accounting = analyse.check_accounting(gen, pipe)
    attribution = analyse.attribute_misses(gen, pipe)
    # The p99 target is stated for the spin model's processing time; another stage has no such bound.
    targets = analyse.targets_for(name, rows, attribution,
                                  scenarios.processing_limit_us(args.table) if args.stage in (None, "spin") else None)
    cap = scenarios.spin_capacity_pps(args.table, *scenarios.PROTO_FRAMES)
    summary = {"scenario": name, "tag": tag, "duration_s": args.duration, "rate_scale": args.rate_scale,
               "scheduling": scheduling or scenarios.SCENARIO_SCHEDULING.get(name)
               or args.table.sections["pipeline"].get("scheduling"),
               "edfpipe_args": dut, "spin_capacity_pps": cap, "classes": rows,
               "edfpipe_tx_pps": pipe["tx"] / pipe["uptime_s"] if pipe["uptime_s"] else 0,
               "accounting_problems": accounting, "targets": targets,
               "misses_explained_by_stalls": attribution[0], "cpu_stalls": attribution[1]}
    Path(args.out, f"{tag}-telemetry.json").write_text(json.dumps(samples, indent=1))
    Path(args.out, f"{tag}-summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def run_scenario(name, args):
    """One of prototype, overload, fifo: runs it, writes NAME-*.json (and plots), prints the summary."""
    s = measure_scenario(name, args)
    analyse.print_summary(name, s["classes"], s["accounting_problems"], s["targets"],
                          (s["misses_explained_by_stalls"], s["cpu_stalls"]))
    if not args.no_plots:
        plot.plot(args.out, [name])
    return s


def run_policies(args):
    """The overload scenario once per scheduling policy (args.policies, default all of
    scenarios.POLICIES), as policies-POLICY; writes policies-summary.json, prints one table
    (per policy and class) and plots the comparison (policies.png) and each run."""
    runs = []
    for pol in args.policies:
        print(f"loadrun policies: overload with --scheduling {pol} ({args.duration:g} s)", flush=True)
        runs.append(measure_scenario("overload", args, f"policies-{pol}", pol, retry=True))
    summary = {"scenario": "policies", "command": sys.argv, "duration_s": args.duration,
               "rate_scale": args.rate_scale, "policies": list(args.policies),
               "spin_capacity_pps": runs[0]["spin_capacity_pps"] if runs else None,
               "table": analyse.policy_rows(runs), "runs": runs,
               "accounting_problems": [f"{r['scheduling']}: {p}" for r in runs for p in r["accounting_problems"]]}
    Path(args.out, "policies-summary.json").write_text(json.dumps(summary, indent=1))
    analyse.print_policies(summary)
    if not args.no_plots:
        plot.plot(args.out, [r["tag"] for r in runs])
        plot.plot_policies(args.out, runs)
    return summary


def search(args, dut, size, lo, hi, steps):
    """Bisection on the offered rate; returns (best_pps, best run's (gen, dut_json, tel), trials).
    A rate passes when one of up to --trials runs at it is loss-free: on a shared machine a single
    stall of a few milliseconds overflows any ring at these rates, whatever the device under test."""
    best, best_run, trials = 0, None, []
    flow_class = args.table.default_class.name
    for k in range(steps):
        rate = hi if k == 0 else (lo + hi) / 2
        dut_args = ["--processing", "fwd", *role_args(args)] if dut == "edfpipe" else ["--record-core-cycles"]
        ok = False
        for attempt in range(args.trials):
            tag = f"tp-{dut}-{size}-{k}-{attempt}"
            run = run_pair(args, tag, [scenarios.flow_arg(args.table, flow_class, rate, str(size))], dut_args,
                           dut=dut, duration=args.step_s, gen_args=THROUGHPUT_GEN_ARGS)
            ok = analyse.zero_loss(run[0], run[1], dut)
            c = run[0]["classes"][0]
            trials.append({"offered_pps": rate, "attempt": attempt, "sent_pps": c["sent_pps"],
                           "received_pps": c["received_pps"], "lost": c["lost"], "refused": c["refused"],
                           "unsent": c["unsent"], "zero_loss": ok})
            print(f"  {dut:8s} {size:5d} B  offered {rate/1e6:7.3f} Mpps  try {attempt + 1}  sent {c['sent_pps']/1e6:7.3f}  "
                  f"received {c['received_pps']/1e6:7.3f}  lost {c['lost']}  refused {c['refused']}  "
                  f"unsent {c['unsent']}  {'zero loss' if ok else 'LOSS'}", flush=True)
            if ok:
                break
        if ok:
            best, best_run, lo = max(best, run[0]["classes"][0]["sent_pps"]), run, rate
            if k == 0:
                break
        else:
            hi = rate
    return best, best_run, trials


def run_throughput(args):
    """The highest zero-loss rate of edfpipe --processing fwd and of testpmd io forwarding at each
    size, then edfpipe's busy cycles per packet with its roles on separate lcores; writes
    throughput-summary.json and prints the table."""
    results = {"sizes": {}}
    flow_class = args.table.default_class.name
    for size in THROUGHPUT_SIZES:
        entry = {}
        for dut in ("edfpipe", "testpmd"):
            best, run, trials = search(args, dut, size, 0.0, args.max_pps, args.steps)
            # Passing at the first trial means the generator's top rate, not the device's limit.
            at_top = any(t["zero_loss"] and t["offered_pps"] == args.max_pps for t in trials)
            entry[dut] = {"zero_loss_pps": best, "at_top_of_search": at_top, "trials": trials}
            if dut == "testpmd" and run:
                entry[dut]["cycles_per_packet"] = run[1].get("cycles_per_packet")
            if dut == "edfpipe" and run and run[2]:
                lc = run[2][-1].get("/edfpipe/lcores") or {}
                entry[dut]["lcores"] = {k: {"roles": v["roles"], "busy_cycles": v["busy_cycles"],
                                           "packets": v["packets"],
                                           "busy_cycles_per_packet": v["busy_cycles_per_packet"]}
                                       for k, v in lc.items()}
                # An lcore with every role counts a forwarded packet once per role.
                one = [v for v in lc.values() if v["roles"] == "rx edf tx"]
                if one:
                    entry[dut]["busy_cycles_per_forwarded_packet"] = 3 * one[0]["busy_cycles_per_packet"]
        if entry["edfpipe"]["zero_loss_pps"]:
            # Cycles per packet per role: the same rate with RX, EDF and TX on their own lcores
            # (all on CPU 1; busy cycles then include time another of them held the CPU).
            saved = args.dut_lcores
            args.dut_lcores = "0@0,(1-3)@1"
            try:
                run = run_pair(args, f"tp-roles-{size}",
                               [scenarios.flow_arg(args.table, flow_class, entry["edfpipe"]["zero_loss_pps"],
                                                   str(size))],
                               ["--processing", "fwd", "--rx-lcores", "1", "--edf-lcore", "2", "--tx-lcore", "3"],
                               duration=args.step_s, gen_args=THROUGHPUT_GEN_ARGS)
                lc = run[2][-1].get("/edfpipe/lcores") if run[2] else {}
                entry["edfpipe"]["lcores_split_roles"] = {
                    k: {"roles": v["roles"], "busy_cycles_per_packet": v["busy_cycles_per_packet"],
                        "packets": v["packets"]} for k, v in (lc or {}).items()}
                entry["edfpipe"]["split_roles_zero_loss"] = analyse.zero_loss(run[0], run[1], "edfpipe")
            finally:
                args.dut_lcores = saved
        e, t = entry["edfpipe"]["zero_loss_pps"], entry["testpmd"]["zero_loss_pps"]
        entry["ratio_edfpipe_to_testpmd"] = e / t if t else None
        results["sizes"][str(size)] = entry
    Path(args.out, "throughput-summary.json").write_text(json.dumps(results, indent=1))
    analyse.print_throughput(results)
    return results


def run_scaling(args):
    """Completions per second of the spin stage with W = 1 and W = 2 EDF workers on the two CPUs,
    with many flows and with one hot flow, --reps rounds; writes scaling-summary.json, prints the
    table. A benchmark: nothing here passes or fails on speed; only the accounting is checked."""
    edf_lcores = args.edf_lcores or scenarios.SCALING_EDF
    rx = args.rx_lcores or scenarios.SCALING_RX
    tx = args.tx_lcores or scenarios.SCALING_TX
    dut_lcores = args.dut_lcores or scenarios.SCALING_DUT_LCORES
    spin_ns = args.spin_ns
    pps = args.scaling_pps or scenarios.scaling_pps(spin_ns)
    runs = scenarios.scaling_runs(args.table, edf_lcores, args.flows if args.flows > 1 else scenarios.SCALING_FLOWS,
                                  pps * args.rate_scale, spin_ns)
    gen_args = ["--idle-sleep-us", str(args.gen_idle_sleep_us), "--quiet"]
    extra = shlex.split(args.edfpipe_args) if args.edfpipe_args else []
    results = []
    for rep in range(args.reps):
        for tag, w, nf, flow, dut, edf in runs:
            full_tag = f"{tag}-r{rep + 1}"
            dut_args = [*dut, "--rx-lcores", rx, "--edf-lcores", edf, "--tx-lcores", tx, "--idle", "yield", *extra]
            # A run that did not start is tried once more rather than losing the rounds already measured.
            gen, pipe, _ = run_pair_retried(args, full_tag, [flow], dut_args, telemetry=False, gen_args=gen_args,
                                            dut_lcores=dut_lcores, gen_lcores=args.gen_lcores,
                                            start_delay_ms=300)
            r = analyse.scaling_result(gen, pipe, rx_lcores=rx, tx_lcores=tx)
            r.update({"tag": tag, "rep": rep + 1, "workers": w, "flows": nf, "edf_lcores": edf,
                      "accounting_problems": analyse.check_accounting(gen, pipe)})
            results.append(r)
            analyse.print_scaling_run(r)
    summary = analyse.scaling_summary(results)
    summary.update({"command": sys.argv, "duration_s": args.duration, "reps": args.reps, "offered_pps": pps * args.rate_scale,
                    "spin_ns": spin_ns, "worker_capacity_pps": 1e9 / spin_ns, "frame_bytes": scenarios.SCALING_FRAME,
                    "edfpipe_eal_lcores": dut_lcores, "rx_lcores": rx, "edf_lcores": edf_lcores, "tx_lcores": tx,
                    "edfgen_eal_lcores": args.gen_lcores or DEFAULT_GEN_LCORES,
                    "edfgen_idle_sleep_us": args.gen_idle_sleep_us, "runs": results})
    Path(args.out, "scaling-summary.json").write_text(json.dumps(summary, indent=1))
    analyse.print_scaling(summary)
    return summary
