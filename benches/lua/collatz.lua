-- The longest Collatz chain (see benches/som/Collatz.som).
local function longest_below(limit)
  local best, best_start = 0, 0
  for start = 1, limit - 1 do
    local n, steps = start, 0
    while n ~= 1 do
      if n % 2 == 0 then n = n // 2 else n = 3 * n + 1 end
      steps = steps + 1
    end
    if steps > best then best, best_start = steps, start end
  end
  return best_start * 1000 + best
end

local M = {}
function M.benchmark(inner)
  local r = 0
  for _ = 1, inner do r = longest_below(3000) end
  return r
end
function M.verify(r) return r == 2919216 end
return M
