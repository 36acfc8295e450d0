"""The EDF workers' scheduling policies (lib/edf/policy.h) on the real binary: `--scheduling NAME`
with the spin stage as the bottleneck, and `set scheduling NAME` in the shell.

The pcap holds 150 low frames, then 150 high frames (edfpcap --order low-then-high). With
`--processing spin` each frame costs at least 100 us on the EDF lcore while RX reads 32 frames per
loop, so the whole pcap is queued within a few milliseconds and the policy decides the order (as in
test_edf.py). Budgets are set so that the policies disagree: low's is 1 us, so every low frame is
late as soon as it is queued, and high's is 1 s, so no high frame is ever late in the run (300
frames x at most ~200 us). Then, from the definitions:

- edf: once high frames are queued, low's late head yields to high's on-time head (the overload
  rule): the high frames leave together, and most low frames after them. A few low frames may leave
  first, processed before any high frame arrived (how many depends on the machine, so only "most
  low after high" is asserted, as in test_edf.py).
- priority: the lowest class index first whatever the deadlines: as edf here.
- edf-plain: low's deadlines (arrival + 1 us) are earlier than every high deadline (arrival + 1 s):
  every low frame leaves before any high frame -- the domino effect, exactly 150 low then 150 high.
- llf: laxity = deadline - now - remaining spin work; a low head's laxity is below -100 us, a high
  head's near 1 s: exactly as edf-plain.
- fifo: one shared queue in arrival order: exactly 150 low then 150 high, in input order.
Within a class every policy keeps arrival order.
"""
import os
import subprocess
import time

import pytest

import edfit

SPIN = ["--processing", "spin", "--idle-exit", edfit.IDLE_EXIT_MS]
BUDGETS = ["--set", "class low.budget_us=1", "--set", "class high.budget_us=1000000"]
PROMPT = "edfpipe> "


@pytest.fixture(scope="module")
def low_then_high(make_pcap):
    pcap, manifest = make_pcap("--count", 300, "--order", "low-then-high", "--seed", 3)
    assert manifest["classes"]["low"] == 150 and manifest["classes"]["high"] == 150
    return pcap, manifest


def run_policy(edfpipe, pcap_manifest, policy):
    pcap, manifest = pcap_manifest
    out = f"{edfpipe.workdir}/policy_{policy}.pcap"
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"],
                      [*SPIN, *BUDGETS, "--scheduling", policy], timeout=60)
    assert res.rc == 0, res.describe()
    assert res.stats is not None, res.describe()
    edfit.check_read_all(res, manifest["valid"] + sum(manifest["malformed"].values()))
    edfit.check_accounting(res.stats, policy)
    st = res.stats
    assert st["rx"] == st["tx"] == 300 and st["drops"] == 0, res.describe()
    frames = edfit.read_pcap(out)
    assert len(frames) == 300
    order = edfit.out_classes(frames)
    last = {}
    for seq, cls in order:  # arrival order within a class, whatever the policy
        assert seq > last.get(cls, -1), f"{policy}: class {cls}: seq {seq} sent after seq {last[cls]}"
        last[cls] = seq
    return res, order


@pytest.mark.parametrize("policy", ["edf", "priority"])
def test_high_class_goes_first(edfpipe, low_then_high, policy):
    res, order = run_policy(edfpipe, low_then_high, policy)
    classes = [c for _, c in order]
    first_high = classes.index("high")
    last_high = len(classes) - 1 - classes[::-1].index("high")
    assert classes[first_high:last_high + 1] == ["high"] * 150, \
        f"{policy}: a low frame left between high frames: {classes}"
    low_after = classes[last_high + 1:].count("low")
    assert low_after >= 75, f"{policy}: only {low_after} of 150 low frames left after the high ones: {classes}"
    assert edfit.by_class(res.stats)["high"]["late"] == 0


@pytest.mark.parametrize("policy", ["edf-plain", "llf", "fifo"])
def test_earlier_deadlines_or_arrivals_go_first(edfpipe, low_then_high, policy):
    _, order = run_policy(edfpipe, low_then_high, policy)
    classes = [c for _, c in order]
    assert classes == ["low"] * 150 + ["high"] * 150, f"{policy}: {classes}"
    if policy == "fifo":
        seqs = [s for s, _ in order]
        assert seqs == sorted(seqs), f"fifo: not in arrival order: {seqs}"


