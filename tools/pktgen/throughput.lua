-- throughput.lua: the highest rate edfpipe --processing fwd forwards within a loss tolerance, for
-- 64 B and 1024 B frames (Pktgen sizes, CRC included), by bisection over short steps. One port,
-- Pktgen's single-packet template: UDP to the default class's port (best_effort, from
-- EDF_CLASS_PORTS: eval "$(tools/pktgen/class-ports)").
--   EDF_STEP_S (3)      seconds of traffic per step
--   EDF_STEPS (8)       steps per frame size: the first at the top of the search, then bisection
--   EDF_LOSS_PCT (0)    a step passes when lost <= this percentage of what was sent (0: none lost)
--   EDF_TRIALS (1)      tries of a rate before it fails: on a shared machine one stall of a few ms
--                       loses packets at Mpps whatever edfpipe does
--   EDF_SIZES ("64 1024")  frame sizes, bytes with CRC
--   EDF_MAX_PPS         the top of the search (default: Pktgen's line rate for the size)
-- Each step sends an exact count at the set rate from cleared counters, waits until Pktgen has
-- sent it (or stops it at 1.5 x the step time + 1 s: the generator fell behind), then reads the
-- counters once they have settled. A passing step is credited with what was actually sent per
-- second (count / time taken), not with the rate asked for.
-- edfpipe: edfpipe ... -- --processing fwd (compare dpdk-testpmd --forward-mode=io on the same
-- lcores and link with the same script). Commands: tools/pktgen/README; tools/pktgen/run throughput.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local E = require("edfpipe_common")
local printf = E.printf

local STEP_S = E.env_number("EDF_STEP_S", 3)
local STEPS = math.tointeger(E.env_number("EDF_STEPS", 8))
local LOSS_PCT = E.env_number("EDF_LOSS_PCT", 0)
local MAX_PPS = E.env_number("EDF_MAX_PPS", nil)
local BURST = E.env_number("EDF_BURST", 32)
local TRIALS = math.tointeger(E.env_number("EDF_TRIALS", 1))
local SIZES = {}
for s in string.gmatch(os.getenv("EDF_SIZES") or "64 1024", "%d+") do SIZES[#SIZES + 1] = tonumber(s) end

local function default_port()
  local v = os.getenv("EDF_CLASS_PORTS")
  if v == nil or v == "" then
    error("EDF_CLASS_PORTS is not set: run  eval \"$(tools/pktgen/class-ports)\"  where edfpipe is built " ..
          "(it reads edfpipe -- --dump-profile), or export the line it prints")
  end
  local port = v:match("best_effort=(%d+)")
  if port == nil then error("EDF_CLASS_PORTS has no best_effort=PORT: " .. v) end
  return tonumber(port)
end

local DPORT = tonumber(os.getenv("EDF_DPORT") or "") or default_port()

pktgen.stop(E.PORT)
printf("\nedfpipe throughput on %s, port %s: waiting for the link\n", E.version(), E.PORT)
local reniced = E.tame_timer_thread()
local link = E.wait_link(30)
pktgen.pcap(E.PORT, "off")
pktgen.latency(E.PORT, "disable")
pktgen.set(E.PORT, "burst", BURST)
printf("link %s; UDP to %d, burst %d; %g s per step, %d steps per size, %d trial(s) per step; a step " ..
       "passes with at most %g %% lost%s\n", link, DPORT, BURST, STEP_S, STEPS, TRIALS, LOSS_PCT,
       #reniced > 0 and "; Pktgen's timer thread at nice 19" or "")

local results = { script = "throughput", pktgen = E.version(), link = link, dport = DPORT, step_s = STEP_S,
                  steps = STEPS, trials = TRIALS, loss_pct = LOSS_PCT, burst = BURST, sizes = {} }

for _, size in ipairs(SIZES) do
  E.set_template(DPORT, size)
  local _, line = E.set_pps(1)
  local top = line
  if MAX_PPS and MAX_PPS < top then top = math.floor(MAX_PPS) end
  local lo, hi = 0, top
  local best, tried = nil, {}
  for step = 1, STEPS do
    local want = (step == 1) and hi or math.floor((lo + hi) / 2)
    if want < 1 or (step > 1 and hi - lo <= math.max(1, hi // 200)) then break end
    local pps = E.set_pps(want)
    local count = math.floor(pps * STEP_S + 0.5)
    local ok, cut, sent_pps
    for trial = 1, TRIALS do
      local elapsed, stopped = E.send(count, 1.5 * STEP_S + 1)
      local st, waited, settled = E.settle(10)
      local tx, rx = st.opackets, st.ipackets
      if tx == 0 then
        printf("%5d B  step %d: Pktgen sent nothing (link %s): waiting for the link, then again\n", size, step,
               E.link_state())
        E.wait_link(30)
        elapsed, stopped = E.send(count, 1.5 * STEP_S + 1)
        st, waited, settled = E.settle(10)
        tx, rx = st.opackets, st.ipackets
      end
      local lost = tx - rx
      cut, sent_pps = stopped, tx / elapsed
      ok = tx > 0 and settled and lost <= tx * LOSS_PCT / 100.0
      printf("%5d B  step %d%s: asked %10d pps, sent %10d in %6.2f s = %10.0f pps%s, back %10d, lost %8d " ..
             "(%.4f %%)%s  %s\n", size, step, TRIALS > 1 and ("." .. trial) or "", pps, tx, elapsed, sent_pps,
             cut and " (generator behind: stopped)" or "", rx, lost, tx > 0 and 100.0 * lost / tx or 0,
             settled and "" or " (counters not settled)", ok and "PASS" or "FAIL")
      tried[#tried + 1] = { asked_pps = pps, count = count, sent = tx, received = rx, lost = lost, trial = trial,
                            elapsed_s = elapsed, sent_pps = sent_pps, generator_behind = cut,
                            settled = settled, pass = ok, ierrors = st.ierrors, imissed = st.imissed }
      if ok then break end
    end
    -- Asking more than the generator sends tells nothing: the search goes on below what it sent.
    local got = cut and math.floor(sent_pps) or want
    if ok then
      if best == nil or sent_pps > best.sent_pps then best = tried[#tried] end
      lo = got
      if step == 1 or cut then break end
    else
      hi = got
    end
  end
  local entry = { size = size, line_pps = line, top_pps = top, steps = tried }
  if best then
    entry.best_sent_pps, entry.best_asked_pps = best.sent_pps, best.asked_pps
    entry.at_top = best.asked_pps == top
    entry.generator_limited = best.generator_behind or best.sent_pps < 0.98 * best.asked_pps
    printf("%5d B: highest passing rate: %.0f pps sent (%.3f Mpps)%s\n", size, best.sent_pps,
           best.sent_pps / 1e6,
           entry.generator_limited and " -- Pktgen sent less than asked: the generator's limit, not edfpipe's"
           or entry.at_top and " -- at the top of the search: the link's limit, not edfpipe's" or "")
  else
    local lowest = nil
    for _, t in ipairs(tried) do lowest = (lowest == nil or t.asked_pps < lowest) and t.asked_pps or lowest end
    printf("%5d B: no rate passed (%d tries, the lowest at %d pps)\n", size, #tried, lowest or 0)
  end
  results.sizes[#results.sizes + 1] = entry
end

E.write_result(results)
E.finish()
