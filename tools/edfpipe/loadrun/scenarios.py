"""The load-run scenarios (docs/load-runs.md): edfgen's flows and edfpipe's options for each.

Class ports and budgets come from the profile edfpipe runs (profile.load of the binary under test),
and edfgen is told each flow's budget, so both sides judge deadlines by the same table. The spin
model's parameters (spin_base_ns, spin_per_byte_ns) come from the same profile.
"""
import os
from ..frames import ETH_IPV4_UDP_BYTES

# The prototype's frames: UDP payloads 64-1400 B, uniform, plus the Ethernet/IPv4/UDP headers.
PROTO_FRAMES = (64 + ETH_IPV4_UDP_BYTES, 1400 + ETH_IPV4_UDP_BYTES)
# The prototype's stress mix, packets per second per class.
PROTOTYPE_PPS = {"high": 640, "medium": 1280, "low": 2560}
# overload and fifo: low at this multiple of the spin stage's capacity, high at this fraction.
OVERLOAD_LOW, OVERLOAD_HIGH = 2.0, 0.05
SCENARIOS = ("prototype", "overload", "fifo", "throughput", "scaling", "policies")
# edfpipe --scheduling of a scenario that sets one: fifo is overload under the fifo policy.
SCENARIO_SCHEDULING = {"fifo": "fifo"}
# policies: the overload scenario once per scheduling policy, in this order by default (edfpipe's
# registry, lib/edf/policy.h; --policies may name any policy the edfpipe under test accepts).
POLICIES = ("edf", "edf-plain", "fifo", "priority", "llf")

# scaling: a fixed spin cost per packet (no per-byte part), so one EDF worker serves
# 1e9 / SCALING_SPIN_NS packets/s (5000); edfgen offers SCALING_LOAD x one worker's capacity
# (15000 pps, 1.5 x what two workers serve) in 64 B frames, spread over SCALING_FLOWS UDP source
# ports (flows), or all in one flow for the hot-flow runs.
SCALING_SPIN_NS = 200_000
SCALING_LOAD = 3.0
SCALING_FLOWS = 1000
SCALING_SPORT_BASE = 40000
SCALING_FRAME = 64
# The 2-CPU layout (EAL --lcores of edfpipe and edfgen): edfpipe's main lcore 0 and lcore 1 on CPU 0,
# lcore 2 on CPU 1; RX on lcore 1, TX on lcore 2; W = 1 runs the first EDF lcore (2, on CPU 1, the
# CPU edfgen's worker does not use), W = 2 both, so each worker has a CPU and RX and TX ride along
# on the workers' lcores (served between 20 us EDF slices, not by the kernel's scheduler).
# edfgen's worker is on CPU 0 and sleeps when it has nothing to do (--idle-sleep-us), so it takes
# little of worker 1's CPU.
SCALING_DUT_LCORES = "0@0,1@0,2@1"
SCALING_RX, SCALING_EDF, SCALING_TX = "1", "2,1", "2"
SCALING_GEN_LCORES = "0@1,1@0"
SCALING_GEN_IDLE_SLEEP_US = 50


def spin_capacity_pps(table, frame_min, frame_max):
    """Packets per second the spin stage serves for frames uniform in [frame_min, frame_max]:
    1 / (spin_base + spin_per_byte x mean payload)."""
    mean_payload = (frame_min + frame_max) / 2 - ETH_IPV4_UDP_BYTES
    return 1e9 / (table.spin_base_ns + table.spin_per_byte_ns * mean_payload)


def processing_limit_us(table):
    """The spin stage's time for the largest prototype frame, in microseconds."""
    return (table.spin_base_ns + table.spin_per_byte_ns * (PROTO_FRAMES[1] - ETH_IPV4_UDP_BYTES)) / 1e3


def flow_arg(table, name, pps, size, arrival="const"):
    """edfgen's --flow for class `name` of `table`: its first port, its budget."""
    c = table.cls(name)
    return ["--flow", f"{name}:port={table.port(name)},pps={pps:.3f},size={size},arrival={arrival},"
                      f"budget_us={c.budget_us}"]


