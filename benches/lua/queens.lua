-- The 8-queens puzzle (see benches/som/Queens.som).
local function solve(n)
  local columns, up, down = {}, {}, {}
  for i = 1, 2 * n do columns[i], up[i], down[i] = false, false, false end
  local function place(row)
    if row > n then return 1 end
    local count = 0
    for col = 1, n do
      if not (columns[col] or up[row + col] or down[row - col + n]) then
        columns[col], up[row + col], down[row - col + n] = true, true, true
        count = count + place(row + 1)
        columns[col], up[row + col], down[row - col + n] = false, false, false
      end
    end
    return count
  end
  return place(1)
end

local M = {}
function M.benchmark(inner)
  local c = 0
  for _ = 1, inner do c = solve(8) end
  return c
end
function M.verify(r) return r == 92 end
return M
