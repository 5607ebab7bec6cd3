-- Closures and early exits (see benches/som/Closures.som).
local function index_of(value, array)
  for i = 1, #array do if array[i] == value then return i end end
  return 0
end

local function count(predicate, array)
  local n = 0
  for i = 1, #array do if predicate(array[i]) then n = n + 1 end end
  return n
end

local function work()
  local data = {}
  for i = 1, 200 do data[i] = i * 3 % 101 end
  local total = 0
  for target = 1, 200 do total = total + index_of(target % 101, data) end
  local adders = {}
  for k = 1, 10 do adders[k] = function(x) return x + k end end
  for _ = 1, #data do
    for k = 1, #adders do total = adders[k](total) end
  end
  return total + count(function(e) return e % 2 == 1 end, data)
end

local M = {}
function M.benchmark(inner)
  local r = 0
  for _ = 1, inner do r = work() end
  return r
end
function M.verify(r) return r == 21234 end
return M