def stage_args(stage):
    """edfpipe's options for the processing stage of the prototype/overload/fifo/policies runs:
    the spin model (default), the crypto stage in roundtrip (AES-GCM encrypt and decrypt of every
    payload with a key drawn for the run, so edfgen's payload tags come back intact), or any other
    stage by name (its keys and --stage-lib go in --edfpipe-args)."""
    if stage in (None, "spin"):
        return ["--processing", "spin"]
    if stage == "crypto":
        return ["--processing", "crypto", "--set", f"stage crypto.key={os.urandom(16).hex()}",
                "--set", "stage crypto.direction=roundtrip"]
    return ["--processing", stage]


def scenario_flows(name, table, rate_scale=1.0, arrival="const", scheduling=None, stage=None):
    """(edfgen flows, edfpipe options) of scenario `name` (prototype, overload, fifo), with edfpipe
    --scheduling `scheduling` if given, else the scenario's (SCENARIO_SCHEDULING), else the profile's,
    and the processing stage `stage` (stage_args). Rates are the spin model's: another stage's
    capacity differs, so scale them with rate_scale to load it."""
    s = rate_scale
    size = f"{PROTO_FRAMES[0]}-{PROTO_FRAMES[1]}"
    scheduling = scheduling or SCENARIO_SCHEDULING.get(name)
    dut = stage_args(stage) + (["--scheduling", scheduling] if scheduling else [])
    if name == "prototype":
        return [flow_arg(table, c, pps * s, size, arrival) for c, pps in PROTOTYPE_PPS.items()], dut
    cap = spin_capacity_pps(table, *PROTO_FRAMES)
    return [flow_arg(table, "high", OVERLOAD_HIGH * cap * s, size, arrival),
            flow_arg(table, "low", OVERLOAD_LOW * cap * s, size, arrival)], dut


def sports_arg(n_flows):
    """edfgen's sports= value for n_flows flows (distinct UDP source ports), or None for one."""
    if n_flows <= 1:
        return None
    if SCALING_SPORT_BASE + n_flows - 1 > 65535:
        raise ValueError(f"at most {65536 - SCALING_SPORT_BASE} flows")
    return f"{SCALING_SPORT_BASE}-{SCALING_SPORT_BASE + n_flows - 1}"


def with_sports(flow, n_flows):
    """A flow_arg with sports= appended when n_flows > 1."""
    sp = sports_arg(n_flows)
    return flow if sp is None else [flow[0], f"{flow[1]},sports={sp}"]


def scaling_pps(spin_ns=SCALING_SPIN_NS, load=SCALING_LOAD):
    """Offered rate of the scaling runs: `load` x one worker's capacity 1e9 / spin_ns."""
    return load * 1e9 / spin_ns


def scaling_runs(table, edf_lcores, n_flows, pps, spin_ns=SCALING_SPIN_NS):
    """The four runs of one scaling round, as (tag, workers, flows, edfgen --flow, edfpipe options
    other than the role lists, EDF lcores): W = 1 and W = 2 with n_flows flows, then both with one
    (hot) flow. Same class, rate, frame size and spin cost in each."""
    lcores = edf_lcores.split(",")
    if len(lcores) < 2:
        raise ValueError(f"--edf-lcores {edf_lcores}: scaling needs two EDF lcores")
    name = table.default_class.name
    dut = ["--processing", "spin", "--spin-base-ns", str(spin_ns), "--spin-per-byte-ns", "0"]
    runs = []
    for hot in (False, True):
        nf = 1 if hot else n_flows
        flow = with_sports(flow_arg(table, name, pps, str(SCALING_FRAME)), nf)
        for w in (1, 2):
            tag = f"scaling-w{w}-{'hot' if hot else 'flows'}"
            runs.append((tag, w, nf, flow, dut, ",".join(lcores[:w])))
    return runs
