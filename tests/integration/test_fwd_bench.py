"""A short run of tools/fwd-bench: edfpipe, dpdk-testpmd io and the design's floor
(edfpipe_hop_floor) on the same net_pcap replay, one round of a second each.

It checks that every configuration forwarded and that the report holds what docs/performance.md
reads from it (rates, ratios to testpmd io, busy cycles per packet), never the speed itself.

Needs EDFPIPE and HOP_FLOOR (set by tests/integration/meson.build) and dpdk-testpmd on PATH.
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
FWD_BENCH = ROOT / "tools" / "fwd-bench"
CONFIGS = ["floor io", "floor touch", "floor classes", "edfpipe 1 lcore", "edfpipe rx|edf|tx", "edfpipe rx|edf+tx", "testpmd io"]


@pytest.fixture(scope="module")
def bench_env(edfpipe_bin, hop_floor_bin):
    if not shutil.which("dpdk-testpmd"):
        pytest.fail("dpdk-testpmd is not on PATH (Debian package dpdk)", pytrace=False)
    return dict(os.environ, EDFPIPE=edfpipe_bin, HOP_FLOOR=hop_floor_bin)


def test_one_round_reports_every_configuration(bench_env, tmp_path):
    out = tmp_path / "fwd.json"
    p = subprocess.run([str(FWD_BENCH), "--sizes", "64", "--rounds", "1", "--seconds", "1", "--json", str(out)],
                       env=bench_env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    res = json.loads(out.read_text())["64"]
    assert sorted(res["median_mpps"]) == sorted(CONFIGS)
    for name in CONFIGS:
        assert res["median_mpps"][name] > 0, name
        run = res["runs"][name][0]
        assert run["busy_cycles_per_packet"] and run["busy_cycles_per_packet"] > 0, (name, run)
    for name in ("floor io", "floor touch", "floor classes"):
        assert res["runs"][name][0]["dropped"] == 0
    # Every ratio is to testpmd io, measured in the same round.
    assert set(res["ratio"]) == set(CONFIGS) - {"testpmd io"}
    for name, r in res["ratio"].items():
        assert r == pytest.approx(res["median_mpps"][name] / res["median_mpps"]["testpmd io"]), name
    assert "floor touch" in p.stdout and "ratio" in p.stdout


def test_missing_floor_binary_is_named(bench_env, tmp_path):
    env = dict(bench_env, HOP_FLOOR=str(tmp_path / "nope"))
    p = subprocess.run([str(FWD_BENCH), "--sizes", "64", "--rounds", "1"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2
    assert f"HOP_FLOOR={tmp_path / 'nope'}: no such file" in p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("args, says", [
    (["--rounds", "0"], "--rounds: 0: out of range 1..1000"),
    (["--seconds", "0"], "--seconds: 0: out of range 1..3600"),
    (["--sizes", "64,,1024"], "--sizes: '': not a whole number"),
    (["--sizes", "59"], "--sizes: 59: out of range 60..1518"),
    (["--sizes", "1519"], "--sizes: 1519: out of range 60..1518"),
])
def test_bad_options_are_named(bench_env, args, says):
    p = subprocess.run([str(FWD_BENCH), *args], env=bench_env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert says in p.stderr
    assert "Traceback" not in p.stderr
