"""Fixtures for edfpipe's integration suite.

Environment (set by tests/integration/meson.build; set them by hand to run the suite standalone):
  EDFPIPE        the edfpipe binary (required)
  EDFPCAP        tools/edfpcap.py (default: the one in this source tree)
  ALLOC_COUNTER  the built alloc_counter LD_PRELOAD library (required by test_alloc.py)
  HOP_FLOOR      the built edfpipe_hop_floor (required by test_fwd_bench.py; set when the build has
                 the benchmarks, -Dbenchmarks=true, the default)

Tests that start DPDK take the `edfpipe` fixture, which is parametrized over two memory modes:
`--no-huge -m 512` and hugepages with `--in-memory` (and `--mbufs 4095`, as 512 hugepages of
2 MB are shared with everyone on the machine). The hugepage mode reserves and mounts hugepages when
run as root, and fails (never skips) when it cannot.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import edfit  # noqa: E402

SOURCE_ROOT = HERE.parent.parent
NR_HUGEPAGES = 512
MIN_FREE_HUGEPAGES = 32  # 64 MB: one run with --mbufs 4095 uses about 6 pages


def _required_file(var, default=None):
    val = os.environ.get(var) or default
    if not val:
        pytest.fail(f"environment variable {var} is not set (see tests/integration/conftest.py)", pytrace=False)
    if not os.path.isfile(val):
        pytest.fail(f"{var}={val}: no such file (build first: ninja -C <builddir>)", pytrace=False)
    return os.path.abspath(val)


@pytest.fixture(scope="session")
def edfpipe_bin():
    return _required_file("EDFPIPE")


@pytest.fixture(scope="session")
def hop_floor_bin():
    return _required_file("HOP_FLOOR")


@pytest.fixture(scope="session")
def edfpcap_py():
    return _required_file("EDFPCAP", str(SOURCE_ROOT / "tools" / "edfpcap.py"))


@pytest.fixture(scope="session")
def alloc_counter_so():
    return _required_file("ALLOC_COUNTER")


def _meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _hugepages_mounted():
    return subprocess.run(["mountpoint", "-q", "/dev/hugepages"]).returncode == 0


@pytest.fixture(scope="session")
def hugepages_ready():
    """Makes sure 2 MB hugepages are reserved and mounted; fails loudly if that is not possible."""
    if _meminfo("HugePages_Total") < NR_HUGEPAGES or not _hugepages_mounted():
        if os.geteuid() != 0:
            pytest.fail(f"hugepage mode needs {NR_HUGEPAGES} hugepages mounted on /dev/hugepages; run as root or "
                        f"set them up: echo {NR_HUGEPAGES} > /proc/sys/vm/nr_hugepages; mkdir -p /dev/hugepages; "
                        "mount -t hugetlbfs nodev /dev/hugepages", pytrace=False)
        try:
            if _meminfo("HugePages_Total") < NR_HUGEPAGES:
                with open("/proc/sys/vm/nr_hugepages", "w") as f:
                    f.write(str(NR_HUGEPAGES))
            os.makedirs("/dev/hugepages", exist_ok=True)
            if not _hugepages_mounted():
                subprocess.run(["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"], check=True,
                               capture_output=True)
        except (OSError, subprocess.CalledProcessError) as e:
            pytest.fail(f"cannot set up hugepages: {e}", pytrace=False)
    free = _meminfo("HugePages_Free")
    if free < MIN_FREE_HUGEPAGES:
        pytest.fail(f"only {free} hugepages free (need {MIN_FREE_HUGEPAGES}); another DPDK process may hold them, "
                    f"or a killed one left files in /dev/hugepages", pytrace=False)
    return free


# Module scope: a module's tests run in one memory mode, then in the other, and may share runs.
@pytest.fixture(scope="module", params=[edfit.NOHUGE, edfit.HUGEPAGES], ids=lambda m: m.name)
def mode(request):
    if request.param is edfit.HUGEPAGES:
        request.getfixturevalue("hugepages_ready")
    return request.param


@pytest.fixture(scope="module")
def edfpipe(edfpipe_bin, mode, tmp_path_factory):
    return edfit.Edfpipe(edfpipe_bin, mode, str(tmp_path_factory.mktemp(f"run_{mode.name}")))


class PcapMaker:
    """Runs tools/edfpcap.py once per distinct argument list per session; returns (pcap, manifest)."""

    def __init__(self, script, directory):
        self.script = script
        self.dir = directory
        self.cache = {}

    def __call__(self, *args):
        key = tuple(str(a) for a in args)
        if key not in self.cache:
            n = len(self.cache)
            pcap = self.dir / f"traffic{n}.pcap"
            manifest = self.dir / f"traffic{n}.json"
            cmd = [sys.executable, self.script, str(pcap), *key, "--manifest", str(manifest)]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            assert p.returncode == 0, f"{' '.join(cmd)} failed:\n{p.stderr}"
            import json
            with open(manifest) as f:
                self.cache[key] = (str(pcap), json.load(f))
        return self.cache[key]


@pytest.fixture(scope="session")
def make_pcap(edfpcap_py, tmp_path_factory):
    return PcapMaker(edfpcap_py, tmp_path_factory.mktemp("pcaps"))


@pytest.fixture(scope="session", autouse=True)
def no_leftovers():
    """After the suite: no DPDK runtime directory or hugepage file of ours is left behind."""
    yield
    prefix = f"edfit{os.getpid()}_"
    left = [p for d in (edfit.runtime_dir(""), "/dev/hugepages") if os.path.isdir(d)
            for p in os.listdir(d) if p.startswith(prefix)]
    assert not left, f"DPDK files left behind: {left}"
