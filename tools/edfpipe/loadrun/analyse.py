"""The analysis of a load run: both sides' accounting, per-class summary rows, the attribution of
deadline misses to CPU stalls, the targets, the zero-loss rule of the throughput search, and the
printed reports. Pure functions of edfgen's and edfpipe's JSON (no processes, no files).
"""
import bisect


def check_accounting(gen, pipe):
    """Problems (strings) with the two sides' counts; empty when they agree."""
    bad = []
    if pipe["rx"] != pipe["tx"] + pipe["drops"] or pipe["in_flight"] != 0:
        bad.append(f"edfpipe rx {pipe['rx']} != tx {pipe['tx']} + drops {pipe['drops']} (in_flight {pipe['in_flight']})")
    pc = {c["name"]: c for c in pipe["classes"]}
    for g in gen["classes"]:
        p = pc.get(g["name"])
        if p is None:
            bad.append(f"{g['name']}: no such class in edfpipe")
            continue
        if g["sent"] != p["rx"]:
            bad.append(f"{g['name']}: edfgen sent {g['sent']} != edfpipe rx {p['rx']}")
        if g["received"] != p["tx"]:
            bad.append(f"{g['name']}: edfgen received {g['received']} != edfpipe tx {p['tx']}")
        if g["lost"] != p["drops"]:
            bad.append(f"{g['name']}: edfgen lost {g['lost']} != edfpipe drops {p['drops']}")
        if g["duplicates"]:
            bad.append(f"{g['name']}: {g['duplicates']} duplicates")
    return bad


def summarize(gen, pipe):
    """One row per edfgen class: rates, loss, misses and latency (edfgen), drops and misses (edfpipe)."""
    rows = []
    pc = {c["name"]: c for c in pipe["classes"]} if pipe else {}
    for g in gen["classes"]:
        p = pc.get(g["name"], {})
        lat = g["latency_ns"]
        reasons = {k: v for k, v in p.get("drops_by_reason", {}).items() if v}
        rows.append({
            "class": g["name"], "budget_us": g["budget_us"], "requested_pps": round(g["requested_pps"], 1),
            "sent_pps": round(g["sent_pps"], 1), "received_pps": round(g["received_pps"], 1),
            "sent": g["sent"], "received": g["received"], "lost": g["lost"],
            "not_sent": g["unsent"] + g["refused"], "reordered": g["reordered"], "duplicates": g["duplicates"],
            "deadline_misses": g["deadline_misses"], "pipe_drops": p.get("drops"), "pipe_drops_by_reason": reasons,
            "pipe_late": p.get("late"), "pipe_misses": p.get("misses"),
            "p50_us": lat["p50"] / 1e3, "p90_us": lat["p90"] / 1e3, "p99_us": lat["p99"] / 1e3,
            "p999_us": lat["p999"] / 1e3, "max_us": lat["max"] / 1e3})
    return rows


def merge_intervals(spans):
    """Sorted, merged [start, end] lists of the (start, end) spans."""
    out = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def stalled_cycles(merged, starts, a, b):
    """Cycles of [a, b) covered by the merged, sorted intervals."""
    total = 0
    for s, e in merged[max(0, bisect.bisect_right(starts, a) - 1):]:
        if s >= b:
            break
        total += max(0, min(e, b) - max(s, a))
    return total


def attribute_misses(gen, pipe):
    """Which of edfgen's deadline misses fit the class budget once the time a CPU was taken away
    from edfgen's worker or from one of edfpipe's lcores (both report their loop gaps in TSC, the
    same clock on one host) is taken out of the packet's flight. Returns per class
    {"recorded", "explained"} and a description of the stalls."""
    spans = [tuple(x) for x in gen.get("stall_records_tsc", [])]
    lcores = (pipe or {}).get("lcores", [])
    for lc in lcores:
        spans += [tuple(x) for x in lc.get("stall_records_tsc", [])]
    merged = merge_intervals(spans)
    starts = [s for s, _ in merged]
    hz = gen["tsc_hz"]
    per_class = {}
    for c in gen["classes"]:
        recs = c.get("miss_records_tsc", [])
        budget = c["budget_us"] * hz / 1e6
        explained = sum(1 for tx, rx in recs if (rx - tx) - stalled_cycles(merged, starts, tx, rx) <= budget)
        per_class[c["name"]] = {"misses": c["deadline_misses"], "recorded": len(recs), "explained": explained}
    gs = gen.get("generator_stalls", {})
    stalls = {"edfgen_worker": {"count": gs.get("count"), "max_us": gs.get("max_us"), "total_us": gs.get("total_us"),
                                "threshold_us": gs.get("threshold_us")},
              "edfpipe_lcores": {str(lc["lcore"]): {"roles": lc["roles"], "count": lc["stalls"],
                                                    "max_us": lc["stall_max_us"], "total_us": lc["stall_total_us"],
                                                    "threshold_us": lc["stall_threshold_us"]} for lc in lcores}}
    return per_class, stalls


