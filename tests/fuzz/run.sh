#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time and writes one JUnit XML file per target into
# RESULTS_DIR, so tools/test.sh counts it in its "N passed, N failed" line.
#   tests/fuzz/run.sh BUILD_DIR RESULTS_DIR [SECONDS]    (default 60 s per target)
# A target fails on any crash, leak, timeout or sanitizer report (libFuzzer exits non-zero and
# writes the input as crash-*/leak-*/timeout-* into RESULTS_DIR/fuzz-artifacts/). The seed corpus
# in tests/fuzz/corpus_NAME is read, never written: new inputs go to a scratch directory.
set -uo pipefail
src=$(cd "$(dirname "$0")" && pwd)
build=$1 results=$2 secs=${3:-60}
mkdir -p "$results/fuzz-artifacts"
status=0
for name in parse profile; do
  bin="$build/tests/fuzz/${name}_fuzz"
  log="$results/fuzz-$name.log"
  scratch=$(mktemp -d)
  dict=()
  [ -f "$src/$name.dict" ] && dict=(-dict="$src/$name.dict")
  start=$(date +%s)
  if [ -x "$bin" ]; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
      -artifact_prefix="$results/fuzz-artifacts/$name-" "$scratch" "$src/corpus_$name" >"$log" 2>&1
    rc=$?
  else
    echo "$bin: not built (configure with CC=clang CXX=clang++ ... -Dfuzzers=true)" >"$log"
    rc=127
  fi
  elapsed=$(( $(date +%s) - start ))
  rm -rf "$scratch"
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  if [ $rc -eq 0 ]; then
    echo "fuzz $name: ok, ${runs:-?} runs in ${elapsed} s"
    failure=""
  else
    status=1
    echo "fuzz $name: FAILED (exit $rc), see $log" >&2
    tail -40 "$log" >&2
    msg=$(grep -m1 -E 'ERROR: |check failed|runtime error' "$log" | sed 's/[&<>"]/_/g')
    failure="<failure message=\"exit $rc: ${msg:-see $log}\"/>"
  fi
  cat >"$results/fuzz-$name.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="fuzz" tests="1" failures="$([ -n "$failure" ] && echo 1 || echo 0)" errors="0" skipped="0" time="$elapsed">
  <testcase classname="fuzz" name="${name}_fuzz ${secs}s" time="$elapsed">$failure</testcase>
</testsuite>
XML
done
exit $status
