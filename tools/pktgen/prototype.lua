-- prototype.lua: the Rust prototype's stress mix against edfpipe: high 640 pps, medium 1280 pps,
-- low 2560 pps (1:2:4), frames 106-1442 B spread evenly in every class, replayed from a pcap at
-- 4480 pps in all, with Pktgen's latency probes in the high class. edfpipe runs --processing spin.
--   tools/pktgen/mkpcap prototype /tmp/proto.pcap          (where edfpipe is built)
--   EDF_PCAP=/tmp/proto.pcap EDF_SECONDS=10 pktgen ... -- -P -m 1.0 -s 0:/tmp/proto.pcap -f tools/pktgen/prototype.lua
-- Whole commands (memif or a NIC, 2 or 3 lcores): tools/pktgen/README; tools/pktgen/run does it all.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local E = require("edfpipe_common")
E.run_pcap_scenario({ "prototype" })