def print_summary(name, rows, accounting, targets, attribution=None):
    print(f"\n== loadrun {name}: per class (latency = edfgen TX to edfgen RX, through edfpipe and memif) ==")
    hdr = ("class", "req_pps", "sent_pps", "rcvd_pps", "lost", "not_sent", "reord", "dup", "miss",
           "p50_us", "p99_us", "p999_us", "max_us", "edfpipe drops by reason")
    print("%-12s %9s %9s %9s %8s %8s %6s %4s %8s %9s %9s %9s %9s  %s" % hdr)
    for r in rows:
        reasons = " ".join(f"{k}={v}" for k, v in r["pipe_drops_by_reason"].items()) or "-"
        print("%-12s %9.0f %9.0f %9.0f %8d %8d %6d %4d %8d %9.1f %9.1f %9.1f %9.1f  %s" % (
            r["class"], r["requested_pps"], r["sent_pps"], r["received_pps"], r["lost"], r["not_sent"],
            r["reordered"], r["duplicates"], r["deadline_misses"], r["p50_us"], r["p99_us"], r["p999_us"],
            r["max_us"], reasons))
    print("accounting: " + ("OK (edfpipe rx = tx + drops; edfgen sent/received/lost = edfpipe rx/tx/drops per class)"
                            if not accounting else "; ".join(accounting)))
    if attribution:
        per_class, stalls = attribution
        g = stalls["edfgen_worker"]
        text = [f"edfgen worker {g['count']} (longest {g['max_us']:.0f} us)"]
        text += [f"edfpipe lcore {k} {v['count']} (longest {v['max_us']:.0f} us)" for k, v in stalls["edfpipe_lcores"].items()]
        print("cpu stalls (loop gaps > ~200 us): " + ", ".join(text))
        print("misses that fit the budget without those stalls: " + ", ".join(
            f"{k} {v['explained']}/{v['misses']}" for k, v in per_class.items() if v["misses"]))
    for t in targets:
        print(f"target: {t['target']}: {'met' if t['met'] else 'NOT met'} ({t['value']})")


def targets_for(name, rows, attribution, processing_us):
    """Issue 4's targets for the high class; `processing_us` is the largest packet's processing."""
    hi = next((r for r in rows if r["class"] == "high"), None)
    if not hi or name not in ("prototype", "overload", "fifo"):
        return []
    limit_us = processing_us + 50 if processing_us is not None else None
    # Rows are in priority order: a class may lose packets only if every class below it does too.
    lossy = [r["lost"] > 0 for r in rows if r["sent"]]
    suffix = all(lossy[i + 1] for i in range(len(lossy) - 1) if lossy[i]) and not (len(lossy) > 1 and lossy[0])
    ha = attribution[0].get("high", {"recorded": 0, "explained": 0})
    unexplained = hi["deadline_misses"] - ha["explained"]
    return [
        {"target": "zero high-class drops", "met": hi["lost"] == 0, "value": f"lost {hi['lost']}"},
        {"target": "zero high-class deadline misses", "met": hi["deadline_misses"] == 0,
         "value": f"misses {hi['deadline_misses']}, edfpipe's own count {hi['pipe_misses']}"},
        {"target": "zero high-class deadline misses once CPU stalls are taken out", "met": unexplained == 0,
         "value": f"{ha['explained']} of {hi['deadline_misses']} misses fit the budget without the stalls"},
        *([{"target": f"high p99 < {limit_us:.1f} us (largest packet's processing + 50 us)",
            "met": hi["p99_us"] < limit_us, "value": f"p99 {hi['p99_us']:.1f} us"}] if limit_us is not None else []),
        {"target": "all loss on the lowest classes", "met": suffix,
         "value": ", ".join(f"{r['class']} {r['lost']}" for r in rows)},
    ]


