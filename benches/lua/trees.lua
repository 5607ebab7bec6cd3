-- Allocation-heavy code: complete binary trees (see benches/som/Trees.som).
local function build(depth)
  if depth == 0 then return { left = nil, right = nil } end
  return { left = build(depth - 1), right = build(depth - 1) }
end

local function count(node)
  if node.left == nil then return 1 end
  return 1 + count(node.left) + count(node.right)
end

local M = {}
function M.benchmark(inner)
  local c = 0
  for _ = 1, inner do c = count(build(12)) end
  return c
end
function M.verify(r) return r == 8191 end
return M
