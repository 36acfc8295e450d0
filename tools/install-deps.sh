#!/usr/bin/env bash
# Installs what edfpipe needs to build, run and test on Debian 12, from Debian's packages.
# Safe to rerun: it does nothing when everything is there. Needs root (or sudo).
set -euo pipefail
PKGS=(g++ meson ninja-build pkg-config dpdk dpdk-dev libdpdk-dev libnuma-dev libpcap-dev
      libgtest-dev libbenchmark-dev python3 python3-pytest python3-pyelftools procps util-linux
      clang libclang-rt-14-dev  # tools/sanitize.sh: ASan/UBSan build and libFuzzer targets
      python3-matplotlib   # python3-matplotlib: tools/loadrun's plots
      prometheus tmux      # promtool and a prometheus server, tmux: tests/integration/test_telemetry.py
      iproute2             # ip netns: the net_tap link fault test
      systemd groff-base   # systemd-analyze verify, groff: test_deploy.py/test_install.py check units, man pages
      iperf3 iputils-ping ethtool   # tests/integration/test_hosts.py: real hosts in namespaces on both sides
      debhelper dpkg-dev fakeroot lintian)  # tests/integration/test_deb.py: build, lint and install the .deb
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
