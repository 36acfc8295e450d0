"""`meson install` installs what a deployment needs, and the installed tools work from there.

Installs the build directory the suite runs from (the one holding $EDFPIPE) into a temporary
DESTDIR with `meson install --no-rebuild --destdir`, then checks the files (binaries, tools, the
Python package, profile, EnvironmentFile, docs, systemd units, hugepage helper, alert rules) are
where the build's prefix, bindir, sysconfdir ... say, and runs the installed copies with
PYTHONPATH unset and from a directory outside the source tree:
  - `edftop --help`, `edfpipe-exporter --help`, importing the edfpipe package from the DESTDIR;
  - `edfpipe -- --check-profile -f <sysconfdir>/edfpipe/edfpipe.ini`;
and checks the man pages (made from each program's --help) are clean roff (`groff -ww`, package
groff-base) and carry the options.
docs/deployment.md describes the installed layout.
"""
import filecmp
import json
import os
import shutil
import subprocess
import re
import sys
from pathlib import Path

import pytest

SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent


def build_dir():
    """The meson build directory of $EDFPIPE (the first parent with meson-private/)."""
    edfpipe = os.environ.get("EDFPIPE")
    assert edfpipe, "EDFPIPE is not set (see tests/integration/conftest.py)"
    for d in Path(edfpipe).resolve().parents:
        if (d / "meson-private").is_dir():
            return d
    pytest.fail(f"EDFPIPE={edfpipe} is not inside a meson build directory", pytrace=False)


def clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class Tree:
    """An installed tree: root (the DESTDIR) and the build's install directories inside it."""

    def __init__(self, root, options, installed):
        self.root = Path(root)
        opt = {o["name"]: o["value"] for o in options}
        self.prefix = opt["prefix"]
        self.installed = [self.root / p.lstrip("/") for p in installed.values()]
        for key in ("bindir", "sbindir", "sysconfdir", "datadir", "mandir"):
            setattr(self, key, self.path(os.path.join(self.prefix, opt[key])))

    def path(self, abs_path):
        return self.root / abs_path.lstrip("/")

    def find(self, name):
        """The installed file called `name` (exactly one)."""
        hits = [p for p in self.installed if p.name == name]
        assert len(hits) == 1, f"{name}: installed as {hits}"
        return hits[0]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    meson = shutil.which("meson")
    assert meson, "meson not found on PATH (tools/install-deps.sh installs it)"
    build = build_dir()
    dest = tmp_path_factory.mktemp("destdir")
    r = subprocess.run([meson, "install", "-C", str(build), "--no-rebuild", "--quiet", "--destdir", str(dest)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"meson install failed:\n{r.stdout}\n{r.stderr}"
    intro = subprocess.run([meson, "introspect", str(build), "--buildoptions", "--installed"],
                           capture_output=True, text=True, check=True, timeout=60)
    data = json.loads(intro.stdout)
    return Tree(dest, data["buildoptions"], data["installed"])


def test_files_in_place(installed):
    t = installed
    expect = [t.bindir / "edfpipe", t.bindir / "edfgen", t.bindir / "edftop", t.bindir / "edfpipe-exporter",
              t.sbindir / "edfpipe-hugepages",
              t.sysconfdir / "edfpipe" / "edfpipe.ini", t.sysconfdir / "edfpipe" / "edfpipe.env",
              t.datadir / "doc" / "edfpipe" / "README.md", t.datadir / "doc" / "edfpipe" / "telemetry.md",
              t.datadir / "doc" / "edfpipe" / "configuration.md", t.datadir / "doc" / "edfpipe" / "deployment.md",
              t.datadir / "edfpipe" / "prometheus" / "edfpipe-alerts.yml"]
    missing = [str(p) for p in expect if not p.is_file()]
    assert not missing, f"not installed: {missing}"
    for p in expect[:5]:
        assert os.access(p, os.X_OK), f"{p} is not executable"
    assert filecmp.cmp(t.sysconfdir / "edfpipe" / "edfpipe.ini", SOURCE_ROOT / "conf" / "edfpipe.ini", shallow=False)
    # The package the tools import, and the units (wherever systemd's pkg-config put them).
    assert t.find("telemetry.py").parent.name == "edfpipe"
    for unit in ("edfpipe@.service", "edfpipe-exporter@.service"):
        assert t.find(unit).is_file()


@pytest.mark.parametrize("tool", ["edftop", "edfpipe-exporter"])
def test_python_tools_run_installed(installed, tool, tmp_path):
    script = installed.bindir / tool
    env = clean_env()
    r = subprocess.run([str(script), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert f"usage: {tool}" in r.stdout
    # Which edfpipe package did it import? The one in the DESTDIR, not the source tree's.
    probe = ("import runpy, sys; runpy.run_path(sys.argv[1], run_name='probe'); "
             "print(sys.modules['edfpipe'].__file__)")
    for py in {sys.executable, "/usr/bin/python3"}:
        r = subprocess.run([py, "-I", "-c", probe, str(script)], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, f"{py}: {r.stderr}"
        imported = Path(r.stdout.strip()).resolve()
        assert installed.root.resolve() in imported.parents, f"{py}: {tool} imported edfpipe from {imported}"


def test_installed_edfpipe_checks_installed_profile(installed, tmp_path):
    ini = installed.sysconfdir / "edfpipe" / "edfpipe.ini"
    r = subprocess.run([str(installed.bindir / "edfpipe"), "--", "--check-profile", "-f", str(ini)],
                       cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "profile OK" in r.stdout + r.stderr


MAN_PAGES = {"edfpipe": "--check-profile", "edfgen": "--flow", "edftop": "--once", "edfpipe-exporter": "--listen"}


@pytest.mark.parametrize("name", sorted(MAN_PAGES))
def test_man_pages(installed, name):
    page = installed.mandir / "man1" / f"{name}.1"
    assert page.is_file(), f"{page} not installed"
    groff = shutil.which("groff")
    assert groff, "groff not found on PATH (package groff-base; tools/install-deps.sh installs it)"
    r = subprocess.run([groff, "-man", "-Tutf8", "-P-cbou", "-ww", str(page)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr.strip(), f"groff on {page}:\n{r.stderr}"
    # The page's text (hyphens may come out as U+2010 and words hyphenated at line ends).
    text = re.sub(r"[\u2010\u2212]", "-", r.stdout)
    text = re.sub(r"-\n\s*", "-", text)
    assert MAN_PAGES[name] in text, f"{name}.1 lacks {MAN_PAGES[name]}"
    assert f"{name} - " in text and str(build_dir()) not in text, f"{name}.1 names the build directory"
