#!/usr/bin/env python3
"""edfpipe_telemetry.py: send DPDK telemetry commands to a running edfpipe, one JSON line per reply.

The command line of the package's telemetry client (tools/edfpipe/telemetry.py, `edfpipe.telemetry`),
kept here so that `tools/edfpipe_telemetry.py -f PREFIX /edfpipe/stats` works from the source
tree; `import edfpipe_telemetry` still gives the client's API.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from edfpipe.telemetry import *  # noqa: E402,F401,F403  (the public API, for old imports)
from edfpipe.telemetry import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
