"""edfpipe: the Python side of edfpipe, shared by the tools in tools/ and the integration tests.

One module per fact, each written once (standard library only, except matplotlib for plots):

  profile    the class table (names, ports, budgets), the port map and the spin model, read from
             `edfpipe -- --dump-profile`: lib/edf/profile.cc is the one source, never retyped here
  binaries   where the edfpipe and edfgen binaries are (EDFPIPE/EDFGEN, a build directory, PATH)
  frames     Ethernet / 802.1Q / IPv4 / UDP frame building and parsing, checksums, and the payload
             tag every traffic source writes (edfgen's 20-byte header)
  pcap       classic pcap read and write, pcapng read
  telemetry  the client of DPDK's telemetry socket (edftop, edfpipe-exporter, loadrun, soak, tests)
  loadrun    tools/loadrun's pieces: scenarios, run (processes), analyse (accounting, stalls,
             targets), plot

Run from the source tree, the tools find this package next to themselves (tools/edfpipe/); meson
installs it into Python's site directory with the binaries.
"""
