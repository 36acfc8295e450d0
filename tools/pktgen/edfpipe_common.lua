-- edfpipe_common.lua: helpers shared by the edfpipe scenario scripts for Pktgen-DPDK.
-- Load with: package.path = package.path .. ";tools/pktgen/?.lua"; local E = require "edfpipe_common"
--
-- Pktgen sets a port's rate in percent of line rate, so rates in pps are converted with the link
-- speed (LINK_GBPS below, or the environment variable EDF_LINK_GBPS) and the mean frame size on the
-- wire (frame + 4 B CRC + 20 B preamble and inter-frame gap). Frame sizes here are Pktgen's pktSize,
-- which includes the 4 B CRC: edfpipe's UDP payload = pktSize - 46.
--
-- edfpipe's class ports and spin model are not written here: they come from the environment,
-- printed from `edfpipe -- --dump-profile` (lib/edf/profile.cc is their one source) by
--   eval "$(tools/pktgen/class-ports)"       (or: tools/pktgen/class-ports -f my.ini)
-- EDF_CLASS_PORTS = "NAME=PORT ..." (each class's first UDP port), EDF_SPIN_NS = "BASE PER_BYTE".
--
-- Not run in this repository's CI (no NIC, no Pktgen package in Debian 12): written against the Lua
-- API of Pktgen-DPDK 23.x (pktgen.seqTable, pktgen.set, pktgen.start/stop, pktgen.portStats).
-- Check `help` in your Pktgen's console if a call is refused.
local M = {}

M.LINK_GBPS = tonumber(os.getenv("EDF_LINK_GBPS") or "10")
M.DUT_MAC = os.getenv("EDF_DUT_MAC") or "0000:0000:0001"   -- edfpipe's port MAC (Pktgen's a:b:c form ok)
M.SRC_MAC = os.getenv("EDF_SRC_MAC") or "0000:0000:0002"

local function required_env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then
    error(name .. " is not set: run  eval \"$(tools/pktgen/class-ports)\"  where edfpipe is built " ..
          "(it reads edfpipe -- --dump-profile), or export the two lines it prints")
  end
  return v
end

M.CLASS_PORT = {}
for name, port in string.gmatch(required_env("EDF_CLASS_PORTS"), "([%w_]+)=(%d+)") do
  M.CLASS_PORT[name] = tonumber(port)
end
M.SPIN_BASE_NS, M.SPIN_PER_BYTE_NS = string.match(required_env("EDF_SPIN_NS"), "^%s*(%d+)%s+(%d+)%s*$")
if M.SPIN_BASE_NS == nil then error("EDF_SPIN_NS: expected \"BASE PER_BYTE\" in ns, e.g. from tools/pktgen/class-ports") end
M.SPIN_BASE_NS, M.SPIN_PER_BYTE_NS = tonumber(M.SPIN_BASE_NS), tonumber(M.SPIN_PER_BYTE_NS)

-- Percent of line rate that carries `pps` frames of mean size `mean_frame` (pktSize, with CRC).
function M.rate_pct(pps, mean_frame)
  local bits = (mean_frame + 20) * 8
  return 100.0 * pps * bits / (M.LINK_GBPS * 1e9)
end

-- The EDF stage's capacity under the spin model for frames uniform in [lo, hi] (pktSize).
function M.spin_capacity_pps(lo, hi)
  local payload = (lo + hi) / 2 - 46
  return 1e9 / (M.SPIN_BASE_NS + M.SPIN_PER_BYTE_NS * payload)
end

-- One sequence entry: a UDP frame to a class port.
function M.entry(dport, size, sport)
  return {
    ["eth_dst_addr"] = M.DUT_MAC, ["eth_src_addr"] = M.SRC_MAC,
    ["ip_dst_addr"] = "10.0.0.2", ["ip_src_addr"] = "10.0.0.1/24",
    ["sport"] = sport or 10000, ["dport"] = dport,
    ["ethType"] = "ipv4", ["ipProto"] = "udp", ["vlanid"] = 1, ["pktSize"] = size,
  }
end

-- Loads a list of {dport, size} pairs as port `port`'s sequence (at most 16) and returns the mean size.
-- Pktgen sends the sequence round robin, so the share of a class is its number of entries.
function M.load_sequence(port, entries)
  assert(#entries <= 16, "Pktgen holds at most 16 sequence packets per port")
  local sum = 0
  for i, e in ipairs(entries) do
    pktgen.seqTable(i - 1, port, M.entry(e[1], e[2]))
    sum = sum + e[2]
  end
  pktgen.set(port, "seq_cnt", #entries)
  return sum / #entries
end

-- `n` sizes spread evenly over [lo, hi], an approximation of a uniform size mix.
function M.spread(lo, hi, n)
  local out = {}
  for i = 0, n - 1 do
    out[#out + 1] = math.floor(lo + (hi - lo) * (i + 0.5) / n + 0.5)
  end
  return out
end

function M.port_totals(port)
  local s = pktgen.portStats(port, "port")[tonumber(port)]
  return s.opackets, s.ipackets, s.ierrors, s.imissed
end

-- Runs traffic on `ports` (e.g. "0" or "0-1") for `seconds`, printing the counters once a second.
function M.run(ports, seconds)
  pktgen.clr()
  pktgen.start(ports)
  for t = 1, seconds do
    pktgen.delay(1000)
    local tx, rx = M.port_totals("0")
    printf("t=%3d s  port 0: tx %d rx %d\n", t, tx, rx)
  end
  pktgen.stop(ports)
  pktgen.delay(1000)  -- let edfpipe drain its queues back to us
end

return M
