"""The load-run plots: per class, the latency CDF (edfgen's histogram) and a timeline of the p99 per
second (edfgen's samples) over edfpipe's cumulative drops (its telemetry). Needs python3-matplotlib;
without it, says so and draws nothing.
"""
import json
import sys
from pathlib import Path


def plot(out_dir, names):
    """NAME-latency_cdf.png and NAME-timeline.png in `out_dir` for each scenario in `names`, from the
    NAME-edfgen.json and NAME-telemetry.json there."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("loadrun: python3-matplotlib not installed, no plots (tools/install-deps.sh installs it)",
              file=sys.stderr)
        return
    for name in names:
        gen = json.loads(Path(out_dir, f"{name}-edfgen.json").read_text())
        tel = json.loads(Path(out_dir, f"{name}-telemetry.json").read_text())
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=80)
        for c in gen["classes"]:
            b = c["latency_buckets"]
            if not b:
                continue
            tot = sum(n for _, n in b)
            xs, ys, acc = [], [], 0
            for le, n in b:
                acc += n
                xs.append(le / 1e3)
                ys.append(acc / tot)
            ax.step(xs, ys, where="post", label=f"{c['name']} (budget {c['budget_us']} us)")
        ax.set_xscale("log")
        ax.set_xlabel("one-way latency, us (log)")
        ax.set_ylabel("fraction of packets")
        ax.set_title(f"{name}: latency CDF per class")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(Path(out_dir, f"{name}-latency_cdf.png"))
        plt.close(fig)

        fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.4, 5.2), dpi=80, sharex=True)
        for i, c in enumerate(gen["classes"]):
            ts = [s["t_s"] for s in gen["samples"]]
            p99 = [s["classes"][i]["p99_ns"] / 1e3 for s in gen["samples"]]
            a1.plot(ts, p99, marker=".", label=c["name"])
        a1.set_yscale("log")
        a1.set_ylabel("p99 per second, us (log)")
        a1.set_title(f"{name}: p99 (edfgen, per 1 s interval) and drops (edfpipe telemetry)")
        a1.grid(True, which="both", alpha=0.3)
        a1.legend(fontsize=8)
        for c in gen["classes"]:
            ts, ds = [], []
            for s in tel:
                cl = (s.get("/edfpipe/classes") or {}).get(c["name"])
                if cl:
                    ts.append(s["t_s"])
                    ds.append(cl["drops"])
            if ts:
                a2.plot(ts, ds, marker=".", label=c["name"])
        a2.set_xlabel("time, s")
        a2.set_ylabel("edfpipe drops (cumulative)")
        a2.grid(True, alpha=0.3)
        a2.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(Path(out_dir, f"{name}-timeline.png"))
        plt.close(fig)
