"""Command line and profile errors: precise messages, exit 1, and no EAL started.

edfpipe parses its own options and the profile before rte_eal_init, so none of these runs needs
hugepages; each is still given EAL arguments with a fresh --file-prefix so that a run that wrongly
starts EAL is caught (run_cli records it in extra['started_eal']).
"""
import os
import re
import time
from pathlib import Path

import pytest

import edfit

SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent
# Every long option documented for users (docs/cli.md and DESIGN.md name these).
KNOWN_LONG_OPTIONS = {
    "profile", "portmask", "burst", "rxd", "txd", "mbufs", "stats-period", "duration", "idle-exit",
    "drain-ms", "processing", "spin-base-ns", "spin-per-byte-ns", "idle", "rx-lcores", "edf-lcores",
    "edf-lcore", "tx-lcores", "tx-lcore", "rate", "set", "stats-json", "check-profile", "dump-profile", "help",
}


def long_options_in_source():
    """Long options in src/args.cc's getopt table, so a new option without help text fails here."""
    args_cc = SOURCE_ROOT / "src" / "args.cc"
    if not args_cc.exists():
        return set()
    return set(re.findall(r'\{"([a-z][a-z0-9-]*)",\s*(?:no|required|optional)_argument', args_cc.read_text()))


def rejects(res, *fragments):
    """Exit 1, `edfpipe: error:` on stderr naming every fragment, no EAL."""
    assert res.rc == 1, f"exit {res.rc}, expected 1\n{res.describe()}"
    assert "edfpipe: error:" in res.stderr, res.describe()
    for frag in fragments:
        assert frag in res.stderr, f"error does not mention {frag!r}:\n{res.stderr}"
    assert not res.extra["started_eal"], f"EAL was started for a command-line error:\n{res.describe()}"
    assert res.stdout == "", f"an error run printed on stdout:\n{res.stdout}"


def test_help_lists_every_long_option(edfpipe_bin):
    res = edfit.run_cli(edfpipe_bin, ["--help"])
    assert res.rc == 0, res.describe()
    assert not res.extra["started_eal"]
    source_opts = long_options_in_source()
    assert len(source_opts) >= len(KNOWN_LONG_OPTIONS) - 2, f"cannot read the option table: {source_opts}"
    for opt in sorted(KNOWN_LONG_OPTIONS | source_opts):
        assert re.search(rf"--{re.escape(opt)}\b", res.stdout), f"--help does not mention --{opt}"
    assert "Usage:" in res.stdout
    short = edfit.run_cli(edfpipe_bin, ["-h"])
    assert short.rc == 0 and short.stdout == res.stdout


def test_unknown_option(edfpipe_bin):
    rejects(edfit.run_cli(edfpipe_bin, ["--no-such-option"]), "--no-such-option")


def test_option_missing_value(edfpipe_bin):
    rejects(edfit.run_cli(edfpipe_bin, ["--burst"]), "--burst")


def test_unexpected_argument(edfpipe_bin):
    rejects(edfit.run_cli(edfpipe_bin, ["stray"]), "stray")


