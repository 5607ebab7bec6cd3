-- Float arithmetic: Mandelbrot escape times (see benches/som/Mandel.som).
local function escape(cr, ci)
  local zr, zi, n = 0.0, 0.0, 0
  while n < 50 and zr * zr + zi * zi <= 4.0 do
    local t = zr * zr - zi * zi + cr
    zi = 2.0 * zr * zi + ci
    zr = t
    n = n + 1
  end
  return n
end

local function grid(size)
  local total = 0
  for y = 0, size - 1 do
    for x = 0, size - 1 do
      total = total + escape(x * 2.5 / size - 2.0, y * 2.5 / size - 1.25)
    end
  end
  return total
end

local M = {}
function M.benchmark(inner)
  local total = 0
  for _ = 1, inner do total = grid(60) end
  return total
end
function M.verify(r) return r == 60699 end
return M
