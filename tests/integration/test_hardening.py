"""Hardening: what a hostile tester found, each on the real binary (docs/robustness.md lists them).

- a zero-length frame is a counted runt, and the RX queue behind it keeps flowing;
- a packet held for longer than 2^64 / 1e9 TSC cycles (7 s at 2.6 GHz) reports its true latency;
- a rate limit under 8 bit/s limits instead of turning itself off;
- closed stdin, stdout or stderr: edfpipe runs and stops normally;
- every stop signal ends edfpipe through the drain, the report and the mbuf check; SIGPIPE does not
  end it, and a reader of stdout that goes away ends the run cleanly;
- an lcore whose launch fails: the lcores already running are stopped, and the same teardown runs;
- a failed EAL start-up says what EAL said, not "Success".
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import edfit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "tools"))
import edfpcap  # noqa: E402


def write_frames(path, frames):
    edfpcap.write_pcap(str(path), frames)
    return str(path)


def frames_to(dport, count, frame_len, start_seq=0):
    return [edfpcap.valid_frame(start_seq + i, "high", dport, frame_len) for i in range(count)]


# ---------------------------------------------------------------- data path

@pytest.fixture(scope="module")
def zero_length_pcap(tmp_path_factory):
    frames = frames_to(8080, 200, 128) + [b""] + frames_to(8084, 200, 128, start_seq=200)
    return write_frames(tmp_path_factory.mktemp("zero") / "zero.pcap", frames)


def test_zero_length_frame_is_a_runt_and_rx_keeps_flowing(edfpipe, zero_length_pcap):
    out = f"{edfpipe.workdir}/zero_out.pcap"
    res = edfpipe.run([f"net_pcap0,rx_pcap={zero_length_pcap},tx_pcap={out}"], ["--idle-exit", edfit.IDLE_EXIT_MS])
    assert res.rc == 0, res.describe()
    edfit.check_accounting(res.stats, "zero-length frame")
    edfit.check_read_all(res, 401)
    assert res.stats["drops_by_reason"]["runt"] == 1, res.describe()
    assert res.stats["tx"] == 400, res.describe()
    assert len(edfit.read_pcap(out)) == 400


def test_zero_length_frame_in_an_endless_replay(edfpipe, zero_length_pcap):
    res = edfpipe.run([f"net_pcap0,rx_pcap={zero_length_pcap},tx_pcap=/dev/null,infinite_rx=1"],
                      ["--duration", "2"])
    assert res.rc == 0, res.describe()
    edfit.check_accounting(res.stats, "zero-length frame, infinite_rx")
    st = res.stats
    # Each pass of the file is 400 valid frames and one runt: many passes, and runts in proportion.
    assert st["drops_by_reason"]["runt"] >= 3, res.describe()
    assert st["tx"] >= 3 * 400, res.describe()
    assert abs(st["rx"] - 401 * st["drops_by_reason"]["runt"]) <= 401 + 256, res.describe()


def test_latency_of_a_packet_held_for_ten_seconds(tmp_path, edfpipe_bin):
    # 1000 bytes a second with a 2048-byte bucket: two 1000-byte frames leave at once, then one a
    # second, so the 12th waits about 10 s in its TX ring -- past 2^64 / 1e9 cycles on any TSC
    # above 1.9 GHz, where cycles * 1e9 / hz wrapped and the report said a second or two.
    pcap = write_frames(tmp_path / "held.pcap", frames_to(8080, 12, 1000))
    ep = edfit.Edfpipe(edfpipe_bin, edfit.NOHUGE, str(tmp_path))
    res = ep.run([f"net_pcap0,rx_pcap={pcap},tx_pcap=/dev/null"],
                 ["--rate", "0:8000", "--set", "port 0.rate_burst_bytes=2048", "--idle-exit", "2500"], timeout=60)
    assert res.rc == 0, res.describe()
    edfit.check_accounting(res.stats, "held packets")
    high = edfit.by_class(res.stats)["high"]
    assert high["tx"] == 12, res.describe()
    lat = high["latency_ns"]
    assert 9.0e9 <= lat["max"] <= 11.5e9, f"max latency {lat['max']} ns for a packet held ~10 s\n{res.describe()}"
    assert lat["max"] >= lat["p99"] >= lat["p50"] >= lat["min"]
    assert res.elapsed >= 9.5


def test_rate_below_one_byte_per_second_limits(edfpipe, tmp_path):
    # 7 bit/s: the 2048-byte bucket lets two 1000-byte frames through, and the next would need
    # 1143 s. It used to round to 0 bytes/s, which means "no limit", and send all 20.
    pcap = write_frames(tmp_path / "slow.pcap", frames_to(8080, 20, 1000))
    res = edfpipe.run([f"net_pcap0,rx_pcap={pcap},tx_pcap=/dev/null"],
                      ["--rate", "0:7", "--set", "port 0.rate_burst_bytes=2048", "--duration", "2", "--drain-ms", "100"])
    assert res.rc == 0, res.describe()
    edfit.check_accounting(res.stats, "7 bit/s")
    assert res.stats["rx"] == 20
    assert res.stats["tx"] == 2, res.describe()
    assert res.stats["drops_by_reason"]["shutdown"] == 18, res.describe()


# ---------------------------------------------------------------- process and I/O

def _shell_run(cmd, redirect, timeout=30, stdin=subprocess.DEVNULL):
    """Runs cmd under bash with `redirect` applied (e.g. '>&-'); returns (rc, stdout, stderr)."""
    script = 'exec "$@" ' + redirect
    try:
        p = subprocess.run(["bash", "-c", script, "edfpipe", *cmd], capture_output=True, timeout=timeout, stdin=stdin)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"edfpipe with {redirect!r} did not exit within {timeout} s: {' '.join(cmd)}")
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def _cmd(binary, prefix, args, stats_path, lcores=("-l", "0-1")):
    return [binary, "--no-huge", "-m", "512", "--no-pci", *lcores, "--file-prefix", prefix,
            "--vdev", "net_null0,size=64", "--", *args, "--stats-json", stats_path]


def _load(path):
    with open(path) as f:
        return json.load(f)


@pytest.mark.parametrize("redirect,args", [(">&-", ["--duration", "1"]),
                                           ("2>&-", ["--duration", "1"]),
                                           (">&- 2>&-", ["--duration", "1", "--stats-period", "1"]),
                                           ("<&-", ["-i"])],
                         ids=["stdout", "stderr", "both", "stdin-shell"])
def test_closed_standard_descriptors(edfpipe_bin, tmp_path, redirect, args):
    prefix = edfit.unique_prefix()
    stats = str(tmp_path / "stats.json")
    try:
        rc, out, err = _shell_run(_cmd(edfpipe_bin, prefix, args, stats), redirect)
    finally:
        edfit.cleanup_prefix(prefix)
    assert rc == 0, f"rc {rc}\n{out[-2000:]}\n{err[-2000:]}"
    st = _load(stats)
    edfit.check_accounting(st, redirect)
    if "2>&-" not in redirect and ">&-" not in redirect:
        assert "shell closed" in out + err  # stdin closed: the shell sees end of input at once
        # ... and reads no commands out of whatever file took descriptor 0 (EAL's, it used to be)
        assert "Command not found" not in out and "longer than" not in out, out[-3000:]


def test_reader_of_stdout_going_away_stops_cleanly(edfpipe_bin, tmp_path):
    prefix = edfit.unique_prefix()
    stats = str(tmp_path / "stats.json")
    cmd = _cmd(edfpipe_bin, prefix, ["--stats-period", "1", "--duration", "20"], stats)
    try:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            first = p.stdout.readline()  # as `| head -1` does: one line, then the reader is gone
            p.stdout.close()
            rc = p.wait(timeout=15)
            err = p.stderr.read().decode(errors="replace")
        except BaseException:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise
    finally:
        edfit.cleanup_prefix(prefix)
    assert first, "edfpipe printed nothing"
    assert rc == 0, f"rc {rc} (-13 is death by SIGPIPE)\n{err[-2000:]}"
    edfit.check_accounting(_load(stats), "stdout closed")


# SIGPIPE is not among them: edfpipe ignores it (see test_sigpipe_does_not_stop).
STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                signal.SIGALRM, signal.SIGXCPU, signal.SIGVTALRM, signal.SIGRTMIN + 2, signal.SIGRTMAX]


@pytest.mark.parametrize("sig", STOP_SIGNALS, ids=lambda s: signal.Signals(s).name if s in signal.Signals.__members__.values() else str(s))
def test_every_stop_signal_goes_through_the_drain(edfpipe_bin, tmp_path, sig):
    ep = edfit.Edfpipe(edfpipe_bin, edfit.NOHUGE, str(tmp_path))
    res = ep.run(["net_null0,size=64"], ["--duration", "30"], timeout=40, send_signal=sig,
                 ready_text="edfpipe: lcore", signal_delay=0.3)
    assert res.rc == 0, res.describe()
    assert res.extra["after_signal_s"] < 10, res.describe()
    assert f"signal {int(sig)} received" in res.stdout + res.stderr, res.describe()
    edfit.check_accounting(res.stats, f"signal {int(sig)}")
    assert "accounting: rx" in res.stdout


def test_sigpipe_does_not_stop(edfpipe_bin, tmp_path):
    ep = edfit.Edfpipe(edfpipe_bin, edfit.NOHUGE, str(tmp_path))
    res = ep.run(["net_null0,size=64"], ["--duration", "2"], timeout=30, send_signal=signal.SIGPIPE,
                 ready_text="edfpipe: lcore", signal_delay=0.2)
    assert res.rc == 0, res.describe()
    assert "duration of 2 s reached" in res.stdout + res.stderr, res.describe()
    edfit.check_accounting(res.stats, "SIGPIPE")


def test_failed_lcore_launch_tears_down_like_any_stop(edfpipe_bin, tmp_path):
    so = os.environ.get("LAUNCH_FAIL")
    if not so or not os.path.isfile(so):
        pytest.fail("LAUNCH_FAIL (the built launch_fail.so) is not set; see tests/integration/meson.build",
                    pytrace=False)
    prefix = edfit.unique_prefix()
    stats = str(tmp_path / "stats.json")
    # lcore 1 (RX) starts and runs; lcore 2 (EDF and TX) fails to launch.
    cmd = _cmd(edfpipe_bin, prefix, ["--rx-lcores", "1", "--edf-lcore", "2", "--tx-lcore", "2", "--idle", "yield"],
               stats, lcores=("--lcores", "0@0,1@1,2@1"))
    env = dict(os.environ, LD_PRELOAD=so, EDFIT_FAIL_LAUNCH_LCORE="2")
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=30, env=env, stdin=subprocess.DEVNULL)
    finally:
        edfit.cleanup_prefix(prefix)
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    assert p.returncode == 1, f"rc {p.returncode}\n{out[-2000:]}\n{err[-2000:]}"
    assert "cannot launch lcore 2" in err, err
    assert "mbufs returned" in out, out[-2000:]
    st = _load(stats)
    edfit.check_accounting(st, "failed launch")
    assert st["rx"] > 0, "lcore 1 ran before the failure: it must have received and counted frames"


def test_eal_failure_says_what_eal_said(edfpipe_bin, tmp_path):
    # A second edfpipe on the prefix of a running one: EAL refuses, and used to be reported as
    # "EAL initialisation failed: Success".
    ep = edfit.Edfpipe(edfpipe_bin, edfit.NOHUGE, str(tmp_path))
    prefix = edfit.unique_prefix()
    first = subprocess.Popen(ep.command(["net_null0"], ["--duration", "20"], prefix), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        buf = b""
        while b"edfpipe: lcore" not in buf and time.monotonic() < deadline:
            line = first.stdout.readline()
            if not line:
                break
            buf += line
        assert b"edfpipe: lcore" in buf, buf.decode(errors="replace")
        second = subprocess.run(ep.command(["net_null0"], ["--duration", "1"], prefix), capture_output=True,
                                timeout=30, stdin=subprocess.DEVNULL)
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=15)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
        edfit.cleanup_prefix(prefix)
    err = second.stderr.decode(errors="replace")
    assert second.returncode == 1, err
    line = next((ln for ln in err.splitlines() if "EAL initialisation failed" in ln), "")
    assert "Is another primary process running?" in line, err
    assert not line.endswith(": Success"), line


@pytest.mark.parametrize("kind", ["fifo", "directory", "missing_dir", "dev_null"])
def test_stats_json_target_refused_before_start(edfpipe_bin, tmp_path, kind):
    # The report is written at exit: a target that cannot take it (a FIFO would block the exit
    # for ever) is refused before EAL starts, not discovered after the run.
    target = tmp_path / "report"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    elif kind == "missing_dir":
        target = tmp_path / "no" / "such" / "report.json"
    else:
        target = Path("/dev/null")
    res = edfit.run_cli(edfpipe_bin, ["--duration", "1", "--stats-json", str(target)])
    assert res.rc == 1, res.describe()
    assert "--stats-json: cannot write " + str(target) in res.stderr, res.describe()
    assert not res.extra["started_eal"], res.describe()


def _sigterm_with_stdout_unread(edfpipe_bin, tmp_path, args, stdin_path=None, settle_s=5):
    """Runs edfpipe with stdout a one-page pipe nobody reads, sends SIGTERM after settle_s and
    returns (rc, stderr, stats). Fails if edfpipe does not stop within 15 s of the signal."""
    import fcntl
    prefix = edfit.unique_prefix()
    stats = str(tmp_path / "stats.json")
    err_path = tmp_path / "stderr.txt"
    r, w = os.pipe()
    fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ
    try:
        with open(err_path, "wb") as err, open(stdin_path or os.devnull, "rb") as stdin:
            p = subprocess.Popen(_cmd(edfpipe_bin, prefix, args, stats), stdout=w, stderr=err, stdin=stdin,
                                 start_new_session=True)
        os.close(w)
        try:
            time.sleep(settle_s)
            assert p.poll() is None, "edfpipe exited early"
            p.send_signal(signal.SIGTERM)
            rc = p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise AssertionError("edfpipe did not stop within 15 s of SIGTERM with a full stdout pipe")
    finally:
        os.close(r)
        edfit.cleanup_prefix(prefix)
    return rc, err_path.read_text(errors="replace"), _load(stats)


def test_stdout_nobody_reads_holds_nothing(edfpipe_bin, tmp_path):
    # stdout is a pipe (shrunk to one page) that nobody reads: the live tables fill it within
    # seconds. Before, the control loop then blocked in write() for ever and SIGTERM (handled on
    # another thread) could not get it out; the final report would block the exit the same way.
    rc, err, st = _sigterm_with_stdout_unread(edfpipe_bin, tmp_path, ["--stats-period", "1", "--duration", "60"])
    assert rc == 0, err[-2000:]
    assert "stdout is not being read" in err, err[-2000:]
    edfit.check_accounting(st, "stdout not read")


def test_eal_messages_stay_on_stderr(edfpipe_bin, tmp_path):
    ep = edfit.Edfpipe(edfpipe_bin, edfit.NOHUGE, str(tmp_path))
    res = ep.run(["net_null0"], ["--duration", "1"])
    assert res.rc == 0, res.describe()
    assert "EAL:" not in res.stdout and "EAL:" in res.stderr, res.describe()


def test_final_report_lost_to_a_full_device_is_an_error(edfpipe_bin, tmp_path):
    prefix = edfit.unique_prefix()
    stats = str(tmp_path / "stats.json")
    try:
        with open("/dev/full", "wb") as full:
            p = subprocess.run(_cmd(edfpipe_bin, prefix, ["--duration", "1"], stats), stdout=full,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=30)
    finally:
        edfit.cleanup_prefix(prefix)
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 1, err[-2000:]
    assert "cannot write the final report to stdout: No space left on device" in err, err[-2000:]
    edfit.check_accounting(_load(stats), "/dev/full")


@pytest.mark.parametrize("failing_last", [False, True], ids=["failing-first", "failing-last"])
def test_vdev_that_fails_to_probe_is_refused(edfpipe_bin, tmp_path, failing_last):
    # EAL logs the failed probe and starts anyway, with net_null0 renumbered as port 0. Last on
    # the command line it is the argument rte_eal_init overwrites in argv: read before it.
    prefix = edfit.unique_prefix()
    vdevs = ["--vdev", f"net_pcap0,rx_pcap={tmp_path}/no-such.pcap", "--vdev", "net_null0"]
    if failing_last:
        vdevs = vdevs[2:] + vdevs[:2]
    cmd = [edfpipe_bin, "--no-huge", "-m", "512", "--no-pci", "-l", "0-1", "--file-prefix", prefix,
           *vdevs, "--", "--duration", "1"]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    finally:
        edfit.cleanup_prefix(prefix)
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 1, err[-2000:]
    assert "--vdev net_pcap0: the device was not created" in err, err[-2000:]
    assert "accounting:" not in p.stdout.decode(errors="replace")


def test_stats_json_empty_name_is_refused(edfpipe_bin):
    res = edfit.run_cli(edfpipe_bin, ["--duration", "1", "--stats-json", ""])
    assert res.rc == 1, res.describe()
    assert "--stats-json: empty file name" in res.stderr, res.describe()
    assert not res.extra["started_eal"]


def test_save_config_to_stdout_pipe_names_a_fifo(edfpipe_bin, tmp_path):
    prefix = edfit.unique_prefix()
    cmd = [edfpipe_bin, "--no-huge", "-m", "512", "--no-pci", "-l", "0-1", "--file-prefix", prefix,
           "--vdev", "net_null0", "--", "-i"]
    try:
        p = subprocess.run(cmd, input=b"save config /dev/stdout\n", capture_output=True, timeout=30)
    finally:
        edfit.cleanup_prefix(prefix)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, out[-2000:]
    assert "cannot write /dev/stdout: a symbolic link to something that is not a regular file (a FIFO)" in out, out[-3000:]


def test_profile_from_proc_says_why(edfpipe_bin):
    if not os.access("/proc/kallsyms", os.R_OK):
        pytest.fail("/proc/kallsyms is not readable here; the test needs a /proc file over 1 MiB", pytrace=False)
    res = edfit.run_cli(edfpipe_bin, ["-f", "/proc/kallsyms", "--check-profile"])
    assert res.rc == 1, res.describe()
    assert "its size was not known in advance" in res.stderr, res.describe()


def test_shell_replies_nobody_reads_hold_nothing(edfpipe_bin, tmp_path):
    # 2000 `show config` from a script, stdout a one-page pipe nobody reads: the script pauses
    # (its replies wait in memory, bounded), the control loop does not, and SIGTERM stops edfpipe.
    script = tmp_path / "script.txt"
    script.write_text("show config\n" * 2000)
    rc, err, st = _sigterm_with_stdout_unread(edfpipe_bin, tmp_path, ["-i", "--duration", "60"], script, settle_s=4)
    assert rc == 0, err[-2000:]
    edfit.check_accounting(st, "shell stdout not read")
