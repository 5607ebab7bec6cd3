-- Recursive calls: naive Fibonacci (see benches/som/Fib.som).
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local M = {}
function M.benchmark(inner)
  local r = 0
  for _ = 1, inner do r = fib(22) end
  return r
end
function M.verify(r) return r == 17711 end
return M
