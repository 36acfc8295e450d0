"""The deployment pieces in deploy/, as `meson install` installs them (docs/deployment.md):
  - edfpipe@.service and edfpipe-exporter@.service pass `systemd-analyze verify` (with their
    Exec paths pointed into the temporary DESTDIR, where the installed binaries are) and have
    the settings the deployment relies on;
  - the units' ExecStartPre profile check and ExecStart, expanded as systemd would with the installed
    edfpipe.env (plus --no-huge and a net_pcap vdev, no NIC here), run the installed edfpipe on an
    instance profile in the DESTDIR, which forwards every valid frame of a pcap;
  - edfpipe-hugepages rejects a bad page count (and, as root, mounts hugetlbfs with 0 pages);
  - the installed Prometheus alert rules pass `promtool check rules`, and the unit tests in
    deploy/edfpipe-alerts.test.yml (series that fire and do not fire each alert) pass
    `promtool test rules`.
systemd-analyze (package systemd) and promtool (package prometheus) are required: a missing one
fails the test, as tools/install-deps.sh installs both.
"""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import edfit
import teltools
from test_install import installed  # noqa: F401  (the module fixture: a meson install into a DESTDIR)

INSTANCE = "edfit"
DEPLOY = Path(__file__).resolve().parent.parent.parent / "deploy"


def unit_for_verify(tree, name, outdir):
    """A copy of the installed template `name` as instance INSTANCE, its paths moved into the DESTDIR."""
    text = tree.find(name).read_text()
    # The prefix and the sysconfdir (/etc is outside the prefix /usr), as the start of a value.
    roots = {tree.prefix.rstrip("/") + "/", "/" + str(tree.sysconfdir.relative_to(tree.root)) + "/"}
    pattern = "(?<=[\\s=-])(" + "|".join(re.escape(r) for r in sorted(roots, key=len, reverse=True)) + ")"
    text = re.sub(pattern, lambda m: str(tree.root) + m.group(1), text)
    out = outdir / name.replace("@.", f"@{INSTANCE}.")
    out.write_text(text)
    return out


def parse_unit(path):
    """{section: {key: [values, in order]}} of a unit file (keys may repeat, e.g. ExecStartPre)."""
    sections, cur = {}, None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            cur = sections.setdefault(line.strip("[]"), {})
        else:
            k, v = line.split("=", 1)
            cur.setdefault(k.strip(), []).append(v.strip())
    return {sec: {k: v if len(v) > 1 else v[0] for k, v in keys.items()} for sec, keys in sections.items()}


def test_units_verify(installed, tmp_path):  # noqa: F811
    sa = teltools.require_program("systemd-analyze", "systemd")
    units = [unit_for_verify(installed, n, tmp_path) for n in ("edfpipe@.service", "edfpipe-exporter@.service")]
    # Every Exec path must exist for verify; they do in the DESTDIR.
    r = subprocess.run([sa, "verify", "--man=no"] + [str(u) for u in units],
                       capture_output=True, text=True, timeout=60)
    out = (r.stdout + r.stderr).strip()
    assert r.returncode == 0 and not out, f"systemd-analyze verify: rc {r.returncode}\n{out}"


def test_unit_settings(installed):  # noqa: F811
    etc = "/" + str(installed.sysconfdir.relative_to(installed.root))
    u = parse_unit(installed.find("edfpipe@.service"))
    s = u["Service"]
    assert s["ExecStart"].split()[0].endswith("/bin/edfpipe")
    assert "--file-prefix %i" in s["ExecStart"]
    assert f"-f {etc}/edfpipe/%i.ini" in s["ExecStart"]
    assert s["EnvironmentFile"].endswith("/edfpipe/%i.env")
    assert any("/edfpipe-hugepages" in c for c in s["ExecStartPre"])
    assert s["Restart"] == "on-failure"
    assert s["LimitMEMLOCK"] == "infinity"
    assert s["RuntimeDirectory"] == "dpdk/%i"
    assert s["KillSignal"] == "SIGTERM"
    drain_ms = int(re.search(r"^drain_ms\s*=\s*(\d+)", (installed.sysconfdir / "edfpipe" / "edfpipe.ini").read_text(),
                             re.M).group(1))
    assert int(s["TimeoutStopSec"]) * 1000 > drain_ms * 10
    e = parse_unit(installed.find("edfpipe-exporter@.service"))
    assert e["Unit"]["BindsTo"] == "edfpipe@%i.service" and e["Unit"]["After"] == "edfpipe@%i.service"
    assert "--file-prefix %i" in e["Service"]["ExecStart"]
    assert e["Service"]["ExecStart"].split()[0].endswith("/bin/edfpipe-exporter")


