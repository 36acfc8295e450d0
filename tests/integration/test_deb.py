"""The Debian package (debian/, docs/deployment.md "The Debian package"), built, linted, installed
and run the way a user of Debian 12 does:
  - copies the source tree (the files git knows: tracked, and new ones not ignored) to a temporary
    directory and runs `dpkg-buildpackage -us -uc -b` there, with Debian's DPDK (libdpdk-dev);
  - lintian on the .deb: no error, no warning that debian/edfpipe.lintian-overrides does not
    explain;
  - `dpkg -i` on this machine, then runs what it installed: `/usr/bin/edfpipe -- --check-profile -f
    /etc/edfpipe/edfpipe.ini`; the installed edfpipe on the installed profile forwarding a pcap on a
    net_pcap vdev (--no-huge), stopped by SIGTERM as systemd stops it, while the installed edftop
    and edfpipe-exporter read its telemetry; `systemd-analyze verify` on the installed units; the
    installed edftop/edfpipe-exporter `--help` with their module from /usr/lib/python3/dist-packages;
  - `dpkg -P edfpipe` (always, in a finally), which must leave none of the package's files behind.
The test refuses (fails, does not touch anything) if edfpipe is already installed as a package, or
if files the package would install are already there (e.g. a `meson install --prefix=/usr`): it
must never overwrite or purge what someone installed. Needs root (dpkg -i) and the build
dependencies in debian/control (tools/install-deps.sh installs them); the package build compiles
edfpipe once, about 1-3 minutes on 2 CPUs.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

import edfit
import teltools
from edfpipe import profile as edf_profile

SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = "edfpipe"
PREFIX_BIN = Path("/usr/bin")
ETC = Path("/etc/edfpipe")
PYTHON_DIR = Path("/usr/lib/python3/dist-packages/edfpipe")
UNIT_DIR = Path("/lib/systemd/system")
# A clean build environment, as a Debian build chroot has: no pyenv/venv python, no compiler wrapper.
BUILD_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


def run(cmd, timeout, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kw)


def clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def dpkg_status(pkg):
    """dpkg's status of `pkg` ("install ok installed", "deinstall ok config-files" ...), or "" if it
    is not on the system (never installed, or purged)."""
    r = run(["dpkg-query", "-W", "-f=${Status}", pkg], timeout=30)
    status = r.stdout.strip() if r.returncode == 0 else ""
    return "" if status.endswith(" not-installed") else status


def source_files(root):
    """The files of the source tree: what git tracks, and new files it does not ignore (debian/ and
    tests not committed yet); never build directories or other ignored files."""
    git = teltools.require_program("git", "git")
    r = run([git, "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"], timeout=60)
    assert r.returncode == 0, f"git ls-files in {root}: {r.stderr} (the test copies a git checkout)"
    files = [f for f in r.stdout.split("\0") if f and os.path.lexists(root / f)]  # not deleted ones
    assert "debian/control" in files and "meson.build" in files, f"{root}: no debian/control or meson.build"
    return files


class Package:
    def __init__(self, deb, log):
        self.deb = deb
        self.log = log
        listing = run(["dpkg-deb", "--contents", str(deb)], timeout=60)
        assert listing.returncode == 0, listing.stderr
        # "-rw-r--r-- root/root 1234 2026-11-30 08:40 ./usr/bin/edfpipe" (symlinks: "... -> target")
        self.paths = []
        for line in listing.stdout.splitlines():
            name = line.split(None, 5)[5].split(" -> ")[0]
            assert name.startswith("./"), line
            if name != "./":
                self.paths.append((line[0], "/" + name[2:].rstrip("/")))
        self.files = [p for kind, p in self.paths if kind != "d"]

    def field(self, name):
        r = run(["dpkg-deb", "--field", str(self.deb), name], timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """Builds the package from a copy of the source tree; returns the Package of edfpipe_*.deb."""
    for prog, pkg in (("dpkg-buildpackage", "dpkg-dev"), ("dh", "debhelper"), ("fakeroot", "fakeroot")):
        teltools.require_program(prog, pkg)
    work = tmp_path_factory.mktemp("deb")
    src = work / "edfpipe"
    for f in source_files(SOURCE_ROOT):
        dst = src / f
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SOURCE_ROOT / f, dst, follow_symlinks=False)
    env = dict(os.environ, PATH=BUILD_PATH, LC_ALL="C.UTF-8")
    for var in ("PYTHONPATH", "PYTHONHOME", "MAKEFLAGS", "MFLAGS", "DEB_BUILD_OPTIONS"):
        env.pop(var, None)
    jobs = min(2, os.cpu_count() or 1)  # the suite runs on shared 2-CPU machines
    log = work / "dpkg-buildpackage.log"
    with open(log, "wb") as out:
        p = subprocess.run(["nice", "dpkg-buildpackage", "-us", "-uc", "-b", f"-j{jobs}"], cwd=src, env=env,
                           stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=1800)
    text = log.read_text(errors="replace")
    assert p.returncode == 0, f"dpkg-buildpackage failed ({p.returncode}); log {log}:\n{text[-6000:]}"
    debs = sorted(work.glob(f"{PACKAGE}_*.deb"))
    assert len(debs) == 1, f"expected one {PACKAGE}_*.deb in {work}, got {[d.name for d in debs]}"
    shutil.rmtree(src)  # the copy and its build tree (tens of MB); the .deb and the log stay
    return Package(debs[0], text)


def test_package_version_and_fields(package):
    # The package version is the project's (meson.build) version: a release bumps both.
    meson_version = re.search(r"^\s*version:\s*'([^']+)'", (SOURCE_ROOT / "meson.build").read_text(), re.M).group(1)
    version = package.field("Version")
    assert re.sub(r"-[^-]*$", "", version) == meson_version, \
        f"debian/changelog has {version}, meson.build {meson_version}: add a debian/changelog entry"
    depends = package.field("Depends")
    # DPDK's libraries from ${shlibs:Depends}, and its drivers EAL loads as plugins (debian/rules).
    for dep in ("librte-eal", "librte-ethdev", "librte-mempool-ring", "librte-bus-pci", "librte-bus-vdev",
                "python3"):
        assert re.search(rf"(^|, ){re.escape(dep)}", depends), f"Depends lacks {dep}: {depends}"
    # The package build leaves out the tests, benchmarks and fuzzers (debian/rules).
    setup = re.search(r"meson setup .*", package.log)
    assert setup and all(f"-D{o}=false" in setup.group(0) for o in ("tests", "benchmarks", "fuzzers")), \
        setup.group(0) if setup else "no meson setup in the build log"


def test_package_contents(package):
    expect = [PREFIX_BIN / n for n in ("edfpipe", "edfgen", "edftop", "edfpipe-exporter")] + [
        Path("/usr/sbin/edfpipe-hugepages"), ETC / "edfpipe.ini", ETC / "edfpipe.env",
        UNIT_DIR / "edfpipe@.service", UNIT_DIR / "edfpipe-exporter@.service",
        PYTHON_DIR / "__init__.py", PYTHON_DIR / "telemetry.py",
        Path("/usr/share/edfpipe/prometheus/edfpipe-alerts.yml"),
        Path("/usr/share/doc/edfpipe/copyright"), Path("/usr/share/doc/edfpipe/deployment.md.gz"),
        Path("/usr/share/man/man8/edfpipe-hugepages.8.gz")] + [
        Path(f"/usr/share/man/man1/{n}.1.gz") for n in ("edfpipe", "edfgen", "edftop", "edfpipe-exporter")]
    missing = [str(p) for p in expect if str(p) not in package.files]
    assert not missing, f"not in {package.deb.name}: {missing}"
    # The profile and the EnvironmentFile are conffiles: an upgrade keeps an operator's edits.
    r = run(["dpkg-deb", "--info", str(package.deb), "conffiles"], timeout=60)
    assert r.returncode == 0 and set(r.stdout.split()) == {str(ETC / "edfpipe.ini"), str(ETC / "edfpipe.env")}, \
        r.stdout + r.stderr
    # Nothing from the tests or the build tree.
    stray = [p for p in package.files if re.search(r"/(tests?|obj-[^/]+|__pycache__)/|\.pyc$", p)]
    assert not stray, f"stray files in the package: {stray}"


def test_lintian(package):
    lintian = teltools.require_program("lintian", "lintian")
    r = run([lintian, "--fail-on", "error,warning", "--info", "--display-info", "--no-tag-display-limit",
             str(package.deb)], timeout=600)
    tags = [ln for ln in r.stdout.splitlines() if re.match(r"^[EWIPX]: ", ln)]
    bad = [t for t in tags if t[0] in "EW"]
    assert r.returncode == 0 and not bad, \
        f"lintian rc {r.returncode}; errors and warnings must be fixed or overridden with a reason in " \
        f"debian/edfpipe.lintian-overrides:\n{r.stdout}\n{r.stderr}"


@pytest.fixture(scope="module")
def installed(package):
    """`dpkg -i` of the package on this machine; `dpkg -P` after the module, whatever happens."""
    assert os.geteuid() == 0, "dpkg -i needs root: run the suite as root (tools/test.sh does)"
    status = dpkg_status(PACKAGE)
    assert not status, \
        f"{PACKAGE} is already known to dpkg ({status!r}): this test installs its own build and purges " \
        f"it afterwards, so it does not run over an installed one. Remove it first: dpkg -P {PACKAGE}"
    # Files the package would install but that are already there belong to someone else (a
    # `meson install` to /usr, say): dpkg would overwrite them and the purge would delete them.
    present = [p for p in package.files if os.path.lexists(p)]
    assert not present, \
        f"files of the package are already installed outside dpkg (a `meson install --prefix=/usr`?): " \
        f"{present[:10]}; remove them, or run this test on another machine"
    package.enabled_before = enabled_units()
    try:
        r = run(["dpkg", "-i", str(package.deb)], timeout=300)
        assert r.returncode == 0, f"dpkg -i failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
        assert dpkg_status(PACKAGE) == "install ok installed"
        yield package
    finally:
        purge(package)


def enabled_units():
    """The edfpipe units enabled in /etc/systemd/system (links in *.wants/)."""
    return sorted(str(p) for p in Path("/etc/systemd/system").glob("*/edfpipe*"))


def purge(package):
    """dpkg -P the package if installed; returns what dpkg said."""
    if not dpkg_status(PACKAGE):
        return None
    r = run(["dpkg", "-P", PACKAGE], timeout=300)
    assert r.returncode == 0, f"dpkg -P {PACKAGE} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


def test_installed_edfpipe_checks_installed_profile(installed, tmp_path):
    r = run([str(PREFIX_BIN / "edfpipe"), "--", "--check-profile", "-f", str(ETC / "edfpipe.ini")],
            timeout=60, cwd=tmp_path, env=clean_env())
    assert r.returncode == 0 and "profile OK" in r.stdout + r.stderr, r.stdout + r.stderr


@pytest.mark.parametrize("tool", ["edftop", "edfpipe-exporter"])
def test_installed_python_tools(installed, tool, tmp_path):
    script = PREFIX_BIN / tool
    assert script.read_text().splitlines()[0] == "#!/usr/bin/python3", f"{script}: shebang"
    r = run([str(script), "--help"], timeout=30, cwd=tmp_path, env=clean_env())
    assert r.returncode == 0 and f"usage: {tool}" in r.stdout, r.stdout + r.stderr
    # The module it imports is the package's, in Debian's Python directory.
    probe = ("import runpy, sys; runpy.run_path(sys.argv[1], run_name='probe'); "
             "print(sys.modules['edfpipe'].__file__)")
    r = run(["/usr/bin/python3", "-I", "-c", probe, str(script)], timeout=30, cwd=tmp_path, env=clean_env())
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).resolve() == PYTHON_DIR / "__init__.py", f"{tool} imported {r.stdout.strip()}"


def test_installed_units_verify(installed):
    sa = teltools.require_program("systemd-analyze", "systemd")
    # The installed templates, by unit name (systemd finds them in its unit path), as the default
    # instance: `systemctl enable --now edfpipe@edfpipe edfpipe-exporter@edfpipe`.
    r = run([sa, "verify", "--man=no", "edfpipe@edfpipe.service", "edfpipe-exporter@edfpipe.service"], timeout=60)
    out = (r.stdout + r.stderr).strip()
    assert r.returncode == 0 and not out, f"systemd-analyze verify: rc {r.returncode}\n{out}"
    # Not enabled by the package: no instance runs until an operator asks for one.
    assert enabled_units() == installed.enabled_before, "the package enabled units"


def start_exporter(prefix, workdir):
    """The installed edfpipe-exporter on a free loopback port; returns (process, port)."""
    err_path = Path(workdir) / "exporter.stderr"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen([str(PREFIX_BIN / "edfpipe-exporter"), "--file-prefix", prefix,
                                 "--listen", "127.0.0.1:0", "-v"], stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.DEVNULL, env=clean_env(), cwd=workdir)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/metrics", teltools.read_text(err_path))
        if m:
            return proc, int(m.group(1))
        assert proc.poll() is None, f"exporter exited: {teltools.read_text(err_path)}"
        time.sleep(0.05)
    teltools.stop_process(proc)
    raise AssertionError(f"exporter did not say where it listens: {teltools.read_text(err_path)}")


def test_installed_edfpipe_forwards_on_a_vdev(installed, make_pcap, tmp_path):
    """The installed edfpipe on the installed profile forwards a pcap on net_pcap; the installed
    edftop and exporter read it; SIGTERM (systemd's stop) ends it cleanly with everything accounted."""
    pcap, manifest = make_pcap("--count", 400, "--seed", 17, "--malformed-every", 20, "--vlan-every", 9)
    out = tmp_path / "out.pcap"
    ini = str(ETC / "edfpipe.ini")
    live = teltools.LiveEdfpipe(str(PREFIX_BIN / "edfpipe"), edfit.NOHUGE, tmp_path,
                                [f"net_pcap0,rx_pcap={pcap},tx_pcap={out}"], ["-f", ini], name="installed")
    exporter = None
    try:
        live.start()
        client = live.client()
        rx_expected = manifest["valid"] + sum(manifest["malformed"].values())
        st = teltools.wait_drained(client, rx_expected)
        client.close()
        r = run([str(PREFIX_BIN / "edftop"), "--file-prefix", live.prefix, "--once", "--json"], timeout=60,
                cwd=tmp_path, env=clean_env())
        assert r.returncode == 0, f"installed edftop --once --json: {r.stderr}"
        assert isinstance(json.loads(r.stdout), dict)
        exporter, port = start_exporter(live.prefix, tmp_path)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=15) as resp:
            samples, _ = teltools.parse_metrics(resp.read().decode())
        assert teltools.metric(samples, "edfpipe_up") == 1
        assert teltools.metric(samples, "edfpipe_rx_packets_total") == st["rx"] == rx_expected
        rc = live.stop(signal.SIGTERM)
        assert rc == 0, live.describe()
    finally:
        if exporter is not None:
            teltools.stop_process(exporter)
        live.cleanup()
    stats = live.stats
    assert stats, f"no --stats-json report\n{live.describe()}"
    edfit.check_accounting(stats, "installed edfpipe")
    assert stats["rx"] == rx_expected
    assert stats["tx"] == manifest["valid"], live.describe()
    # Every valid frame left once, ports rewritten by the installed profile's [fwd] map.
    port_map = edf_profile.load(str(PREFIX_BIN / "edfpipe"), ["-f", ini]).port_map_dict()
    edfit.check_forwarded(edfit.read_pcap(pcap), manifest, edfit.read_pcap(str(out)), port_map)


def test_purge_leaves_nothing(installed):
    # The tools ran as root above: Python wrote byte code next to the module, which prerm removes.
    r = purge(installed)
    assert r is not None, f"{PACKAGE} was not installed any more"
    assert not dpkg_status(PACKAGE), dpkg_status(PACKAGE)
    left = [p for kind, p in installed.paths if os.path.lexists(p)]
    # Directories other packages own too (/usr/bin, /lib/systemd/system, ...) stay, of course; not
    # /etc/edfpipe, /usr/share/edfpipe, the Python module's directory (with byte code in it) ...
    shared = run(["dpkg-query", "-S", *left], timeout=60).stdout if left else ""
    owned = {line.split(": ", 1)[1] for line in shared.splitlines() if ": " in line}
    left = [p for p in left if p not in owned]
    assert not left, f"left behind after dpkg -P {PACKAGE}: {left}"
