-- wrk (4.x) script of tools/bench/server/compare.py: POSTs pre-formatted query bodies in rotation
-- and prints one machine-readable summary line.
--
--   wrk -t1 -c8 -d20s --timeout 10s --latency -s wrk_report.lua URL -- BODIES_FILE [BEARER_KEY]
--
-- BODIES_FILE holds one JSON document per line; every request is a POST of the next one. All
-- requests are formatted once in init(), so the per-request Lua cost is one table lookup and both
-- servers get byte-identical requests. BEARER_KEY, when given and not empty, adds
-- `Authorization: Bearer BEARER_KEY` to every request (Cortex needs it; ChromaDB without auth
-- ignores it, so both servers read the same header bytes). done() prints one line
-- `WRK_JSON {...}` with the counts and latency percentiles in microseconds.

local reqs = {}
local n = 0
local i = 0
local next_id = 0

function setup(thread)
   thread:set("thread_id", next_id)
   next_id = next_id + 1
end

function init(args)
   local path = args[1]
   assert(path ~= nil and path ~= "", "usage: wrk ... -s wrk_report.lua URL -- BODIES_FILE [BEARER_KEY]")
   local headers = {["Content-Type"] = "application/json"}
   if args[2] ~= nil and args[2] ~= "" then
      headers["Authorization"] = "Bearer " .. args[2]
   end
   local f = assert(io.open(path, "r"))
   for line in f:lines() do
      if #line > 0 then
         n = n + 1
         reqs[n] = wrk.format("POST", nil, headers, line)
      end
   end
   f:close()
   assert(n > 0, "no bodies in " .. path)
   -- threads start at different places in the rotation
   i = ((thread_id or 0) * 37) % n
end

function request()
   i = i % n + 1
   return reqs[i]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "p50": %d, "p75": %d, "p90": %d, ' ..
      '"p99": %d, "p999": %d, "max": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.stdev,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9), latency.max))
end