def test_default_env_file_names_what_the_unit_uses(installed):  # noqa: F811
    env = (installed.sysconfdir / "edfpipe" / "edfpipe.env").read_text()
    assigned = dict(line.split("=", 1) for line in env.splitlines() if line and not line.startswith("#"))
    unit = installed.find("edfpipe@.service").read_text() + installed.find("edfpipe-exporter@.service").read_text()
    used = set(re.findall(r"\$\{?([A-Z_]+)\}?", unit))
    assert used == set(assigned), f"the units use {sorted(used)}, edfpipe.env sets {sorted(assigned)}"


def systemd_expand(line, instance, env):
    """An Exec line's argv as systemd builds it: %i, ${VAR} as one word, $VAR split on whitespace."""
    argv = []
    for word in line.split():
        word = word.replace("%i", instance)
        m = re.fullmatch(r"\$([A-Z_]+)", word)
        if m:
            argv += env.get(m.group(1), "").split()
        else:
            argv.append(re.sub(r"\$\{([A-Z_]+)\}", lambda v: env.get(v.group(1), ""), word))
    return argv


def read_env_file(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_unit_commands_run_installed_edfpipe(installed, make_pcap, tmp_path):  # noqa: F811
    t = installed
    instance = edfit.unique_prefix()
    unit = parse_unit(unit_for_verify(t, "edfpipe@.service", tmp_path))  # Exec paths inside the DESTDIR
    etc = t.sysconfdir / "edfpipe"
    shutil.copy(etc / "edfpipe.ini", etc / f"{instance}.ini")
    pcap, manifest = make_pcap("--count", 200, "--seed", 21)
    out, stats_json = tmp_path / "out.pcap", tmp_path / "stats.json"
    env = read_env_file(etc / "edfpipe.env")
    assert env["EDFPIPE_EAL"].split()[0] == "-l"
    env["EDFPIPE_EAL"] += f" --no-huge -m 512 --no-pci --vdev net_pcap0,rx_pcap={pcap},tx_pcap={out}"
    env["EDFPIPE_ARGS"] = f"--idle-exit {edfit.IDLE_EXIT_MS} --stats-json {stats_json}"
    check = [c for c in unit["Service"]["ExecStartPre"] if "--check-profile" in c]
    assert len(check) == 1
    try:
        r = subprocess.run(systemd_expand(check[0], instance, env), cwd=tmp_path, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        cmd = systemd_expand(unit["Service"]["ExecStart"], instance, env)
        assert cmd[0] == str(t.bindir / "edfpipe") and ["--file-prefix", instance] == cmd[cmd.index("--file-prefix"):][:2]
        r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    finally:
        edfit.cleanup_prefix(instance)
    with open(stats_json) as f:
        st = json.load(f)
    edfit.check_accounting(st, "installed edfpipe")
    assert st["rx"] == manifest["valid"] + sum(manifest["malformed"].values())
    assert st["tx"] == manifest["valid"] == len(edfit.read_pcap(str(out)))


def test_hugepages_helper(installed):  # noqa: F811
    helper = str(installed.sbindir / "edfpipe-hugepages")
    r = subprocess.run([helper, "lots"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "must be a number" in r.stderr
    if os.geteuid() == 0:
        # 0 pages: never lowers a reservation, only makes sure hugetlbfs is mounted.
        r = subprocess.run([helper, "0"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert subprocess.run(["mountpoint", "-q", "/dev/hugepages"]).returncode == 0


def test_alert_rules(installed, tmp_path):  # noqa: F811
    promtool = teltools.require_program("promtool", "prometheus")
    rules = installed.find("edfpipe-alerts.yml")
    r = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    # The unit tests name their rule file relative to themselves: run them on the installed one.
    shutil.copy(DEPLOY / "edfpipe-alerts.test.yml", tmp_path)
    shutil.copy(rules, tmp_path)
    r = subprocess.run([promtool, "test", "rules", "edfpipe-alerts.test.yml"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "SUCCESS" in r.stdout, r.stdout + r.stderr
    # Every alert in the rules has a test that expects it to fire.
    alerts = set(re.findall(r"^\s*- alert: (\w+)", rules.read_text(), re.M))
    tested = set(re.findall(r"^\s*alertname: (\w+)\n\s*exp_alerts:\n\s*- exp_labels",
                            (DEPLOY / "edfpipe-alerts.test.yml").read_text(), re.M))
    assert alerts and alerts == tested, f"alerts without a firing test: {sorted(alerts - tested)}"
