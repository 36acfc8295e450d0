"""The class table, read from edfpipe itself: `edfpipe -- [-f FILE] [--set ...] --dump-profile`.

The built-in profile (lib/edf/profile.cc) is the one place the default classes, their UDP ports,
budgets and the [fwd] port map are written. Tools and tests that need them ask the binary (no EAL,
no hugepages: it prints the profile as INI and exits), so a change there reaches every one of
them. Without a built edfpipe they fail with ProfileUnavailable, which says how to get one.

  p = profile.builtin()                 # the binary binaries.find("edfpipe") finds, cached
  p.cls("high").budget_us               # its budget, microseconds
  p.port_range("high")                  # (first, last): its first UDP port range, where its traffic goes
  p.port_range(p.default_class.name)    # DEFAULT_CLASS_PORTS, checked to reach no other class
  p.class_of_port(port)                 # the class a DSCP-0 frame to `port` lands in
  p.port_map_dict()                     # {in: out} of [fwd] udp_port_map

`python3 -m edfpipe.profile [--edfpipe PATH] [-f FILE]` prints the table as JSON.
"""
import functools
import json
import subprocess
from dataclasses import dataclass, field

from . import binaries

# Where the tools send traffic for the default class (the class that takes what no other class
# claims): edfpcap spreads it over this range, loadrun and Pktgen use its first port. Not a fact
# of the profile, a choice of the tools; Profile.port_range() checks that no class claims it.
DEFAULT_CLASS_PORTS = (5000, 5999)


class ProfileUnavailable(RuntimeError):
    """No edfpipe to ask, or it refused to dump its profile; str() says what to do."""


def _ranges(text, what):
    """'100-199,300' -> ((100, 199), (300, 300)); 'none' -> ()."""
    if text == "none":
        return ()
    out = []
    for item in text.split(","):
        lo, _, hi = item.strip().partition("-")
        try:
            out.append((int(lo), int(hi or lo)))
        except ValueError:
            raise ProfileUnavailable(f"--dump-profile: {what} = {text!r}: not a list of ranges") from None
    return tuple(out)


@dataclass(frozen=True)
class TrafficClass:
    index: int                  # position in the profile: priority order, and the payload tag's class
    name: str
    budget_us: int
    udp_dst_ports: tuple        # ((first, last), ...), empty when the class has no port rule
    dscp: tuple                 # DSCP values it claims (precedence over ports), empty for none
    quantum_bytes: int
    is_default: bool            # takes valid UDP that no class claims
    keys: dict = field(compare=False)  # every key of its section, as dumped

    def claims_port(self, port: int) -> bool:
        return any(lo <= port <= hi for lo, hi in self.udp_dst_ports)


@dataclass(frozen=True)
class Profile:
    classes: tuple              # TrafficClass, in profile order
    port_map: tuple             # ((in_first, in_last, out_first), ...) of [fwd] udp_port_map
    sections: dict              # {section name: {key: value}}, everything the dump printed
    command: tuple              # how it was read

    def names(self) -> list:
        return [c.name for c in self.classes]

    def cls(self, name: str) -> TrafficClass:
        for c in self.classes:
            if c.name == name:
                return c
        raise KeyError(f"no class {name!r} in the profile (classes: {', '.join(self.names())})")

    @property
    def default_class(self) -> TrafficClass:
        return next(c for c in self.classes if c.is_default)

    def class_of_port(self, port: int) -> str:
        """The class a valid UDP frame to `port` with DSCP 0 lands in (port rules only: the
        traffic tools write DSCP 0, which no class of the built-in profile claims)."""
        for c in self.classes:
            if c.claims_port(port):
                return c.name
        return self.default_class.name

    def port_range(self, name: str) -> tuple:
        """(first, last) destination ports to send class `name`'s traffic to: its first port
        range, or DEFAULT_CLASS_PORTS for a default class without ports."""
        c = self.cls(name)
        if c.udp_dst_ports:
            return c.udp_dst_ports[0]
        if not c.is_default:
            raise ProfileUnavailable(f"[class {name}] has no udp_dst_ports: no port reaches it")
        lo, hi = DEFAULT_CLASS_PORTS
        for other in self.classes:
            for a, b in other.udp_dst_ports:
                if a <= hi and lo <= b:
                    raise ProfileUnavailable(f"[class {other.name}] claims ports {a}-{b}, inside the ports "
                                             f"{lo}-{hi} the tools send the default class {name} to")
        return DEFAULT_CLASS_PORTS

    def port(self, name: str, last: bool = False) -> int:
        """One destination port of class `name` (the first of port_range, or the last)."""
        return self.port_range(name)[1 if last else 0]

    def mapped_port(self, port: int) -> int:
        """The destination port after edfpipe's [fwd] udp_port_map (unchanged outside it)."""
        for lo, hi, out in self.port_map:
            if lo <= port <= hi:
                return out + port - lo
        return port

    def port_map_dict(self) -> dict:
        """{in: out} for every mapped port."""
        return {p: out + p - lo for lo, hi, out in self.port_map for p in range(lo, hi + 1)}

    @property
    def spin_base_ns(self) -> int:
        return int(self.sections["pipeline"]["spin_base_ns"])

    @property
    def spin_per_byte_ns(self) -> int:
        return int(self.sections["pipeline"]["spin_per_byte_ns"])

    def to_json(self) -> dict:
        return {"classes": [{"index": c.index, "name": c.name, "budget_us": c.budget_us,
                             "udp_dst_ports": [list(r) for r in c.udp_dst_ports], "dscp": list(c.dscp),
                             "default": c.is_default} for c in self.classes],
                "udp_port_map": [list(m) for m in self.port_map],
                "spin_base_ns": self.spin_base_ns, "spin_per_byte_ns": self.spin_per_byte_ns}


