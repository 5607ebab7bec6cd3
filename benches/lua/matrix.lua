-- Integer matrix multiplication (see benches/som/Matrix.som).
local function matrix(n, s)
  local m = {}
  for i = 1, n do
    local row = {}
    for j = 1, n do row[j] = (i * s + j * 13) % 17 - 8 end
    m[i] = row
  end
  return m
end

local function multiply(a, b)
  local n = #a
  local c = {}
  for i = 1, n do
    local row, ai = {}, a[i]
    for j = 1, n do
      local sum = 0
      for k = 1, n do sum = sum + ai[k] * b[k][j] end
      row[j] = sum
    end
    c[i] = row
  end
  return c
end

local M = {}
function M.benchmark(inner)
  local a, b = matrix(40, 3), matrix(40, 7)
  local trace = 0
  for _ = 1, inner do
    local c = multiply(a, b)
    trace = 0
    for i = 1, 40 do trace = trace + c[i][i] end
  end
  return trace
end
function M.verify(r) return r == -713 end
return M
