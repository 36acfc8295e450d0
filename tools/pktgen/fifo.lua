-- fifo.lua: the overload traffic again (the same pcap: mkpcap overload or mkpcap fifo), for edfpipe
-- started with --processing spin --scheduling fifo. Compare the high class's drops and latency
-- with the overload run's (docs/load-runs.md).
--   EDF_PCAP=/tmp/over.pcap EDF_SECONDS=10 pktgen ... -- -P -m 1.0 -s 0:/tmp/over.pcap -f tools/pktgen/fifo.lua
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local E = require("edfpipe_common")
E.run_pcap_scenario({ "fifo", "overload" })
