-- The towers of Hanoi with legality checks (see benches/som/Towers.som).
local M = {}

function M.benchmark(inner)
  local moves = 0
  for _ = 1, inner do
    local pegs = { {}, {}, {} }
    for d = 14, 1, -1 do pegs[1][#pegs[1] + 1] = d end
    moves = 0
    local function move_disc(a, b)
      local from, target = pegs[a], pegs[b]
      local disc = from[#from]
      from[#from] = nil
      if not (#target == 0 or target[#target] > disc) then error("illegal move") end
      target[#target + 1] = disc
      moves = moves + 1
    end
    local function move(n, a, b, c)
      if n == 0 then return end
      move(n - 1, a, c, b)
      move_disc(a, b)
      move(n - 1, c, b, a)
    end
    move(14, 1, 3, 2)
  end
  return moves
end
function M.verify(r) return r == 16383 end
return M
