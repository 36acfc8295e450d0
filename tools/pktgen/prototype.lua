-- prototype.lua: the Rust prototype's stress mix against edfpipe on a real NIC, one port.
-- high 640 pps, medium 1280 pps, low 2560 pps (each to its first UDP port): a 1:2:4 ratio, sent as a
-- 14-packet sequence (2 high, 4 medium, 8 low) whose sizes cover 110-1446 B (UDP payload 64-1400 B).
-- edfpipe: edfpipe -l 0-1 -a PCI -- --processing spin --stats-period 1 --stats-json proto.json
-- Run: pktgen -l 0-2 -n 4 -a GEN_PCI -- -P -m "[1:2].0" -f tools/pktgen/prototype.lua
package.path = package.path .. ";tools/pktgen/?.lua;?.lua"
local E = require "edfpipe_common"
local SECONDS = tonumber(os.getenv("EDF_SECONDS") or "30")

local entries = {}
local sizes = { high = E.spread(110, 1446, 2), medium = E.spread(110, 1446, 4), low = E.spread(110, 1446, 8) }
for _, cls in ipairs({ "high", "medium", "low" }) do
  for _, sz in ipairs(sizes[cls]) do entries[#entries + 1] = { E.CLASS_PORT[cls], sz } end
end
pktgen.stop("0")
local mean = E.load_sequence("0", entries)
local total_pps = 640 + 1280 + 2560
pktgen.set("0", "rate", E.rate_pct(total_pps, mean))
pktgen.set("0", "count", 0)
pktgen.latency("0", "enable")   -- Pktgen's own latency probes (timestamped packets), if built in
printf("prototype: %d pps in all (1:2:4), mean frame %.0f B, rate %.5f %% of %g Gbit/s\n",
       total_pps, mean, E.rate_pct(total_pps, mean), E.LINK_GBPS)
E.run("0", SECONDS)
printf("per-class counts, latency and drops: edfpipe's final table and --stats-json\n")
