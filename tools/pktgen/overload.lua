-- overload.lua: low offered at 2 x the EDF stage's capacity (spin model, mean frame), high at 5 % of
-- it: 13160 and 329 pps with the built-in profile, frames 106-1442 B, replayed from one pcap at
-- 13489 pps in all (Pktgen 23.x cannot pace two ports at two rates), with Pktgen's latency probes
-- in the high class. edfpipe runs --processing spin.
--   tools/pktgen/mkpcap overload /tmp/over.pcap            (where edfpipe is built)
--   EDF_PCAP=/tmp/over.pcap EDF_SECONDS=10 pktgen ... -- -P -m 1.0 -s 0:/tmp/over.pcap -f tools/pktgen/overload.lua
-- Whole commands (memif or a NIC, 2 or 3 lcores): tools/pktgen/README; tools/pktgen/run does it all.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local E = require("edfpipe_common")
E.run_pcap_scenario({ "overload", "fifo" })