BAD_VALUES = [
    (["--burst", "0"], ["--burst", "burst", "0"]),
    (["--burst", "257"], ["--burst", "257"]),
    (["--burst", "32x"], ["--burst", "32x"]),
    (["--rxd", "10"], ["--rxd", "10"]),
    (["--processing", "warp"], ["processing = warp", "no such stage (fwd, spin, crypto"]),
    (["--processing", "Warp"], ["--processing Warp", "expected a stage name"]),
    (["--stage-lib", "/nonexistent/x.so"], ["--stage-lib /nonexistent/x.so", "cannot load it"]),
    (["--idle", "nap"], ["--idle", "nap"]),
    (["--other-traffic", "nosuch"], ["other_traffic = nosuch", "no such class"]),
    (["--other-traffic", "Drop"], ["--other-traffic Drop", "expected drop or a class name"]),
    (["--other-traffic", ""], ["--other-traffic", "expected drop or a class name"]),
    (["--rate", "0:fast"], ["--rate", "fast"]),
    (["--rate", "20000000"], ["--rate", "PORT"]),
    (["--set", "class high.budget_us=0"], ["class high", "budget_us", "0"]),
    (["--set", "class high.expired=maybe"], ["class high", "expired", "maybe"]),
    (["--set", "class high.quantum_bytes=0"], ["quantum", "zero"]),
    (["--set", "class high.rx_ring=1"], ["rx_ring", "1"]),
    (["--set", "pipeline.no_such_key=1"], ["no_such_key"]),
    (["--set", "nonsense"], ["--set", "nonsense"]),
    (["--rx-lcores", "1,2,3,4,5,6,7,8,9"],
     ["command line: --rx-lcores 1,2,3,4,5,6,7,8,9: [lcores] rx: 9 lcores listed, at most 8 RX lcores"]),
    (["--edf-lcores", "0-3"], ["--edf-lcores 0-3: [lcores] edf: lcore '0-3'"]),
    (["--edf-lcore", "2,3,2"], ["--edf-lcore 2,3,2: [lcores] edf: lcore 2 listed twice"]),
    (["--tx-lcores", "auto,1"], ["--tx-lcores auto,1: [lcores] tx: auto cannot be mixed with lcore ids"]),
    (["--tx-lcore", "0,1,2,3,4,5,6,7,8"], ["--tx-lcore 0,1,2,3,4,5,6,7,8: [lcores] tx: 9 lcores listed, at most 8 TX lcores"]),
]


@pytest.mark.parametrize("args,fragments", BAD_VALUES, ids=[" ".join(a) for a, _ in BAD_VALUES])
def test_bad_option_values(edfpipe_bin, args, fragments):
    rejects(edfit.run_cli(edfpipe_bin, args), *fragments)


def test_overlapping_port_ranges_name_both_classes(edfpipe_bin):
    res = edfit.run_cli(edfpipe_bin, ["--set", "class medium.udp_dst_ports=8081-8082"])
    rejects(res, "high", "medium", "overlaps")
    line = next(ln for ln in res.stderr.splitlines() if "overlaps" in ln)
    assert "[class high]" in line and "[class medium]" in line, line


