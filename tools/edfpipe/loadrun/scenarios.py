"""The load-run scenarios (docs/load-runs.md): edfgen's flows and edfpipe's options for each.

Class ports and budgets come from the profile edfpipe runs (profile.load of the binary under test),
and edfgen is told each flow's budget, so both sides judge deadlines by the same table. The spin
model's parameters (spin_base_ns, spin_per_byte_ns) come from the same profile.
"""
from ..frames import ETH_IPV4_UDP_BYTES

# The prototype's frames: UDP payloads 64-1400 B, uniform, plus the Ethernet/IPv4/UDP headers.
PROTO_FRAMES = (64 + ETH_IPV4_UDP_BYTES, 1400 + ETH_IPV4_UDP_BYTES)
# The prototype's stress mix, packets per second per class.
PROTOTYPE_PPS = {"high": 640, "medium": 1280, "low": 2560}
# overload and fifo: low at this multiple of the spin stage's capacity, high at this fraction.
OVERLOAD_LOW, OVERLOAD_HIGH = 2.0, 0.05
SCENARIOS = ("prototype", "overload", "fifo", "throughput")


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


def scenario_flows(name, table, rate_scale=1.0, arrival="const"):
    """(edfgen flows, edfpipe options) of scenario `name` (not throughput)."""
    s = rate_scale
    size = f"{PROTO_FRAMES[0]}-{PROTO_FRAMES[1]}"
    if name == "prototype":
        return [flow_arg(table, c, pps * s, size, arrival) for c, pps in PROTOTYPE_PPS.items()], \
            ["--processing", "spin"]
    cap = spin_capacity_pps(table, *PROTO_FRAMES)
    dut = ["--processing", "spin"] + (["--scheduling", "fifo"] if name == "fifo" else [])
    return [flow_arg(table, "high", OVERLOAD_HIGH * cap * s, size, arrival),
            flow_arg(table, "low", OVERLOAD_LOW * cap * s, size, arrival)], dut