def policy_rows(runs):
    """The policies table: one row per policy and class from the summaries of the overload runs
    (run.measure_scenario), in run order then class order."""
    out = []
    for r in runs:
        for c in r["classes"]:
            fit = r["misses_explained_by_stalls"].get(c["class"], {}).get("explained", 0)
            out.append({"policy": r["scheduling"], "class": c["class"], "budget_us": c["budget_us"],
                        "requested_pps": c["requested_pps"], "sent": c["sent"], "received": c["received"],
                        "lost": c["lost"], "lost_share": c["lost"] / c["sent"] if c["sent"] else 0.0,
                        "deadline_misses": c["deadline_misses"], "misses_fit_without_stalls": fit,
                        "pipe_misses": c["pipe_misses"], "p50_us": c["p50_us"], "p99_us": c["p99_us"],
                        "p999_us": c["p999_us"], "max_us": c["max_us"],
                        "pipe_drops_by_reason": c["pipe_drops_by_reason"]})
    return out


def print_policies(s):
    print(f"\n== loadrun policies: the overload scenario once per scheduling policy, {s['duration_s']:g} s each "
          f"(low at {s['spin_capacity_pps'] * 2 * s['rate_scale']:.0f} pps, 2 x the spin stage's capacity; "
          f"high at 5 % of it) ==")
    print("latency = edfgen TX to edfgen RX; miss = latency above the class budget; "
          "fit = misses within budget once CPU stalls are taken out; pipe = edfpipe's own miss count")
    hdr = ("policy", "class", "sent", "lost", "lost%", "miss", "fit", "pipe", "p50_us", "p99_us", "p999_us",
           "max_us", "edfpipe drops by reason")
    print("%-10s %-8s %8s %8s %6s %8s %6s %8s %10s %10s %10s %10s  %s" % hdr)
    for r in s["table"]:
        reasons = " ".join(f"{k}={v}" for k, v in r["pipe_drops_by_reason"].items()) or "-"
        print("%-10s %-8s %8d %8d %6.1f %8d %6d %8s %10.1f %10.1f %10.1f %10.1f  %s" % (
            r["policy"], r["class"], r["sent"], r["lost"], 100 * r["lost_share"], r["deadline_misses"],
            r["misses_fit_without_stalls"], r["pipe_misses"], r["p50_us"], r["p99_us"], r["p999_us"],
            r["max_us"], reasons))
    print("accounting: " + ("OK in every run (edfpipe rx = tx + drops; edfgen sent/received/lost = edfpipe "
                            "rx/tx/drops per class)" if not s["accounting_problems"]
                            else "; ".join(s["accounting_problems"])))
    print("high-class targets (issue 4) per policy:")
    for r in s["runs"]:
        met = [t["target"] for t in r["targets"] if t["met"]]
        missed = [f"{t['target']} ({t['value']})" for t in r["targets"] if not t["met"]]
        print(f"  {r['scheduling']:10s} met {len(met)}/{len(r['targets'])}"
              + (f"; NOT met: {'; '.join(missed)}" if missed else ""))


def zero_loss(gen, dut_json, dut):
    """Nothing lost, nothing refused by the link (the device under test kept up), and the generator
    produced at least 95 % of the offered rate (what it skipped after its own stalls is not the
    device's loss; the rate credited is what was actually sent)."""
    for c in gen["classes"]:
        if c["lost"] or c["refused"] or c["sent"] < 0.95 * c["requested_pps"] * gen["send_s"]:
            return False
    if dut == "edfpipe" and dut_json and dut_json["drops"]:
        return False
    return True


