#!/usr/bin/env bash
# Robustness checks that need a second build: clang with AddressSanitizer + UndefinedBehaviorSanitizer
# (meson's b_sanitize=address,undefined) and the libFuzzer targets (-Dfuzzers=true), in SAN_BUILD_DIR
# (default build-san). Runs, writing JUnit XML into RESULTS_DIR for tools/test.sh's count:
#   1. the unit tests under ASan + UBSan,
#   2. part of the integration suite (golden pcap, hostile frames, shutdown under load, command-line
#      errors, EDF with preemption, a TX stall on net_tap) with the sanitized edfpipe, in both
#      memory modes,
#   3. each fuzzer for FUZZ_SECONDS (default 60) via tests/fuzz/run.sh.
# Any sanitizer report fails its test: ASan and UBSan abort the process (exit code 86), LeakSanitizer
# exits 23. See docs/robustness.md.
#   tools/sanitize.sh RESULTS_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
results=${1:?usage: tools/sanitize.sh RESULTS_DIR}
mkdir -p "$results" && results=$(cd "$results" && pwd)
dir=${SAN_BUILD_DIR:-build-san}
# clang, warnings as errors like the gcc build: clang's extra warnings are fixed, not silenced.
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$dir" --buildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false -Dtests=true -Dbenchmarks=false -Dfuzzers=true >/dev/null || exit 1
fi
ninja -C "$dir" >/dev/null || { ninja -C "$dir" 2>&1 | tail -30; exit 1; }
export ASAN_OPTIONS=exitcode=86:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86
status=0
echo "sanitizers: unit tests" >&2
GTEST_OUTPUT="xml:$results/sanitize-unit.xml" "$dir/tests/unit/unit_tests" >"$results/sanitize-unit.log" 2>&1 \
  || { status=1; tail -40 "$results/sanitize-unit.log" >&2; }
echo "sanitizers: integration (golden, robustness, shutdown, cli, edf, tx stall)" >&2
py=/usr/bin/python3
PYTEST_ADDOPTS="" EDFPIPE="$PWD/$dir/src/edfpipe" EDFPCAP="$PWD/tools/edfpcap.py" \
  "$py" -m pytest -q -p no:cacheprovider --junitxml="$results/sanitize-integration.xml" \
  -o junit_suite_name=sanitize-integration \
  tests/integration/test_golden.py tests/integration/test_robustness.py tests/integration/test_shutdown.py \
  tests/integration/test_cli.py tests/integration/test_edf.py \
  tests/integration/test_faults.py::test_tx_link_down_and_up >"$results/sanitize-integration.log" 2>&1 \
  || { status=1; tail -60 "$results/sanitize-integration.log" >&2; }
tail -1 "$results/sanitize-integration.log" >&2
echo "sanitizers: fuzzers, ${FUZZ_SECONDS:-60} s each" >&2
bash tests/fuzz/run.sh "$dir" "$results" "${FUZZ_SECONDS:-60}" || status=1
exit $status