def write_profile(tmp_path, text, name="bad.ini"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_profile_bad_value_names_file_line_section_key_value(edfpipe_bin, tmp_path):
    path = write_profile(tmp_path, "; a profile with one bad value\n"
                                   "[pipeline]\n"
                                   "burst = 64\n"
                                   "\n"
                                   "[class high]\n"
                                   "budget_us = 1000\n"
                                   "udp_dst_ports = 8080-8081\n"
                                   "quantum_bytes = lots\n"
                                   "default = yes\n")
    res = edfit.run_cli(edfpipe_bin, ["-f", path])
    rejects(res, f"{path}:8:", "[class high]", "quantum_bytes", "lots")
    line = next(ln for ln in res.stderr.splitlines() if "lots" in ln)
    assert re.search(rf"{re.escape(path)}:8: \[class high\] quantum_bytes = lots: \S", line), line


def test_profile_reports_every_bad_value(edfpipe_bin, tmp_path):
    # Validate, then commit: every bad value at once, each with its own line.
    path = write_profile(tmp_path, "[pipeline]\n"
                                   "burst = 0\n"
                                   "idle = nap\n"
                                   "[class high]\n"
                                   "expired = sometimes\n")
    res = edfit.run_cli(edfpipe_bin, ["-f", path])
    rejects(res, f"{path}:2: [pipeline] burst = 0", f"{path}:3: [pipeline] idle = nap",
            f"{path}:5: [class high] expired = sometimes")


def test_profile_overlapping_classes_name_both(edfpipe_bin, tmp_path):
    path = write_profile(tmp_path, "[class a]\n"
                                   "budget_us = 100\n"
                                   "udp_dst_ports = 1000-2000\n"
                                   "[class b]\n"
                                   "budget_us = 200\n"
                                   "udp_dst_ports = 1500\n"
                                   "default = yes\n")
    res = edfit.run_cli(edfpipe_bin, ["-f", path])
    rejects(res, path, "[class a] udp_dst_ports 1000-2000", "[class b] udp_dst_ports 1500", "overlaps")


def test_profile_lines_the_ini_reader_would_skip(edfpipe_bin, tmp_path):
    # rte_cfgfile (the reader before) silently ignored both; a profile must not lose a setting unnoticed.
    path = write_profile(tmp_path, "burst = 8\n"
                                   "[pipeline]\n"
                                   "rxd 512\n")
    res = edfit.run_cli(edfpipe_bin, ["-f", path])
    rejects(res, f"{path}:1:", "burst = 8", f"{path}:3:", "rxd 512")


def test_profile_missing_file(edfpipe_bin, tmp_path):
    rejects(edfit.run_cli(edfpipe_bin, ["-f", str(tmp_path / "absent.ini")]), "absent.ini")


def test_profile_unknown_section_and_key(edfpipe_bin, tmp_path):
    path = write_profile(tmp_path, "[pipeline]\nbrust = 32\n[shaper]\nrate = 1\n")
    res = edfit.run_cli(edfpipe_bin, ["-f", path])
    rejects(res, f"{path}:2:", "brust", "shaper")


def test_command_line_error_names_option(edfpipe_bin, tmp_path):
    res = edfit.run_cli(edfpipe_bin, ["--set", "class high.budget_us=-5"])
    rejects(res, "command line", "--set", "budget_us", "-5")


def test_check_profile_accepts_good_profile(edfpipe_bin, tmp_path):
    dump = edfit.run_cli(edfpipe_bin, ["--dump-profile"])
    assert dump.rc == 0, dump.describe()
    path = write_profile(tmp_path, dump.stdout, "good.ini")
    res = edfit.run_cli(edfpipe_bin, ["-f", path, "--check-profile"])
    assert res.rc == 0 and "profile OK" in res.stdout, res.describe()
    assert not res.extra["started_eal"]


def test_class_order_warning(edfpipe_bin):
    # Valid, so it runs, but class order is priority: a tighter budget listed later is warned about.
    res = edfit.run_cli(edfpipe_bin, ["--set", "class low.budget_us=500", "--check-profile"])
    assert res.rc == 0 and "profile OK" in res.stdout, res.describe()
    assert "warning: [class low] budget_us = 500 is tighter than [class high] budget_us = 1000" in res.stderr, \
        res.describe()
    plain = edfit.run_cli(edfpipe_bin, ["--check-profile"])
    assert plain.rc == 0 and "warning" not in plain.stderr, plain.describe()


def test_dump_profile_round_trips(edfpipe_bin, tmp_path):
    # profile_to_ini's output reads back to the same profile, overrides included.
    args = ["--set", "class high.budget_us=700", "--burst", "64", "--rate", "0:1000000000",
            "--set", "class extra.budget_us=5000", "--set", "class extra.udp_dst_ports=7000-7010"]
    first = edfit.run_cli(edfpipe_bin, [*args, "--dump-profile"])
    assert first.rc == 0, first.describe()
    assert "budget_us = 700" in first.stdout and "burst = 64" in first.stdout and "[class extra]" in first.stdout
    path = write_profile(tmp_path, first.stdout, "dumped.ini")
    second = edfit.run_cli(edfpipe_bin, ["-f", path, "--dump-profile"])
    assert second.rc == 0, second.describe()
    assert second.stdout == first.stdout


def test_shipped_default_profile_equals_builtin(edfpipe_bin):
    # conf/edfpipe.ini is documented as the built-in default: loading it must change nothing.
    conf = SOURCE_ROOT / "conf" / "edfpipe.ini"
    assert conf.exists(), f"{conf} does not exist (the documented default profile)"
    builtin = edfit.run_cli(edfpipe_bin, ["--dump-profile"])
    shipped = edfit.run_cli(edfpipe_bin, ["-f", str(conf), "--dump-profile"])
    assert builtin.rc == 0, builtin.describe()
    assert shipped.rc == 0, shipped.describe()
    assert shipped.stdout == builtin.stdout


# ------------------------------------------------------------------ the profile file: reader limits

def error_lines(res):
    return [ln[len("edfpipe: error: "):] for ln in res.stderr.splitlines() if ln.startswith("edfpipe: error: ")]


def write_bytes(tmp_path, data: bytes, name="p.ini"):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


PORTS_50 = [100] + list(range(10000, 10050))
PROFILE_50_PORTS = ("[class high]\nbudget_us = 1000\nudp_dst_ports = " + ",".join(map(str, PORTS_50)) + "\n"
                    "[class bulk]\nbudget_us = 100000\ndefault = yes\n")


def dumped(text, section, key):
    """The value of `key` in `[section]` of --dump-profile output."""
    cur = None
    for line in text.splitlines():
        if line.startswith("["):
            cur = line[1:-1]
        elif cur == section and line.partition(" = ")[0] == key:
            return line.partition(" = ")[2]
    raise AssertionError(f"[{section}] {key} not in:\n{text}")


def test_profile_long_list_is_read_whole(edfpipe_bin, tmp_path):
    # rte_cfgfile cut values at 255 characters without a word: port 10042 onwards fell to the
    # default class, and "...,1004" became a port that was never written.
    path = write_profile(tmp_path, PROFILE_50_PORTS, "ports50.ini")
    check = edfit.run_cli(edfpipe_bin, ["-f", path, "--check-profile"])
    assert check.rc == 0 and "profile OK (2 classes)" in check.stdout, check.describe()
    dump = edfit.run_cli(edfpipe_bin, ["-f", path, "--dump-profile"])
    assert dump.rc == 0, dump.describe()
    assert dumped(dump.stdout, "class high", "udp_dst_ports") == ",".join(map(str, PORTS_50))
    again = edfit.run_cli(edfpipe_bin, ["-f", write_profile(tmp_path, dump.stdout, "again.ini"), "--dump-profile"])
    assert again.rc == 0 and again.stdout == dump.stdout, again.describe()


def test_dump_profile_round_trips_long_lists(edfpipe_bin, tmp_path):
    # Lists set on the command line, far beyond 255 characters, dump to a file that reads back equal.
    ports = ",".join(str(20000 + 3 * i) for i in range(600))
    dscp = ",".join(str(d) for d in range(64))
    lcores = "8,1,7,2,6,3,5,4"  # a role list is at most 8 lcores long
    port_map = ",".join(f"{1000 + i}:{30000 + i}" for i in range(100))
    args = ["--set", f"class low.udp_dst_ports={ports}", "--set", f"class medium.dscp={dscp}",
            "--set", f"lcores.rx={lcores}", "--set", f"fwd.udp_port_map={port_map}"]
    first = edfit.run_cli(edfpipe_bin, [*args, "--dump-profile"])
    assert first.rc == 0, first.describe()
    assert dumped(first.stdout, "class low", "udp_dst_ports") == ports
    assert dumped(first.stdout, "lcores", "rx") == lcores
    second = edfit.run_cli(edfpipe_bin, ["-f", write_profile(tmp_path, first.stdout, "d.ini"), "--dump-profile"])
    assert second.rc == 0, second.describe()
    assert second.stdout == first.stdout


def test_lcore_lists_and_their_singular_aliases(edfpipe_bin, tmp_path):
    # --edf-lcores/--tx-lcores take lists; --edf-lcore/--tx-lcore are the same options under their
    # old names. Roles may share lcores; the lists dump and read back in the order given.
    lists = edfit.run_cli(edfpipe_bin, ["--rx-lcores", "1,2", "--edf-lcores", "3, 1,2", "--tx-lcores", "2,1",
                                        "--dump-profile"])
    assert lists.rc == 0, lists.describe()
    assert [dumped(lists.stdout, "lcores", k) for k in ("rx", "edf", "tx")] == ["1,2", "3,1,2", "2,1"]
    again = edfit.run_cli(edfpipe_bin, ["-f", write_profile(tmp_path, lists.stdout, "l.ini"), "--dump-profile"])
    assert again.rc == 0 and again.stdout == lists.stdout, again.describe()
    alias = edfit.run_cli(edfpipe_bin, ["--rx-lcores", "1,2", "--edf-lcore", "3,1,2", "--tx-lcore", "2,1",
                                        "--dump-profile"])
    assert alias.rc == 0 and alias.stdout == lists.stdout, alias.describe()
    default = edfit.run_cli(edfpipe_bin, ["--dump-profile"])
    assert [dumped(default.stdout, "lcores", k) for k in ("rx", "edf", "tx")] == ["auto"] * 3


def test_list_beyond_the_line_limit_is_refused(edfpipe_bin):
    # A list that would not fit a line of the file when dumped is refused, so every profile that
    # edfpipe accepts can be dumped and read back.
    ports = ",".join(str(10000 + i) for i in range(700))  # 4199 characters
    res = edfit.run_cli(edfpipe_bin, ["--set", f"class low.udp_dst_ports={ports}", "--check-profile"])
    rejects(res, "[class low] udp_dst_ports: list too long: 4199 characters as --dump-profile writes it, at most 4000")


def config_value(v):
    """A /edfpipe/config value: a string, or (a long list) an array of runs of items."""
    return ",".join(v) if isinstance(v, list) else v


def test_telemetry_config_is_never_cut(edfpipe_bin, tmp_path):
    # DPDK telemetry cuts strings at 127 characters and drops what does not fit a 16 KiB reply,
    # without a word: /edfpipe/config must give the whole value or say that it cannot.
    import teltools

    path = write_profile(tmp_path, PROFILE_50_PORTS, "ports50.ini")
    big = ["--set", "class bulk.udp_dst_ports=" + ",".join(str(30000 + 2 * i) for i in range(650))] + [
        arg for c in range(5) for arg in ("--set", f"class c{c}.budget_us={200000 + c}", "--set",
                                          f"class c{c}.udp_dst_ports=" + ",".join(str(40000 + 3000 * c + i) for i in range(650)))]
    for name, args in (("fits", ["-f", path]), ("too_big", ["-f", path, *big])):
        args += ["-p", "0x1", "--duration", "60"]
        dump = edfit.run_cli(edfpipe_bin, [*args, "--dump-profile"])
        assert dump.rc == 0, dump.describe()
        run = teltools.LiveEdfpipe(edfpipe_bin, edfit.NOHUGE, tmp_path, ["net_null0"], args, name=name)
        try:
            run.start()
            with run.client() as c:
                got = c.query("/edfpipe/config")
            assert run.stop() == 0, run.describe()
        finally:
            run.cleanup()
        if name == "fits":
            assert isinstance(got["class_high"]["udp_dst_ports"], list), got["class_high"]
            assert all(len(part) <= 127 for part in got["class_high"]["udp_dst_ports"])
            assert config_value(got["class_high"]["udp_dst_ports"]) == ",".join(map(str, PORTS_50))
            want = {}
            for line in dump.stdout.splitlines():
                if line.startswith("["):
                    section = want.setdefault(line[1:-1].replace(" ", "_"), {})
                elif line:
                    k, _, v = line.partition(" = ")
                    section[k] = v
            assert {s: {k: config_value(v) for k, v in kv.items()} for s, kv in got.items()} == want
        else:
            assert set(got) == {"error"}, f"a reply too large for DPDK telemetry was sent cut: {str(got)[:300]}"
            assert got["error"].startswith("profile too large for a telemetry reply ("), got


NOT_REGULAR = [
    ("directory", lambda tmp: str(tmp), "a directory"),
    ("symlink to a directory", lambda tmp: (os.symlink(str(tmp), str(tmp / "link")), str(tmp / "link"))[1],
     "a directory"),
    ("fifo", lambda tmp: (os.mkfifo(str(tmp / "fifo.ini")), str(tmp / "fifo.ini"))[1], "a FIFO"),
    ("dev_zero", lambda tmp: "/dev/zero", "a character device"),
    ("dev_urandom", lambda tmp: "/dev/urandom", "a character device"),
    ("dev_null", lambda tmp: "/dev/null", "a character device"),
]


def refused_at_once(edfpipe_bin, args, error):
    """edfpipe with `args` exits 1 within 5 s, before EAL, with exactly the one error line `error`."""
    start = time.monotonic()
    res = edfit.run_cli(edfpipe_bin, args, timeout=10)
    assert time.monotonic() - start < 5, f"took {time.monotonic() - start:.1f} s"
    rejects(res)
    assert error_lines(res) == [error], res.describe()


@pytest.mark.parametrize("what,make,kind", NOT_REGULAR, ids=[n for n, _, _ in NOT_REGULAR])
def test_profile_must_be_a_regular_file(edfpipe_bin, tmp_path, what, make, kind):
    # Before: a directory or /dev/null gave "profile OK" and a run on defaults; a FIFO blocked
    # forever; /dev/zero grew to 2 GB and looped; /dev/urandom ended in std::bad_alloc.
    path = make(tmp_path)
    refused_at_once(edfpipe_bin, ["-f", path, "--check-profile"],
                    f"{path}: {kind}, not a profile: -f takes a regular file")


NOT_REGULAR_LIB = [n for n in NOT_REGULAR if n[0] in ("fifo", "directory")]


@pytest.mark.parametrize("what,make,kind", NOT_REGULAR_LIB, ids=[n for n, _, _ in NOT_REGULAR_LIB])
def test_stage_lib_must_be_a_regular_file(edfpipe_bin, tmp_path, what, make, kind):
    # Before: dlopen() on a FIFO waited for a writer forever.
    path = make(tmp_path)
    refused_at_once(edfpipe_bin, ["--stage-lib", path, "--check-profile"],
                    f"--stage-lib {path}: {kind}, not a shared library: --stage-lib takes a regular file")


def test_profile_symlink_to_a_regular_file_is_followed(edfpipe_bin, tmp_path):
    target = write_profile(tmp_path, "[pipeline]\nburst = 64\n", "real.ini")
    os.symlink(target, str(tmp_path / "link.ini"))
    res = edfit.run_cli(edfpipe_bin, ["-f", str(tmp_path / "link.ini"), "--dump-profile"])
    assert res.rc == 0 and "burst = 64" in res.stdout, res.describe()


def test_profile_empty_file_name(edfpipe_bin):
    # Before: -f '' was "no file", the built-in profile without a word.
    rejects(edfit.run_cli(edfpipe_bin, ["-f", "", "--check-profile"]), "-f: empty file name")


def test_profile_size_limit(edfpipe_bin, tmp_path):
    line = b"; a comment line of a profile padded to be long enough, sixty-four\n"
    at_limit = b"[pipeline]\nburst = 64\n" + line * ((1 << 20) // len(line))
    at_limit += b";" * ((1 << 20) - len(at_limit) - 1) + b"\n"
    assert len(at_limit) == 1 << 20
    ok = edfit.run_cli(edfpipe_bin, ["-f", write_bytes(tmp_path, at_limit, "1mib.ini"), "--check-profile"])
    assert ok.rc == 0, ok.describe()
    path = write_bytes(tmp_path, at_limit + b"\n", "big.ini")
    res = edfit.run_cli(edfpipe_bin, ["-f", path, "--check-profile"])
    rejects(res)
    assert error_lines(res) == [f"{path}: 1048577 bytes, larger than the limit of 1 MiB (1048576 bytes) for a profile"]


def test_profile_line_limit(edfpipe_bin, tmp_path):
    path = write_profile(tmp_path, "[class a]\nbudget_us = 1\nudp_dst_ports = " + "1" * 4100 + "\n")
    res = edfit.run_cli(edfpipe_bin, ["-f", path, "--check-profile"])
    rejects(res)
    assert error_lines(res) == [f"{path}:3: [class a] udp_dst_ports: line of 4116 bytes, longer than the limit of 4096"]


def test_profile_errors_are_capped_and_loading_is_fast(edfpipe_bin, tmp_path):
    # Just under 1 MiB of keys, every one an error after the first: 20 messages and a count, in
    # well under the time a quadratic reader took.
    body = "".join(f"k{i} = 1\n" for i in range(90000))
    path = write_profile(tmp_path, "[pipeline]\n" + body, "many.ini")
    start = time.monotonic()
    res = edfit.run_cli(edfpipe_bin, ["-f", path, "--check-profile"], timeout=60)
    elapsed = time.monotonic() - start
    rejects(res)
    lines = error_lines(res)
    assert len(lines) == 21, res.describe()
    assert lines[0] == f"{path}:2: [pipeline] k0 = 1: unknown key in [pipeline]"
    assert lines[20] == "... and 89980 more errors"
    assert elapsed < 10, f"{elapsed:.1f} s"


LOOK_ALIKES = [
    ("two spaces in a class header", b"[class high]\nbudget_us = 1000\nudp_dst_ports = 80\n[class  high]\nbudget_us = 500\n",
     ["{p}:5: [class  high] budget_us = 500: class name ' high' must be 1-16 characters of a-z, 0-9 or _"]),
    ("spaces inside the brackets", b"[ class high ]\nbudget_us = 500\n",
     ["{p}:1: '[ class high ]': space or tab inside the brackets, around the name"]),
    ("junk after the header", b"[class high]junk\nbudget_us = 500\n", ["{p}:1: '[class high]junk': text after ']'"]),
    ("empty header", b"[]\nburst = 1\n", ["{p}:1: '[]': empty section name"]),
    ("tab in a header", b"[class\thigh]\nbudget_us = 500\n", ["{p}:1: '[class\\x09high]': tab in the section name"]),
    ("key with an inner space", b"[pipeline]\nbur st = 64\n",
     ["{p}:2: [pipeline] 'bur st': a key name is lower-case a-z, 0-9 and _ only"]),
    ("key == value", b"[pipeline]\nburst == 64\n", ["{p}:2: [pipeline] burst = = 64: a second '=' (write key = value)"]),
    ("=value", b"[pipeline]\n=64\n", ["{p}:2: '=64': no key before '='"]),
    ("NUL byte", b"[pipeline]\nburst = 6\x004\n",
     ["{p}:2: [pipeline] burst: control character 0x00 at column 10 (only tab is allowed; lines end in LF or CRLF)"]),
    ("control character in a key", b"[pipeline]\nbur\x01st = 64\n",
     ["{p}:2: 'bur\\x01st = 64': control character 0x01 at column 4 (only tab is allowed; lines end in LF or CRLF)"]),
    ("UTF-8 look-alike in a header", "[class hіgh]\nbudget_us = 500\n".encode(),
     ["{p}:1: '[class h\\xd1\\x96gh]': byte 0xd1 at column 9 is not ASCII (names and values are ASCII; other text "
      "only in comments)"]),
    ("non-ASCII byte in a value", b"[pipeline]\nburst = 64\xa0\n",
     ["{p}:2: [pipeline] burst: byte 0xa0 at column 11 is not ASCII (names and values are ASCII; other text only in "
      "comments)"]),
    ("port 00 beside port 0", b"[port 0]\nrx_queues = 2\n[port 00]\nrate_bps = 1000\n",
     ["{p}:4: [port 00] rate_bps = 1000: section [port 00]: port id '00': write it without leading zeros"]),
    ("a key repeated", b"[pipeline]\nburst = 32\nburst = 64\n",
     ["{p}:3: [pipeline] burst = 64: key given twice in this section (first at line 2)"]),
    ("a section repeated", b"[pipeline]\nburst = 32\n[pipeline]\nrxd = 512\n",
     ["{p}:3: [pipeline] appears twice (first at line 1)"]),
]


@pytest.mark.parametrize("what,data,want", LOOK_ALIKES, ids=[w for w, _, _ in LOOK_ALIKES])
def test_profile_malformed_or_look_alike_names_are_refused(edfpipe_bin, tmp_path, what, data, want):
    path = write_bytes(tmp_path, data)
    res = edfit.run_cli(edfpipe_bin, ["-f", path, "--check-profile"])
    rejects(res)
    assert error_lines(res) == [w.format(p=path) for w in want], res.describe()


def test_profile_crlf_line_ends_are_accepted(edfpipe_bin, tmp_path):
    path = write_bytes(tmp_path, b"; written on Windows\r\n[pipeline]\r\nburst = 64\r\n\r\n[port 1]\r\nrate_bps = 1000\r\n")
    res = edfit.run_cli(edfpipe_bin, ["-f", path, "--dump-profile"])
    assert res.rc == 0, res.describe()
    assert dumped(res.stdout, "pipeline", "burst") == "64" and dumped(res.stdout, "port 1", "rate_bps") == "1000"
