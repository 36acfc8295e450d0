#!/usr/bin/env python3
"""Makes the copy of a tool script (edftop, edfpipe-exporter) that `meson install` installs.

In the source tree the tools import the edfpipe package from next to themselves:
    sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
The installed copy imports it from the Python directory meson installs the package into instead,
written as a path relative to the installed script so that it also works under a DESTDIR.

  install-script.py SRC DST BINDIR PYTHONDIR [PREFIX]
BINDIR and PYTHONDIR are where the script and the package are installed (absolute, or relative
to PREFIX). Fails if SRC no longer has the line above, so a change to it shows at build time.
"""
import os
import sys

LINE = "sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))"


def main():
    src, dst, bindir, pydir = sys.argv[1:5]
    prefix = sys.argv[5] if len(sys.argv) > 5 else "/"
    bindir = os.path.join(prefix, bindir)
    pydir = os.path.join(prefix, pydir)
    rel = os.path.relpath(pydir, bindir)
    with open(src, encoding="utf-8") as f:
        text = f.read()
    if text.count(LINE) != 1:
        sys.exit(f"install-script.py: {src} does not have exactly one line '{LINE}'")
    new = ("sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.realpath(__file__)), "
           f"{rel!r})))  # the installed edfpipe package ({pydir})")
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text.replace(LINE, new))
    os.chmod(dst, 0o755)


if __name__ == "__main__":
    main()
