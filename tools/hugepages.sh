#!/usr/bin/env bash
# Reserves 2 MB hugepages (default 512 = 1 GiB) and mounts hugetlbfs on /dev/hugepages.
# Usage: tools/hugepages.sh [PAGES]. Needs root (or sudo). Fails loudly if it cannot.
set -euo pipefail
pages=${1:-512}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
have=$(cat /proc/sys/vm/nr_hugepages)
if [ "$have" -lt "$pages" ]; then
  echo "$pages" | $SUDO tee /proc/sys/vm/nr_hugepages >/dev/null
fi
$SUDO mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || $SUDO mount -t hugetlbfs nodev /dev/hugepages
got=$(cat /proc/sys/vm/nr_hugepages)
if [ "$got" -lt "$pages" ]; then
  echo "hugepages.sh: asked for $pages hugepages, the kernel gave $got" >&2
  exit 1
fi
