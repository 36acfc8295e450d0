-- fifo.lua: the overload traffic again, for edfpipe started with --scheduling fifo. Compare the
-- high class's drops and latency in both edfpipe reports (docs/load-runs.md).
package.path = package.path .. ";tools/pktgen/?.lua;?.lua"
dofile("tools/pktgen/overload.lua")
