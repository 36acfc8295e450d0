#!/usr/bin/env bash
# Builds edfpipe and runs every test: GoogleTest unit tests and the integration suite, which
# runs the real edfpipe binary on DPDK virtual devices with hugepages and with --no-huge.
# Installs what it needs (Debian 12); run as root or with sudo. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/hugepages.sh 512
export BUILD_DIR=${BUILD_DIR:-build}
bash tools/build.sh
results="$BUILD_DIR/test-results"
rm -rf "$results" && mkdir -p "$results"
export GTEST_OUTPUT="xml:$PWD/$results/"
export PYTEST_ADDOPTS="--junitxml=$PWD/$results/integration.xml ${PYTEST_ADDOPTS:-}"
status=0
meson test -C "$BUILD_DIR" --print-errorlogs --num-processes 1 || status=$?
# A clang ASan + UBSan build: unit tests and part of the integration suite under the sanitizers,
# then each libFuzzer target for FUZZ_SECONDS (default 60). SANITIZE=0 skips it. docs/robustness.md
if [ "${SANITIZE:-1}" != 0 ]; then bash tools/sanitize.sh "$results" || status=1; fi
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
total = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.xml"):
    root = ET.parse(f).getroot()
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    for s in suites:
        total += int(s.get("tests", 0))
        failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
        skipped += int(s.get("skipped", 0)) + int(s.get("disabled", 0))
passed = total - failed - skipped
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
