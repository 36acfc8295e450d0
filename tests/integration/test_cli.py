"""Command line and profile errors: precise messages, exit 1, and no EAL started.

edfpipe parses its own options and the profile before rte_eal_init, so none of these runs needs
hugepages; each is still given EAL arguments with a fresh --file-prefix so that a run that wrongly
starts EAL is caught (run_cli records it in extra['started_eal']).
"""
import re
from pathlib import Path

import pytest

import edfit

SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent
# Every long option documented for users (docs/cli.md and DESIGN.md name these).
KNOWN_LONG_OPTIONS = {
    "profile", "portmask", "burst", "rxd", "txd", "mbufs", "stats-period", "duration", "idle-exit",
    "drain-ms", "processing", "spin-base-ns", "spin-per-byte-ns", "idle", "rx-lcores", "edf-lcore",
    "tx-lcore", "rate", "set", "stats-json", "check-profile", "dump-profile", "help",
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
    (["--processing", "warp"], ["--processing", "warp"]),
    (["--idle", "nap"], ["--idle", "nap"]),
    (["--rate", "0:fast"], ["--rate", "fast"]),
    (["--rate", "20000000"], ["--rate", "PORT"]),
    (["--set", "class high.budget_us=0"], ["class high", "budget_us", "0"]),
    (["--set", "class high.expired=maybe"], ["class high", "expired", "maybe"]),
    (["--set", "class high.quantum_bytes=0"], ["quantum", "zero"]),
    (["--set", "class high.rx_ring=1"], ["rx_ring", "1"]),
    (["--set", "pipeline.no_such_key=1"], ["no_such_key"]),
    (["--set", "nonsense"], ["--set", "nonsense"]),
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
    # rte_cfgfile silently ignores both of these; a profile must not lose a setting unnoticed.
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
