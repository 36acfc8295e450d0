#!/usr/bin/env python3
"""Writes a man page from a program's --help text, so the page never disagrees with it.

  man-page.py --name edfpipe --summary TEXT --version V --out edfpipe.1 [--section 1] [--files F]... \
      [--see-also NAME(1)]... [--docdir DIR] -- COMMAND... (e.g. build/src/edfpipe -- --help)

Section 1 (the default) for user commands, 8 for system administration (edfpipe-hugepages).

Runs COMMAND, replaces its program path in the text by NAME, and sets the text verbatim as the
DESCRIPTION; docs/ (installed in share/doc/edfpipe) has the rest. Fails if COMMAND fails or prints
nothing.
"""
import argparse
import datetime
import os
import subprocess
import sys


def roff_line(line):
    line = line.replace("\\", "\\e")
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--section", default="1", choices=["1", "8"])
    ap.add_argument("--files", action="append", default=[], metavar="PATH:TEXT")
    ap.add_argument("--see-also", action="append", default=[])
    ap.add_argument("--docdir", default="share/doc/edfpipe")
    ap.add_argument("command", nargs="+")
    a = ap.parse_args()
    r = subprocess.run(a.command, capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or not r.stdout.strip():
        sys.exit(f"man-page.py: {' '.join(a.command)} exited {r.returncode}:\n{r.stderr}")
    text = r.stdout.replace(a.command[0], a.name)
    if len(a.command) > 1 and os.path.sep in a.command[1]:  # python3 SCRIPT --help
        text = text.replace(a.command[1], a.name)
    # SOURCE_DATE_EPOCH keeps the page reproducible; else the build's date.
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or None
    date = (datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc) if epoch
            else datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d")
    manual = "System Administration" if a.section == "8" else "User Commands"
    out = [f'.TH {a.name.upper()} {a.section} "{date}" "edfpipe {a.version}" "{manual}"',
           ".SH NAME", f"{a.name} \\- {roff_line(a.summary)}",
           ".SH DESCRIPTION", "The text of", f".B {a.name} --help" if a.name not in ("edfpipe", "edfgen")
           else f".B {a.name} -- --help", "follows.", ".PP", ".nf", ".ft CR"]
    out += [roff_line(line) for line in text.rstrip("\n").splitlines()]
    out += [".ft", ".fi"]
    if a.files:
        out.append(".SH FILES")
        for f in a.files:
            path, _, what = f.partition(":")
            out += [".TP", f".I {path}", roff_line(what)]
    out += [".SH SEE ALSO"]
    see = ", ".join(f"\\fB{s.split('(')[0]}\\fR({s.split('(')[1]}" for s in a.see_also)
    out.append((see + ", " if see else "") + f"the documentation in {a.docdir} (README.md and the guides).")
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
