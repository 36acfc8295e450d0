#!/usr/bin/env bash
# Two real hosts with edfpipe between them, to try by hand: two Linux network namespaces (edf-a,
# edf-b), each linked to edfpipe by a veth pair, edfpipe as a bump in the wire (ports 0 and 1
# paired, --processing fwd). The hosts share 10.214.14.0/24 and fd14:edf::/64 and need nothing
# configured for edfpipe: ARP and neighbour discovery cross it as other traffic. Prints the
# commands to run inside each namespace, then runs edfpipe until Ctrl-C, and deletes the namespaces
# and veth pairs on the way out. docs/real-hosts.md describes the setup;
# tests/integration/test_hosts.py checks the same topology.
#
# Usage (as root): tools/hosts.sh [edfpipe options, e.g. --stats-period 5 or --other-traffic drop]
# Installs what it needs (tools/install-deps.sh); builds edfpipe (tools/build.sh) if build/src/edfpipe
# is missing. EDFPIPE=path runs another binary.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "tools/hosts.sh: run as root (it creates network namespaces)" >&2; exit 1; }
bash tools/install-deps.sh
bin=${EDFPIPE:-build/src/edfpipe}
if [ ! -x "$bin" ]; then
  [ -z "${EDFPIPE:-}" ] || { echo "tools/hosts.sh: EDFPIPE=$bin is not an executable" >&2; exit 1; }
  echo "building edfpipe (tools/build.sh) ..." >&2
  bash tools/build.sh
fi

NS_A=edf-a NS_B=edf-b              # the hosts
ROOT_A=edfhosts-a ROOT_B=edfhosts-b  # the veth ends edfpipe opens (net_af_packet), in the root namespace
A4=10.214.14.1 B4=10.214.14.2 A6=fd14:edf::1 B6=fd14:edf::2
PREFIX=edfhosts                    # edfpipe's --file-prefix, for telemetry
for ns in $NS_A $NS_B; do
  if [ -e "/var/run/netns/$ns" ]; then
    echo "tools/hosts.sh: network namespace $ns exists (another tools/hosts.sh running, or one that was killed?)." >&2
    echo "  remove it with: ip netns del $ns" >&2
    exit 1
  fi
done

# shellcheck disable=SC2317  # called by the trap
cleanup() {
  trap - EXIT
  for ns in "$NS_A" "$NS_B"; do  # whatever was started in the namespaces from other terminals
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  done
  ip link del dev "$ROOT_A" 2>/dev/null || true
  ip link del dev "$ROOT_B" 2>/dev/null || true
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  rm -rf "/var/run/dpdk/$PREFIX"
  echo "tools/hosts.sh: namespaces $NS_A, $NS_B and their veth pairs removed"
}
trap cleanup EXIT

setup_host() {  # namespace, root end, IPv4, IPv6
  ip netns add "$1"
  ip link add "$2" type veth peer name eth0 netns "$1"
  # The root end: no address, no IPv6 (no ND/MLD of its own), ARP off (the root namespace would
  # answer ARP for its own addresses on it).
  echo 1 > "/proc/sys/net/ipv6/conf/$2/disable_ipv6"
  ip link set dev "$2" arp off up
  ip -n "$1" link set dev lo up
  ip -n "$1" addr add "$3/24" dev eth0
  ip -n "$1" addr add "$4/64" dev eth0 nodad
  # Kernel UDP over a veth leaves the checksum to an offload that never happens; the host on the
  # other side would drop the forwarded datagram. A real NIC completes the checksum itself.
  ip netns exec "$1" ethtool -K eth0 tx off >/dev/null
  ip -n "$1" link set dev eth0 up
}
setup_host $NS_A $ROOT_A $A4 $A6
setup_host $NS_B $ROOT_B $B4 $B6

# One line per UDP datagram received on port 9080 (IPv4 and IPv6), in host B.
UDP_SERVER="import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(('::', 9080)); print('listening on UDP 9080'); [print(*s.recvfrom(2048)) for _ in iter(int, 1)]"

cat <<EOF

Host A: namespace $NS_A, eth0 $A4/24 $A6/64
Host B: namespace $NS_B, eth0 $B4/24 $B6/64
edfpipe: net_af_packet0 on $ROOT_A (A's side), net_af_packet1 on $ROOT_B (B's side), paired both ways;
processing fwd (UDP destination ports 8080-8085 -> 9080-9085), other traffic (ARP, ICMP, ND, TCP)
through the default class; an extra class 'iperf' takes UDP port 5201.

Run in other terminals (as root):

  # ARP and ping, IPv4 and IPv6: the neighbour entry is learnt through edfpipe
  ip netns exec $NS_A ping -c 3 $B4
  ip netns exec $NS_A ping -6 -c 3 $B6
  ip -n $NS_A neigh

  # UDP to class high (port 8080): edfpipe rewrites the port to 9080
  ip netns exec $NS_B python3 -c "$UDP_SERVER"
  ip netns exec $NS_A bash -c 'echo hello over IPv4 > /dev/udp/$B4/8080'
  ip netns exec $NS_A bash -c 'echo hello over IPv6 > /dev/udp/$B6/8080'

  # iperf3: TCP control as other traffic, UDP data in class iperf (port 5201, not rewritten)
  ip netns exec $NS_B iperf3 -s
  ip netns exec $NS_A iperf3 -c $B4 -u -b 2M -t 5
  ip netns exec $NS_A iperf3 -c $B6 -u -b 2M -t 5

  # edfpipe's classes and counts by kind, live
  tools/edftop -f $PREFIX
  python3 tools/edfpipe_telemetry.py -f $PREFIX /edfpipe/stats

Ctrl-C here stops edfpipe (it prints its final table) and removes both namespaces.

EOF

"$bin" --no-huge -m 256 --no-pci -l 0-1 --file-prefix $PREFIX --log-level 'lib.eal:warning' \
  --vdev "net_af_packet0,iface=$ROOT_A" --vdev "net_af_packet1,iface=$ROOT_B" \
  -- --set 'port 0.tx_port=1' --set 'port 1.tx_port=0' --processing fwd --mbufs 32767 \
  --idle sleep --set pipeline.idle_sleep_us=100 \
  --set 'class iperf.budget_us=1000000' --set 'class iperf.udp_dst_ports=5201' "$@" &
pid=$!
# Ctrl-C reaches edfpipe from the terminal; a TERM or HUP sent to this script is passed on as SIGINT.
trap 'kill -INT $pid 2>/dev/null || true' INT TERM HUP
status=0
while :; do
  wait $pid && status=0 || status=$?
  kill -0 $pid 2>/dev/null || break  # wait was interrupted by a signal; edfpipe is still draining
done
exit $status
