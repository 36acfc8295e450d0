#!/usr/bin/env bash
# Configures (once) and builds edfpipe, its tests and benchmarks into BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
[ -f "$dir/build.ninja" ] || meson setup "$dir" --buildtype=release -Dtests=true -Dbenchmarks=true >/dev/null
ninja -C "$dir" >/dev/null
