-- Strings and hashing (see benches/som/StringHash.som).
local function work()
  local d = {}
  for i = 1, 1000 do d["key" .. i] = i end
  local hits, total = 0, 0
  for i = 1, 2000 do
    local key = "key" .. i
    local v = d[key]
    if v ~= nil then
      hits = hits + 1
      total = total + v + #key
    end
  end
  return hits * 1000000 + total
end

local M = {}
function M.benchmark(inner)
  local r = 0
  for _ = 1, inner do r = work() end
  return r
end
function M.verify(r) return r == 1000506393 end
return M
