#!/usr/bin/env bash
# Runs edfpipe on its built-in default profile with the project's own traffic, no NIC needed.
#
# Default: two load runs of tools/loadrun (edfgen, the project's generator, and edfpipe linked by
# net_memif), 5 s each, with the prototype's `spin` processing model (100 us + up to 100 us per
# packet) as the bottleneck:
#   overload  high at 5 % of the stage's capacity, low at 200 %: EDF keeps high inside its 1 ms budget
#             and puts all loss on low;
#   fifo      the same traffic with scheduling off (one shared ring): high drowns with low.
# Per-class latency, loss and deadline misses are printed for each; JSON and plots go to out/demo/.
#
# --pcap: instead, replay a pcap of the four classes with malformed frames interleaved through
# net_pcap (no generator), and print edfpipe's table; output in out/demo-*.
#
# Usage: tools/demo.sh [--pcap] [SECONDS]   (installs and builds what it needs)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
mkdir -p out

if [ "${1:-}" = "--pcap" ]; then
  python3 tools/edfpcap.py out/demo-in.pcap --count 600 --seed 42 --mix high=1,medium=2,low=4,best_effort=1 \
    --malformed-every 25 --vlan-every 5 --manifest out/demo-in.json
  prefix="edfpipe-demo-$$"
  trap 'rm -rf "/var/run/dpdk/$prefix"' EXIT
  build/src/edfpipe --no-huge --no-pci -m 512 -l 0-1 --file-prefix "$prefix" --log-level 'lib.eal:warning' \
    --vdev "net_pcap0,rx_pcap=out/demo-in.pcap,tx_pcap=out/demo-out.pcap" \
    -- --processing spin --idle-exit 500 --stats-json out/demo-stats.json
  echo
  echo "input: out/demo-in.pcap (manifest out/demo-in.json); output: out/demo-out.pcap; report: out/demo-stats.json"
  exit 0
fi

secs=${1:-5}
for scenario in overload fifo; do
  echo
  echo "######## $scenario ($secs s) ########"
  tools/loadrun "$scenario" --duration "$secs" --out out/demo 2>&1 | sed -n '/^== loadrun/,$p'
done
echo
echo "Both runs: out/demo/ (edfgen and edfpipe JSON, telemetry samples, latency CDF and timeline plots)."
