-- overload.lua: low offered at 2x the EDF stage's capacity, high at 5 % of it (spin model).
-- Two generator ports, so each class has its own rate: port 0 sends low (to its first UDP port) into
-- edfpipe's port 0, port 1 sends high into edfpipe's port 1; edfpipe sends each back where it came from.
-- edfpipe: edfpipe -l 0-1 -a PCI0 -a PCI1 -- --processing spin --stats-period 1 --stats-json over.json
--   (for the fifo scenario add --scheduling fifo; this script is the same)
-- Run: pktgen -l 0-3 -n 4 -a GEN0 -a GEN1 -- -P -m "[1:2].0,[3:3].1" -f tools/pktgen/overload.lua
package.path = package.path .. ";tools/pktgen/?.lua;?.lua"
local E = require "edfpipe_common"
local SECONDS = tonumber(os.getenv("EDF_SECONDS") or "30")

local sizes = E.spread(110, 1446, 8)
local cap = E.spin_capacity_pps(110, 1446)
pktgen.stop("0-1")
local low, high = {}, {}
for _, sz in ipairs(sizes) do
  low[#low + 1] = { E.CLASS_PORT.low, sz }
  high[#high + 1] = { E.CLASS_PORT.high, sz }
end
local mean_low = E.load_sequence("0", low)
local mean_high = E.load_sequence("1", high)
pktgen.set("0", "rate", E.rate_pct(2.0 * cap, mean_low))
pktgen.set("1", "rate", E.rate_pct(0.05 * cap, mean_high))
pktgen.set("0-1", "count", 0)
pktgen.latency("1", "enable")
printf("overload: capacity %.0f pps (spin model); low %.0f pps on port 0, high %.0f pps on port 1\n",
       cap, 2.0 * cap, 0.05 * cap)
E.run("0-1", SECONDS)
