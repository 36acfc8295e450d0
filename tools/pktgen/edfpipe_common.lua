-- edfpipe_common.lua: what the edfpipe scenario scripts for Pktgen-DPDK share (tools/pktgen/README).
-- A script loads it from its own directory:
--   local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
--   package.path = dir .. "?.lua;" .. package.path
--   local E = require("edfpipe_common")
--
-- Run on Pktgen-DPDK 23.03.0 (Lua 5.3) built against DPDK 22.11 (Debian 12), linked to edfpipe by
-- net_memif on a 2-CPU VM; docs/load-runs.md has the runs. What these helpers work around, all
-- read in Pktgen 23.03's source:
--   * `printf` exists only when Pktgen's own Pktgen.lua is loaded: M.printf is defined here.
--   * Rates are percent of line rate, with Pktgen's own integer arithmetic on the link speed and
--     the mean frame: M.set_pps asks Pktgen what 100 % is (portInfo's tx_debug.tx_pps) and sets
--     the percentage that makes it pace exactly the wanted packets per second.
--   * Port counters are copied once a second by Pktgen's timer: M.settle reads them until two
--     reads a refresh apart agree.
--   * The latency average is computed by the latency page when it is drawn: the scripts show it.
--   * Per class, Pktgen counts nothing: the pcap scenarios split Pktgen's port counts by the
--     class sequence of the replayed file (tools/pktgen/mkpcap writes it beside the pcap).
--
-- Environment: EDF_PORT (Pktgen port, 0), EDF_SECONDS (10), EDF_BURST (1; packets per send),
-- EDF_DUT_MAC (destination MAC of the template and the probes, edfpipe's port on a real NIC),
-- EDF_RESULT (write the result as JSON to this file), EDF_QUIT=1 (quit Pktgen at the end; the
-- wrapper tools/pktgen/run sets these last two).
local M = {}

function M.printf(...)
  io.write(string.format(...))
  io.flush()
end
if printf == nil then printf = M.printf end -- the scripts use M.printf; this helps a user's own lines

M.PORT = os.getenv("EDF_PORT") or "0"
M.PID = math.tointeger(tonumber(M.PORT))
if M.PID == nil then error("EDF_PORT: one Pktgen port number, e.g. 0") end
M.DUT_MAC = os.getenv("EDF_DUT_MAC") or "02:00:00:00:00:02"
M.SRC_IP, M.DST_IP = "127.0.0.1/24", "127.0.0.2" -- as in the pcaps (tools/edfpipe/frames.py)

function M.env_number(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  local n = tonumber(v)
  if n == nil then error(name .. "=" .. v .. ": not a number") end
  return n
end

-- Wall-clock seconds (10 ms resolution): Pktgen's Lua has no finer clock than /proc/uptime.
function M.now()
  local f = io.open("/proc/uptime", "r")
  if f then
    local s = f:read("n")
    f:close()
    if s then return s end
  end
  return os.time()
end

-- Pktgen's timer thread (statistics and screen; unnamed, so its comm is "pktgen" like the main
-- thread's) busy-polls, pinned to the CPU whose *number* is the main lcore's *id*: with
-- --lcores '0@1,1@0', CPU 0, the RX/TX lcore's CPU. There it takes half of that CPU: the lcore's
-- sends come late in bunches and fewer latency probes go out. At nice 19 it still refreshes the
-- counters and the screen once a second but leaves the CPU to the lcore. (Moved to another CPU
-- instead, it would take the turns edfpipe's worker gives up with --idle yield.) EDF_TAME_TIMER=0
-- leaves it alone. Returns the thread ids reniced.
function M.tame_timer_thread()
  if os.getenv("EDF_TAME_TIMER") == "0" then return {} end
  local f = io.open("/proc/self/stat", "r")
  if not f then return {} end
  local pid = f:read("l"):match("^(%d+)")
  f:close()
  local p = io.popen("ls /proc/" .. pid .. "/task 2>/dev/null")
  if not p then return {} end
  local done = {}
  for tid in p:lines() do
    local c = io.open("/proc/" .. pid .. "/task/" .. tid .. "/comm", "r")
    local comm = c and c:read("l")
    if c then c:close() end
    if tid ~= pid and comm == "pktgen" and os.execute("renice -n 19 -p " .. tid .. " >/dev/null 2>&1") then
      done[#done + 1] = tonumber(tid)
    end
  end
  p:close()
  return done
end

function M.version()
  local i = pktgen.info or {}
  return string.format("%s (%s)", i.Pktgen_Version or "Pktgen ?", i.DPDK_Version or "DPDK ?")
end

function M.port_stats() return pktgen.portStats(M.PORT, "port")[M.PID] end
function M.rate_stats() return pktgen.portStats(M.PORT, "rate")[M.PID] end
function M.link_state() return pktgen.linkState(M.PORT)[M.PID] end
function M.tx_pps() return pktgen.portInfo(M.PORT)[M.PID].info.tx_debug.tx_pps end

function M.wait_link(timeout_s)
  local t0 = M.now()
  while not string.find(M.link_state(), "UP", 1, true) do
    if M.now() - t0 > timeout_s then
      error("port " .. M.PORT .. " link still down after " .. timeout_s .. " s: is edfpipe running on the peer?")
    end
    pktgen.delay(200)
  end
  return M.link_state()
end

-- Sets the port's rate so that Pktgen paces exactly `pps` packets per second (a whole number).
-- Pktgen computes pps = floor(floor(link / wire bits) x rate / 100): rate 100 gives the first
-- factor, for the frames the port sends now (pcap, single packet: set them first). Pktgen's screen
-- thread clears the port's link record for a moment each time it refreshes it, and a rate computed
-- in that moment comes out as 0 pps and one burst every second or more: so the result is read back
-- and the rate set again until Pktgen's pps and send interval agree with the request.
-- Returns the pps Pktgen will pace, its line rate in pps and the percentage set.
function M.set_pps(pps)
  pps = math.floor(pps + 0.5)
  for _ = 1, 50 do
    pktgen.set(M.PORT, "rate", "100")
    pktgen.delay(20)
    local line = M.tx_pps()
    if line > 0 then
      local want = math.min(pps, line)
      local pct = math.min(100.0, 100.0 * (want + 0.5) / line)
      pktgen.set(M.PORT, "rate", string.format("%.10f", pct))
      pktgen.delay(20)
      local info = pktgen.portInfo(M.PORT)[M.PID].info
      local d = info.tx_debug
      -- tx_cycles = floor(TSC hz / pps) x burst: TSC hz comes out between 0.5 and 20 GHz
      local hz = d.tx_cycles / info.tx_burst * d.tx_pps
      if d.tx_pps == want and d.tx_cycles > 0 and (want < 100 or (hz > 5e8 and hz < 2e10)) then
        return want, line, pct
      end
    end
    pktgen.delay(50)
  end
  error("Pktgen does not take the rate: its link speed reads 0 (link " .. M.link_state() .. ")")
end

-- The single-packet template: UDP to `dport`, `size` bytes with CRC (Pktgen's sizes). Pktgen's
-- latency probes are built from it too (128 B, whatever `size`).
function M.set_template(dport, size)
  pktgen.set_proto(M.PORT, "udp")
  pktgen.set_type(M.PORT, "ipv4")
  pktgen.set_ipaddr(M.PORT, "dst", M.DST_IP)
  pktgen.set_ipaddr(M.PORT, "src", M.SRC_IP)
  pktgen.set_mac(M.PORT, "dst", M.DUT_MAC)
  pktgen.set(M.PORT, "sport", 10000)
  pktgen.set(M.PORT, "dport", dport)
  if size then pktgen.set(M.PORT, "size", size) end
end

-- Sends `count` packets at the rate set, from cleared counters; returns the seconds it took and
-- whether it stopped at `max_s` before the count was sent. `every_s(t)` runs about once a second.
function M.send(count, max_s, every_s)
  pktgen.set(M.PORT, "count", count)
  pktgen.clr()
  local t0 = M.now()
  local last, timed_out = t0, false
  pktgen.start(M.PORT)
  while pktgen.isSending(M.PORT)[M.PID] == "y" do
    pktgen.delay(10)
    local t = M.now()
    if t - t0 > max_s then
      pktgen.stop(M.PORT)
      timed_out = true
      break
    end
    if every_s and t - last >= 1.0 then
      last = t
      every_s(t - t0)
    end
  end
  return M.now() - t0, timed_out
end

-- Port counters once they have settled: Pktgen copies them once a second, so they are read every
-- 1.1 s until three reads in a row agree (unchanged for 2.2 s: packets still coming back from
-- edfpipe's queues included, and a refresh that came late), at most max_s.
function M.settle(max_s)
  local waited, same, prev = 0.0, 0, M.port_stats()
  while waited < max_s do
    pktgen.delay(1100)
    waited = waited + 1.1
    local cur = M.port_stats()
    if cur.opackets == prev.opackets and cur.ipackets == prev.ipackets then
      same = same + 1
      if same >= 2 then return cur, waited, true end
    else
      same = 0
    end
    prev = cur
  end
  return prev, waited, false
end

-- Pktgen's latency figures, as its latency page shows them (the page computes the average when it
-- is drawn, so show it before reading: M.show_latency_page).
function M.latency()
  local l = pktgen.pktStats(M.PORT)[M.PID].latency
  return { received = l.num_pkts, skipped = l.num_skipped, min_us = l.min_us, avg_us = l.avg_us,
           max_us = l.max_us, rate_ms = l.rate_ms }
end

function M.show_latency_page()
  pktgen.page("latency")
end

-- JSON for the result file (numbers, strings, booleans, arrays, objects with string keys).
local function json(v)
  local t = type(v)
  if t == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return string.format("%.6f", v)
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "table" then
    if #v > 0 or next(v) == nil then
      local out = {}
      for _, x in ipairs(v) do out[#out + 1] = json(x) end
      return "[" .. table.concat(out, ",") .. "]"
    end
    local keys, out = {}, {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do out[#out + 1] = json(tostring(k)) .. ":" .. json(v[k]) end
    return "{" .. table.concat(out, ",") .. "}"
  end
  return "null"
end
M.json = json

function M.write_result(result)
  local path = os.getenv("EDF_RESULT")
  if path == nil or path == "" then return end
  local tmp = path .. ".tmp"
  local f = assert(io.open(tmp, "w"))
  f:write(json(result), "\n")
  f:close()
  assert(os.rename(tmp, path))
end

function M.finish()
  if os.getenv("EDF_QUIT") == "1" then pktgen.quit() end
end

-- ------------------------------------------------------------------ the pcap scenarios

-- The scenario beside the replayed pcap (tools/pktgen/mkpcap writes FILE.pcap and FILE.pcap.lua).
function M.load_scenario(accept)
  local pcap = os.getenv("EDF_PCAP")
  if pcap == nil or pcap == "" then
    error("EDF_PCAP is not set: write the traffic with  tools/pktgen/mkpcap SCENARIO FILE.pcap,  start " ..
          "Pktgen with  -s " .. M.PORT .. ":FILE.pcap  and export EDF_PCAP=FILE.pcap (tools/pktgen/README)")
  end
  local ok, s = pcall(dofile, pcap .. ".lua")
  if not ok then error("cannot read the scenario " .. pcap .. ".lua (written by tools/pktgen/mkpcap): " .. tostring(s)) end
  local fine = false
  for _, name in ipairs(accept) do fine = fine or s.scenario == name end
  if not fine then
    error(pcap .. " holds the " .. s.scenario .. " scenario; this script runs " .. table.concat(accept, " or "))
  end
  return s
end

-- Frames of the file sent in order from its start, split per class: {count per class index + 1}.
function M.split_sent(s, frames_sent)
  local n = #s.sequence
  local full, rest = frames_sent // n, frames_sent % n
  local counts = {}
  for i, c in ipairs(s.classes) do counts[i] = full * c.per_cycle end
  for k = 1, rest do
    local i = s.sequence:byte(k) - 47 -- "0" -> 1
    counts[i] = counts[i] + 1
  end
  return counts
end

-- The latency probes Pktgen sent, from its byte count: the replayed frames go out in file order
-- with known sizes and a probe has probe_bytes, which no frame of the file has, so one number of
-- probes fits obytes (a check of the file order too: with no probes it must fit at 0). Returns
-- nil when none fits, or more than one does.
function M.probes_from_bytes(s, opackets, obytes, max_p)
  local n = #s.sizes
  local prefix = { [0] = 0 }
  for i = 1, n do prefix[i] = prefix[i - 1] + s.sizes[i] end
  local function bytes(frames) return (frames // n) * prefix[n] + prefix[frames % n] end
  local found, fits = nil, 0
  for p = 0, math.min(opackets, max_p) do
    if bytes(opackets - p) + p * s.probe_bytes == obytes then
      found, fits = p, fits + 1
    end
  end
  if fits == 1 then return found end
  return nil
end

-- Replays the pcap scenario for EDF_SECONDS at its total rate, with latency probes in the probe
-- class, and prints (and writes to EDF_RESULT) what Pktgen sent per class.
function M.run_pcap_scenario(accept)
  local s = M.load_scenario(accept)
  local seconds = math.tointeger(M.env_number("EDF_SECONDS", 10))
  if seconds == nil or seconds < 1 then error("EDF_SECONDS: a whole number of seconds (one file cycle each)") end
  local burst = M.env_number("EDF_BURST", 1)
  local latency_on = os.getenv("EDF_LATENCY") ~= "0"

  pktgen.stop(M.PORT)
  M.printf("\nedfpipe %s scenario on %s, port %s: waiting for the link\n", s.scenario, M.version(), M.PORT)
  local reniced = M.tame_timer_thread()
  local link = M.wait_link(30)
  pktgen.pcap(M.PORT, "on") -- started with -s PORT:FILE.pcap; a no-op without a pcap
  M.set_template(s.probe_dport) -- Pktgen's latency probes are built from the single-packet template
  pktgen.set(M.PORT, "burst", burst)
  local pps, line, pct = M.set_pps(s.total_pps)
  if pps ~= s.total_pps then
    error(string.format("Pktgen paces %d pps, not %d: is the port replaying %s (-s %s:%s)?", pps,
                        s.total_pps, s.pcap, M.PORT, s.pcap))
  end
  local count = s.total_pps * seconds
  M.printf("link %s; replaying %s (%d frames, one second) at %d pps = %.6f %% of %d pps, burst %d, " ..
           "%d packets (%d s); latency probes %s\n", link, s.pcap, s.frames, pps, pct, line, burst, count,
           seconds, latency_on and ("to " .. s.probe_class .. " (UDP " .. s.probe_dport .. ")") or "off")
  if #reniced > 0 then
    M.printf("Pktgen's timer thread (tid %s) at nice 19: it leaves its CPU to the RX/TX lcore\n",
             table.concat(reniced, ","))
  end
  pktgen.latency(M.PORT, latency_on and "enable" or "disable")
  M.show_latency_page()
  local elapsed, timed_out = M.send(count, 2 * seconds + 10, function(t)
    local c = M.port_stats() -- refreshed about once a second by Pktgen's timer thread
    M.printf("t=%5.1f s  sent %9d  back %9d  (Pktgen's counters, refreshed about once a second)\n", t,
             c.opackets, c.ipackets)
  end)
  local st, waited, settled = M.settle(15)
  local lat = M.latency()
  pktgen.latency(M.PORT, "disable")
  local probes_back = latency_on and (lat.received + lat.skipped) or 0
  local probes = M.probes_from_bytes(s, st.opackets, st.obytes, math.floor(110 * elapsed) + 10)
  local probes_from = "Pktgen's byte count"
  if probes == nil then
    probes, probes_from = probes_back, "the probes that came back (the byte count fits no number of probes)"
  end
  local sent = M.split_sent(s, st.opackets - probes)

  M.printf("sent %d packets in %.2f s (%.1f pps)%s; received %d; counters %s after %.1f s\n", st.opackets,
           elapsed, st.opackets / elapsed, timed_out and " -- STOPPED at the time limit" or "", st.ipackets,
           settled and "settled" or "NOT settled", waited)
  M.printf("%-12s %14s %14s %12s\n", "class", "requested pps", "sent (Pktgen)", "sent pps")
  local classes, probe_class_pps = {}, 0
  for i, c in ipairs(s.classes) do
    if c.name == s.probe_class then probe_class_pps = c.pps end
    local n = sent[i] + (c.name == s.probe_class and probes or 0)
    classes[#classes + 1] = { name = c.name, dport = c.dport, requested_pps = c.pps, sent = n,
                              probes = c.name == s.probe_class and probes or 0 }
    M.printf("%-12s %14.1f %14d %12.1f%s\n", c.name, c.pps, n, n / elapsed,
             c.name == s.probe_class and string.format("   (%d of them latency probes)", probes) or "")
  end
  local lost = st.opackets - st.ipackets
  M.printf("%-12s %14.1f %14d %12.1f   back %d, lost %d (%.3f %%)\n", "total", s.total_pps, st.opackets,
           st.opackets / elapsed, st.ipackets, lost, st.opackets > 0 and 100.0 * lost / st.opackets or 0)
  if latency_on and math.abs(probes - s.probe_pps * seconds) > 0.01 * probe_class_pps * seconds then
    M.printf("note: %d probes went out where the pcap left room for %d: the %s class is %+.1f pps off its " ..
             "request (fewer probes: Pktgen's RX/TX lcore was not running all the time)\n",
             probes, s.probe_pps * seconds, s.probe_class, (probes - s.probe_pps * seconds) / seconds)
  end
  if latency_on then
    M.printf("latency (Pktgen's probes to %s, UDP %d, round trip through edfpipe): %d sent (from %s), " ..
             "%d back in order, %d skipped (back out of order or after a lost one); min %.1f  avg %.1f  max %.1f us\n",
             s.probe_class, s.probe_dport, probes, probes_from, lat.received, lat.skipped, lat.min_us, lat.avg_us,
             lat.max_us)
  end
  M.write_result({ script = s.scenario, pktgen = M.version(), link = link, pcap = s.pcap, pps = pps,
                   rate_pct = pct, burst = burst, seconds = seconds, count = count, elapsed_s = elapsed,
                   timed_out = timed_out, settled = settled, opackets = st.opackets, ipackets = st.ipackets,
                   ierrors = st.ierrors, imissed = st.imissed, oerrors = st.oerrors, obytes = st.obytes,
                   probes = probes, probes_from = probes_from, probes_back = probes_back,
                   latency = latency_on and lat or nil, timer_thread_reniced = #reniced > 0,
                   probe_class = s.probe_class, probe_dport = s.probe_dport, probe_room = s.probe_pps * seconds,
                   classes = classes })
  pktgen.page("main")
  M.finish()
end

return M