def shell_run(edfpipe, pcap, args, lines, out_name="shell"):
    """edfpipe -i < script; returns (Result, [(command, output)]); the output pcap is extra["out"]."""
    script = os.path.join(edfpipe.workdir, f"policies_{out_name}.txt")
    with open(script, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    out = script + ".pcap"
    prefix = edfit.unique_prefix()
    cmd = edfpipe.command([f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"], ["-i", *args], prefix, None)
    start = time.monotonic()
    try:
        with open(script, "rb") as stdin:
            p = subprocess.run(cmd, stdin=stdin, capture_output=True, timeout=30, cwd=edfpipe.workdir,
                               start_new_session=True)
    finally:
        edfit.cleanup_prefix(prefix)
    res = edfit.Result(cmd, p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"),
                       time.monotonic() - start)
    res.extra["out"] = out
    said = []
    for piece in res.stdout.split(PROMPT)[1:]:
        command, _, text = piece.partition("\n")
        said.append((command.rstrip("\r"), text))
    return res, said


def test_shell_switches_live_but_not_to_or_from_fifo(edfpipe, low_then_high):
    pcap, _ = low_then_high
    res, said = shell_run(edfpipe, pcap, [], [
        "set scheduling edf-plain", "show config", "set scheduling fifo", "set scheduling lifo",
        "set scheduling llf", "set scheduling priority", "set scheduling edf", "show config"])
    assert res.rc == 0, res.describe()
    replies = dict(said[:2])
    assert replies["set scheduling edf-plain"].startswith("ok: [pipeline] scheduling = edf-plain"), res.describe()
    assert "scheduling = edf-plain\n" in replies["show config"], res.describe()
    fifo = said[2][1]
    assert fifo.startswith("error: scheduling fifo uses one shared queue: restart edfpipe to switch to or from it"), fifo
    assert "ok:" not in fifo
    lifo = said[3][1]
    assert "error: no scheduling policy 'lifo' (expected one of edf, edf-plain, fifo, priority, llf)" in lifo, lifo
    for cmd, text in said[4:7]:
        assert text.startswith("ok: [pipeline] scheduling = " + cmd.split()[-1]), (cmd, text)
    assert "scheduling = edf\n" in said[7][1], said[7][1]


def test_shell_refuses_to_leave_fifo(edfpipe, low_then_high):
    pcap, _ = low_then_high
    res, said = shell_run(edfpipe, pcap, ["--scheduling", "fifo"], ["set scheduling edf", "show config"],
                          out_name="from_fifo")
    assert res.rc == 0, res.describe()
    assert said[0][1].startswith("error: scheduling fifo uses one shared queue"), said[0][1]
    assert "scheduling = fifo\n" in said[1][1], said[1][1]


def test_live_switch_reaches_the_workers(edfpipe, make_pcap):
    # 10 low frames then 10 high, each costing 50 ms of spin (1 s in all), started under edf-plain,
    # which with these budgets would send every low frame first (test above). The script's first
    # command switches to priority; a worker applies it within about 1 ms (its configuration check),
    # after at most the low frame in progress and the few started while the shell came up. From
    # then on priority sends the 10 high frames together, and the remaining low frames after them.
    pcap, manifest = make_pcap("--count", 20, "--order", "low-then-high", "--seed", 4)
    assert manifest["classes"]["low"] == manifest["classes"]["high"] == 10
    res, said = shell_run(edfpipe, pcap, ["--scheduling", "edf-plain", *BUDGETS, "--processing", "spin",
                                          "--spin-base-ns", "50000000", "--spin-per-byte-ns", "0"],
                          ["set scheduling priority", "sleep 2500"], out_name="live")
    assert res.rc == 0, res.describe()
    assert said[0][1].startswith("ok: [pipeline] scheduling = priority"), res.describe()
    classes = [c for _, c in edfit.out_classes(edfit.read_pcap(res.extra["out"]))]
    assert len(classes) == 20, (classes, res.describe())
    first_high = classes.index("high")
    assert classes[first_high:first_high + 10] == ["high"] * 10, f"priority did not take over: {classes}"
    assert classes[first_high + 10:].count("low") >= 5, f"the switch came too late to tell: {classes}"


@pytest.mark.parametrize("policy", ["edf", "edf-plain", "fifo", "priority", "llf"])
def test_dump_profile_round_trips_the_policy(edfpipe_bin, tmp_path, policy):
    first = edfit.run_cli(edfpipe_bin, ["--scheduling", policy, "--dump-profile"])
    assert first.rc == 0, first.describe()
    assert f"scheduling = {policy}\n" in first.stdout, first.stdout
    path = tmp_path / f"{policy}.ini"
    path.write_text(first.stdout)
    second = edfit.run_cli(edfpipe_bin, ["-f", str(path), "--dump-profile"])
    assert second.rc == 0 and second.stdout == first.stdout, second.describe()


def test_unknown_policy_is_refused_at_start(edfpipe_bin):
    res = edfit.run_cli(edfpipe_bin, ["--scheduling", "lifo", "--dump-profile"])
    assert res.rc != 0 and not res.extra["started_eal"], res.describe()
    assert "expected one of edf, edf-plain, fifo, priority, llf" in res.stderr, res.describe()
