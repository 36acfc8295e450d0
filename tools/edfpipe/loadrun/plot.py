"""The load-run plots: per class, the latency CDF (edfgen's histogram) and a timeline of the p99 per
second (edfgen's samples) over edfpipe's cumulative drops (its telemetry); for `policies`, one
comparison of the policies' runs. Needs python3-matplotlib; without it, says so and draws nothing.
"""
import json
import sys
from pathlib import Path


def _pyplot():
    """matplotlib.pyplot with the Agg backend, or None (and a note) without python3-matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("loadrun: python3-matplotlib not installed, no plots (tools/install-deps.sh installs it)",
              file=sys.stderr)
        return None
    return plt


def cdf_points(buckets):
    """(latency us, cumulative fraction) lists of edfgen's latency_buckets [[upper edge ns, count]]."""
    tot = sum(n for _, n in buckets)
    xs, ys, acc = [], [], 0
    for le, n in buckets:
        acc += n
        xs.append(le / 1e3)
        ys.append(acc / tot)
    return xs, ys


def finish_cdf_axes(ax, title, xlabel="one-way latency, us (log)"):
    """Log latency axis, labels, title, grid and legend of a latency CDF panel."""
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of packets")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


def plot(out_dir, names):
    """NAME-latency_cdf.png and NAME-timeline.png in `out_dir` for each scenario in `names`, from the
    NAME-edfgen.json and NAME-telemetry.json there."""
    plt = _pyplot()
    if plt is None:
        return
    for name in names:
        gen = json.loads(Path(out_dir, f"{name}-edfgen.json").read_text())
        tel = json.loads(Path(out_dir, f"{name}-telemetry.json").read_text())
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=80)
        for c in gen["classes"]:
            if not c["latency_buckets"]:
                continue
            xs, ys = cdf_points(c["latency_buckets"])
            ax.step(xs, ys, where="post", label=f"{c['name']} (budget {c['budget_us']} us)")
        finish_cdf_axes(ax, f"{name}: latency CDF per class")
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


def plot_policies(out_dir, runs):
    """policies.png in `out_dir`: per class, the latency CDF of each policy's run (TAG-edfgen.json),
    and per policy and class the share of packets lost and of packets past their budget. `runs`:
    the summaries of the overload runs (run.measure_scenario), one per policy."""
    plt = _pyplot()
    if plt is None or not runs:
        return
    classes = [c["class"] for c in runs[0]["classes"]]
    cols = max(2, len(classes))
    fig, axes = plt.subplots(2, cols, figsize=(4.8 * cols, 7.2), dpi=80, squeeze=False)
    for ax in [*axes[0][len(classes):], *axes[1][2:]]:
        ax.axis("off")
    for i, r in enumerate(runs):
        gen = json.loads(Path(out_dir, f"{r['tag']}-edfgen.json").read_text())
        for ax, c in zip(axes[0], gen["classes"]):
            if c["latency_buckets"]:
                xs, ys = cdf_points(c["latency_buckets"])
                ax.step(xs, ys, where="post", color=f"C{i}", label=r["scheduling"])
    for ax, c in zip(axes[0], runs[0]["classes"]):
        ax.axvline(c["budget_us"], color="grey", linestyle="--", linewidth=1)
        finish_cdf_axes(ax, f"{c['class']} (budget {c['budget_us']} us): latency CDF",
                        "one-way latency, us (log); dashed: budget")
    width = 0.8 / len(classes)
    for k, (key, what) in enumerate((("lost", "lost"), ("deadline_misses", "past budget"))):
        ax = axes[1][k]
        for j, name in enumerate(classes):
            xs = [i + (j - (len(classes) - 1) / 2) * width for i in range(len(runs))]
            rows = [next(c for c in r["classes"] if c["class"] == name) for r in runs]
            hs = [100 * row[key] / row["sent"] if row["sent"] else 0 for row in rows]
            bars = ax.bar(xs, hs, width, label=name)
            for b, row in zip(bars, rows):
                ax.annotate(str(row[key]), (b.get_x() + b.get_width() / 2, b.get_height()), ha="center",
                            va="bottom", fontsize=7)
        ax.set_xticks(range(len(runs)), [r["scheduling"] for r in runs])
        ax.set_ylabel(f"% of sent packets {what}")
        ax.set_title(f"packets {what} per class (count on the bar)")
        ax.set_ylim(0, 125)  # room for the counts and the legend above 100 %
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", ncol=len(classes))
    fig.suptitle("overload under each scheduling policy")
    fig.tight_layout()
    fig.savefig(Path(out_dir, "policies.png"))
    plt.close(fig)