def parse_dump(text: str, command=()) -> Profile:
    """A Profile from the INI text --dump-profile prints."""
    sections, order, cur = {}, [], None
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            cur = line[1:-1]
            sections.setdefault(cur, {})
            order.append(cur)
            continue
        key, eq, value = line.partition("=")
        if not eq or cur is None:
            raise ProfileUnavailable(f"--dump-profile printed a line that is not INI: {raw!r}")
        sections[cur][key.strip()] = value.strip()
    classes = []
    try:
        for sec in order:
            if not sec.startswith("class "):
                continue
            k = sections[sec]
            classes.append(TrafficClass(
                index=len(classes), name=sec[len("class "):], budget_us=int(k["budget_us"]),
                udp_dst_ports=_ranges(k["udp_dst_ports"], "udp_dst_ports"),
                dscp=() if k["dscp"] == "none" else tuple(int(d) for d in k["dscp"].split(",")),
                quantum_bytes=int(k["quantum_bytes"]), is_default=k["default"] == "yes", keys=dict(k)))
        port_map = []
        map_text = sections.get("fwd", {}).get("udp_port_map", "none")
        if map_text != "none":
            for item in map_text.split(","):
                src, _, dst = item.partition(":")
                (lo, hi), = _ranges(src, "udp_port_map")
                (out, _), = _ranges(dst, "udp_port_map")
                port_map.append((lo, hi, out))
    except (KeyError, ValueError) as e:
        raise ProfileUnavailable(f"--dump-profile: unexpected profile text ({type(e).__name__}: {e})") from None
    if not classes or sum(c.is_default for c in classes) != 1:
        raise ProfileUnavailable("--dump-profile: expected classes with exactly one default class")
    return Profile(tuple(classes), tuple(port_map), sections, tuple(command))


def load(binary: str = None, args=(), timeout: float = 30) -> Profile:
    """The profile edfpipe at `binary` (default: binaries.find) runs with application options
    `args` (e.g. ["-f", "my.ini"] or ["--set", "class high.budget_us=500"])."""
    if binary is None:
        try:
            binary = binaries.find("edfpipe")
        except binaries.NotFound as e:
            raise ProfileUnavailable(f"the class table is read from `edfpipe -- --dump-profile`: {e}") from None
    cmd = [binary, "--", *args, "--dump-profile"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ProfileUnavailable(f"{' '.join(cmd)}: {e}") from None
    if p.returncode != 0:
        raise ProfileUnavailable(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return parse_dump(p.stdout, cmd)


@functools.lru_cache(maxsize=None)
def builtin() -> Profile:
    """The built-in profile of the edfpipe binaries.find() finds; read once per process."""
    return load()


def main(argv=None):
    import argparse
    import sys
    ap = argparse.ArgumentParser(prog="python3 -m edfpipe.profile",
                                 description="Print edfpipe's class table (from --dump-profile) as JSON.")
    ap.add_argument("--edfpipe", help="the edfpipe binary (default: $EDFPIPE, the build directory, PATH)")
    ap.add_argument("-f", "--profile", help="a profile file instead of the built-in profile")
    a = ap.parse_args(argv)
    try:
        p = load(a.edfpipe, ["-f", a.profile] if a.profile else [])
    except ProfileUnavailable as e:
        print(f"edfpipe.profile: {e}", file=sys.stderr)
        return 1
    print(json.dumps(p.to_json(), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
