-- throughput.lua: the highest zero-loss rate through edfpipe --processing fwd, 64 B and 1024 B frames
-- (Pktgen sizes include the CRC), by bisection over short steps. One port, UDP to best_effort (5000).
-- edfpipe: edfpipe -l 0-1 -a PCI -- --processing fwd   (compare: dpdk-testpmd -l 0-1 -a PCI --
--   --forward-mode=io --port-topology=loop, same lcores, same script)
-- Run: pktgen -l 0-2 -n 4 -a GEN_PCI -- -P -m "[1:2].0" -f tools/pktgen/throughput.lua
package.path = package.path .. ";tools/pktgen/?.lua;?.lua"
local E = require "edfpipe_common"
local STEP_S = tonumber(os.getenv("EDF_STEP_S") or "5")
local STEPS = tonumber(os.getenv("EDF_STEPS") or "10")

for _, size in ipairs({ 64, 1024 }) do
  pktgen.stop("0")
  pktgen.set("0", "seq_cnt", 0)
  pktgen.set_proto("0", "udp")
  pktgen.set_ipaddr("0", "dst", "10.0.0.2")
  pktgen.set_ipaddr("0", "src", "10.0.0.1/24")
  pktgen.set_mac("0", "dst", E.DUT_MAC)
  pktgen.set("0", "sport", 10000)
  pktgen.set("0", "dport", E.CLASS_PORT.best_effort)
  pktgen.set("0", "size", size)
  pktgen.set("0", "count", 0)
  local lo, hi, best = 0.0, 100.0, 0.0
  for step = 1, STEPS do
    local rate = (step == 1) and hi or (lo + hi) / 2
    pktgen.set("0", "rate", rate)
    pktgen.clr()
    pktgen.start("0")
    pktgen.delay(STEP_S * 1000)
    pktgen.stop("0")
    pktgen.delay(500)
    local tx, rx = E.port_totals("0")
    local ok = tx > 0 and rx >= tx
    printf("%5d B  rate %7.3f %%  tx %d  rx %d  %s\n", size, rate, tx, rx, ok and "zero loss" or "LOSS")
    if ok then best, lo = rate, rate; if step == 1 then break end else hi = rate end
  end
  local pps = best / 100.0 * E.LINK_GBPS * 1e9 / ((size + 20) * 8)
  printf("%5d B: highest zero-loss rate %.3f %% of line = %.3f Mpps\n", size, best, pps / 1e6)
end