def print_throughput(results):
    print("\n== loadrun throughput: highest zero-loss rate, memif round trip, 1 forwarding lcore ==")
    for size, e in results["sizes"].items():
        ratio = e["ratio_edfpipe_to_testpmd"]
        top = {d: " (the top of the search: the generator's limit, not the device's)" if e[d]["at_top_of_search"]
               else "" for d in ("edfpipe", "testpmd")}
        print(f"{size:>5s} B: edfpipe {e['edfpipe']['zero_loss_pps']/1e6:.3f} Mpps{top['edfpipe']}, testpmd io "
              f"{e['testpmd']['zero_loss_pps']/1e6:.3f} Mpps{top['testpmd']}, ratio {ratio:.2f}" if ratio else
              f"{size:>5s} B: edfpipe {e['edfpipe']['zero_loss_pps']/1e6:.3f} Mpps, testpmd: no zero-loss rate")
        if e["edfpipe"].get("busy_cycles_per_forwarded_packet") or e["testpmd"].get("cycles_per_packet"):
            print(f"        busy cycles per forwarded packet at those rates: edfpipe "
                  f"{e['edfpipe'].get('busy_cycles_per_forwarded_packet')}, testpmd {e['testpmd'].get('cycles_per_packet')}")
        for lc, v in e["edfpipe"].get("lcores", {}).items():
            print(f"        edfpipe lcore {lc} ({v['roles']}): {v['busy_cycles_per_packet']} busy cycles/packet")
        for lc, v in e["edfpipe"].get("lcores_split_roles", {}).items():
            print(f"        roles split, lcore {lc} ({v['roles']}): {v['busy_cycles_per_packet']} busy cycles/packet")


# ---------------------------------------------------------------- scaling

def steady_completions(gen):
    """Packets received back per second while edfgen was sending, from its per-second samples:
    the first second (start-up) and the drain after sending are left out. Returns (pps, how):
    with fewer than three whole seconds of samples, the whole run's received / run_s."""
    samples = [s for s in gen.get("samples", []) if s["t_s"] <= gen["send_s"] + 1e-3]
    if len(samples) >= 3:
        span = samples[-1]["t_s"] - samples[0]["t_s"]
        n = sum(sum(c["received"] for c in s["classes"]) for s in samples[1:])
        return (n / span if span > 0 else 0.0), f"seconds {samples[0]['t_s']:.1f}-{samples[-1]['t_s']:.1f}"
    n = sum(c["received"] for c in gen["classes"])
    return (n / gen["run_s"] if gen["run_s"] else 0.0), "whole run"


def _one_lcore(text):
    return text if text and "," not in text else None


def scaling_result(gen, pipe, rx_lcores=None, tx_lcores=None):
    """One scaling run: offered, sent and completed packets per second, edfpipe's drops by reason,
    and per lcore its roles, busy share and EDF packets (the lcore's packet count less what its
    RX or TX role handled, when one lcore holds each of those roles; else None)."""
    pps, how = steady_completions(gen)
    c = gen["classes"][0]
    rx1, tx1 = _one_lcore(rx_lcores), _one_lcore(tx_lcores)
    lcores = []
    for lc in (pipe or {}).get("lcores", []):
        roles = lc["roles"].split()
        edf = None
        if "edf" in roles and rx1 and tx1:
            edf = lc["packets"] - (pipe["rx"] if "rx" in roles else 0) - (pipe["tx"] if "tx" in roles else 0)
        up_us = (pipe.get("uptime_s") or 0) * 1e6
        lcores.append({"lcore": lc["lcore"], "roles": lc["roles"],
                       "busy_share": lc["busy_cycles"] / lc["total_cycles"] if lc["total_cycles"] else 0.0,
                       "edf_packets": edf, "stalls": lc["stalls"], "stall_total_us": lc["stall_total_us"],
                       "stalled_share": lc["stall_total_us"] / up_us if up_us else 0.0})
    gs = gen.get("generator_stalls", {})
    # CPU the EDF lcores had: 1 - the share of the run they were stalled (their CPU taken away for
    # more than the stall threshold, ~220 us), summed. Shorter thefts are not seen.
    cpus = sum(1.0 - x["stalled_share"] for x, lc in zip(lcores, (pipe or {}).get("lcores", []))
               if "edf" in lc["roles"].split())
    return {"completions_pps": pps, "completions_from": how, "edf_cpus": cpus,
            "requested_pps": sum(x["requested_pps"] for x in gen["classes"]),
            "sent_pps": sum(x["sent_pps"] for x in gen["classes"]),
            "unsent": sum(x["unsent"] + x["refused"] for x in gen["classes"]),
            "sent": c["sent"], "received": c["received"], "reordered": c["reordered"],
            "pipe_rx": (pipe or {}).get("rx"), "pipe_tx": (pipe or {}).get("tx"),
            "pipe_drops_by_reason": {k: v for k, v in (pipe or {}).get("drops_by_reason", {}).items() if v},
            "pipe_uptime_s": (pipe or {}).get("uptime_s"), "lcores": lcores,
            "edfgen_stalls": gs.get("count"), "edfgen_stall_total_us": gs.get("total_us")}


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2) if n else None


