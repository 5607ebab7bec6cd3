-- Runs one of our benchmarks: lua5.4 harness.lua <Name> <iterations> <inner>; the same
-- protocol as benches/som/BenchHarness.som (one line per iteration with microseconds;
-- status 1 on a wrong result).
local dir = arg[0]:match("(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path

local name, iterations, inner = arg[1], tonumber(arg[2]), tonumber(arg[3])
if not inner then
  io.stderr:write("usage: harness.lua <Name> <iterations> <inner>\n")
  os.exit(2)
end
local bench = require(string.lower(name))
for i = 1, iterations do
  local start = os.clock()
  local result = bench.benchmark(inner)
  local elapsed = math.floor((os.clock() - start) * 1e6)
  if not bench.verify(result) then
    io.stderr:write(name .. ": wrong result " .. tostring(result) .. "\n")
    os.exit(1)
  end
  print(name .. ": iteration " .. i .. ": " .. elapsed .. "us")
  io.stdout:flush()
end
