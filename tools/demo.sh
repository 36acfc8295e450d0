#!/usr/bin/env bash
# Runs edfpipe on its built-in default profile with the project's own traffic, no NIC needed:
# tools/edfpcap.py writes a mix of the four classes (sizes 64-1400 B, malformed frames
# interleaved), net_pcap replays it into edfpipe, and edfpipe's `spin` stage (the prototype's
# 100 us + up to 100 us of work per packet) makes EDF the bottleneck, so the per-class table
# shows the high class leaving ahead of the bulk that arrived with it. Output: out/demo-*.
# Usage: tools/demo.sh [PACKETS]   (default 600; installs and builds what it needs)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
n=${1:-600}
mkdir -p out
python3 tools/edfpcap.py out/demo-in.pcap --count "$n" --seed 42 --mix high=1,medium=2,low=4,best_effort=1 \
  --malformed-every 25 --vlan-every 5 --manifest out/demo-in.json
prefix="edfpipe-demo-$$"
trap 'rm -rf "/var/run/dpdk/$prefix"' EXIT
build/src/edfpipe --no-huge --no-pci -m 512 -l 0-1 --file-prefix "$prefix" --log-level 'lib.eal:warning' \
  --vdev "net_pcap0,rx_pcap=out/demo-in.pcap,tx_pcap=out/demo-out.pcap" \
  -- --processing spin --idle-exit 500 --stats-json out/demo-stats.json
echo
echo "input: out/demo-in.pcap (manifest out/demo-in.json); output: out/demo-out.pcap; report: out/demo-stats.json"
