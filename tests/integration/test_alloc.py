"""No heap allocation per packet on the worker lcores (STYLE rule 5).

edfpipe runs with alloc_counter.so preloaded, which counts malloc-family calls per kind of thread
(DPDK 22.11.11 names worker lcore threads "rte-worker-N", earlier 22.11 releases "lcore-worker-N";
test_shutdown.py checks the running edfpipe has such a thread). The same pipeline over 2,000 and over
20,000 frames must make the same number of worker-thread allocations -- and that number is 0: the
dataplane, the pcap PMD's receive and transmit paths included, never calls malloc once running.
A control run proves the counter sees allocations on a thread named like a worker.
"""
import json
import os
import subprocess
import sys

import pytest

import edfit


def counts(path):
    with open(path) as f:
        return json.load(f)


@pytest.mark.parametrize("thread_name", ["rte-worker-9", "lcore-worker-9"])
def test_counter_sees_worker_named_threads(alloc_counter_so, tmp_path, thread_name):
    # Control: a thread renamed like a worker makes 1000 malloc calls through libc; the counter
    # must attribute at least those to workers, and the main thread's own allocations to main.
    prog = (
        "import ctypes, threading\n"
        "libc = ctypes.CDLL(None)\n"
        "libc.malloc.restype = ctypes.c_void_p\n"
        "libc.free.argtypes = [ctypes.c_void_p]\n"
        "def work():\n"
        f"    libc.prctl(15, b'{thread_name}', 0, 0, 0)\n"   # PR_SET_NAME
        "    for _ in range(1000):\n"
        "        libc.free(libc.malloc(1 << 20))\n"
        "t = threading.Thread(target=work); t.start(); t.join()\n"
    )
    out = tmp_path / "control.json"
    env = dict(os.environ, LD_PRELOAD=alloc_counter_so, ALLOC_COUNT_FILE=str(out))
    p = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    c = counts(out)
    assert c["worker_allocs"] >= 1000 and c["worker_frees"] >= 1000, c
    assert c["main_allocs"] > 0, c


def run_counted(edfpipe, alloc_counter_so, pcap_manifest, name):
    pcap, manifest = pcap_manifest
    count_file = f"{edfpipe.workdir}/{name}.alloc.json"
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap={edfpipe.workdir}/{name}.out.pcap"],
                      ["--idle-exit", edfit.IDLE_EXIT_MS], timeout=120,
                      env={"LD_PRELOAD": alloc_counter_so, "ALLOC_COUNT_FILE": count_file})
    assert res.rc == 0, res.describe()
    edfit.check_read_all(res, manifest["valid"] + sum(manifest["malformed"].values()))
    edfit.check_accounting(res.stats, name)
    assert os.path.exists(count_file), f"alloc_counter wrote no {count_file}:\n{res.describe()}"
    return res, counts(count_file)


def test_no_worker_allocation_per_packet(edfpipe, make_pcap, alloc_counter_so):
    small = make_pcap("--count", 2000, "--malformed-every", 20, "--vlan-every", 5, "--seed", 21)
    large = make_pcap("--count", 20000, "--malformed-every", 20, "--vlan-every", 5, "--seed", 21)
    res_s, c_s = run_counted(edfpipe, alloc_counter_so, small, "small")
    res_l, c_l = run_counted(edfpipe, alloc_counter_so, large, "large")
    assert res_s.stats["tx"] == small[1]["valid"] and res_l.stats["tx"] == large[1]["valid"]
    print(f"\n{edfpipe.mode.name}: allocations with 2,000 frames {c_s}; with 20,000 frames {c_l}")
    # The interposer is live in these very runs: EAL and start-up allocate on the main thread.
    assert c_s["main_allocs"] > 0 and c_l["main_allocs"] > 0, (c_s, c_l)
    assert c_s["worker_allocs"] == c_l["worker_allocs"], \
        f"worker-lcore allocations grow with packets: {c_s['worker_allocs']} for 2,000, {c_l['worker_allocs']} for 20,000"
    assert c_s["worker_frees"] == c_l["worker_frees"], (c_s, c_l)
    assert c_s["other_allocs"] == c_l["other_allocs"], (c_s, c_l)  # in case workers were not recognised
    assert c_l["worker_allocs"] == 0, f"worker lcores allocate {c_l['worker_allocs']} times (constant, not per packet)"