def _stats(xs):
    return {"median": _median(xs), "min": min(xs) if xs else None, "max": max(xs) if xs else None,
            "values": xs}


def scaling_summary(results):
    """Per kind of run (W, flows): completions per second over the rounds; the W2/W1 ratios per
    round (each round runs W = 1 and W = 2 back to back) and their medians."""
    kinds = {}
    for r in results:
        kinds.setdefault(r["tag"], []).append(r)
    per_kind = {t: _stats([r["completions_pps"] for r in rs]) for t, rs in kinds.items()}
    cpus = {t: _stats([r["edf_cpus"] for r in rs]) for t, rs in kinds.items()}
    by = {(r["tag"], r["rep"]): r["completions_pps"] for r in results}
    reps = sorted({r["rep"] for r in results})

    def ratios(num, den):
        return _stats([by[(num, k)] / by[(den, k)] for k in reps
                       if (num, k) in by and (den, k) in by and by[(den, k)]])
    return {"completions_pps": per_kind, "edf_cpus": cpus,
            "ratio_w2_w1_flows": ratios("scaling-w2-flows", "scaling-w1-flows"),
            "ratio_w2_w1_hot": ratios("scaling-w2-hot", "scaling-w1-hot"),
            "ratio_w2hot_w1_flows": ratios("scaling-w2-hot", "scaling-w1-flows"),
            "accounting_problems": [f"{r['tag']} round {r['rep']}: {p}" for r in results
                                    for p in r["accounting_problems"]]}


def print_scaling_run(r):
    lc = ", ".join(f"lcore {x['lcore']} ({x['roles']})"
                   + (f" edf {x['edf_packets']}" if x["edf_packets"] is not None else "")
                   + f" stalled {100 * x['stalled_share']:.0f} %" for x in r["lcores"])
    print(f"  {r['tag']:18s} round {r['rep']}: W={r['workers']} flows={r['flows']:<5d} offered "
          f"{r['requested_pps']:.0f} sent {r['sent_pps']:.0f} completions {r['completions_pps']:.0f}/s "
          f"({r['completions_from']}); EDF lcores had {r['edf_cpus']:.2f} CPUs; {lc}", flush=True)


def print_scaling(s):
    def fmt(st, unit=""):
        if st["median"] is None:
            return "-"
        spread = f" (min {st['min']:.2f}, max {st['max']:.2f}, n={len(st['values'])})" if len(st["values"]) > 1 else ""
        return f"{st['median']:.2f}{unit}{spread}"
    print(f"\n== loadrun scaling: spin {s['spin_ns'] / 1e3:.0f} us/packet (one worker: "
          f"{s['worker_capacity_pps']:.0f} packets/s), offered {s['offered_pps']:.0f} packets/s of "
          f"{s['frame_bytes']} B, {s['reps']} round(s) ==")
    print(f"edfpipe --lcores {s['edfpipe_eal_lcores']} --rx-lcores {s['rx_lcores']} --tx-lcores {s['tx_lcores']} "
          f"--edf-lcores <first W of {s['edf_lcores']}>; edfgen --lcores {s['edfgen_eal_lcores']} "
          f"--idle-sleep-us {s['edfgen_idle_sleep_us']}")
    print("%-22s %12s %12s %12s %14s" % ("run", "median/s", "min/s", "max/s", "EDF CPUs (med)"))
    for tag, st in s["completions_pps"].items():
        print("%-22s %12.0f %12.0f %12.0f %14.2f" % (tag, st["median"], st["min"], st["max"],
                                                  s["edf_cpus"][tag]["median"]))
    print(f"completions W2/W1, many flows: {fmt(s['ratio_w2_w1_flows'], 'x')}")
    print(f"completions W2/W1, one hot flow: {fmt(s['ratio_w2_w1_hot'], 'x')}")
    print(f"one hot flow on W=2 / many flows on W=1: {fmt(s['ratio_w2hot_w1_flows'], 'x')}")
    print("EDF CPUs: CPU time the EDF lcores had (1 - their stalled share, summed); on a shared machine "
          "a low value means other work took the CPU")
    print("accounting: " + ("OK in every run (edfpipe rx = tx + drops; edfgen sent/received/lost = edfpipe rx/tx/drops)"
                            if not s["accounting_problems"] else "; ".join(s["accounting_problems"])))
