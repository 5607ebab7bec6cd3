-- Integer loops: the sieve of Eratosthenes (see benches/som/Sieve.som).
local function primes_up_to(n)
  local composite = {}
  for i = 1, n do composite[i] = false end
  local count = 0
  for i = 2, n do
    if not composite[i] then
      count = count + 1
      for k = i * i, n, i do composite[k] = true end
    end
  end
  return count
end

local M = {}
function M.benchmark(inner)
  local count = 0
  for _ = 1, inner do count = primes_up_to(20000) end
  return count
end
function M.verify(r) return r == 2262 end
return M
