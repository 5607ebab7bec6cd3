-- Breadth-first search over a grid of node objects (see benches/som/Graph.som).
local function link(a, b)
  a.neighbours[#a.neighbours + 1] = b
  b.neighbours[#b.neighbours + 1] = a
end

local function work(size)
  local nodes = {}
  for i = 1, size * size do nodes[i] = { neighbours = {}, distance = nil } end
  for y = 0, size - 1 do
    for x = 0, size - 1 do
      local node = nodes[y * size + x + 1]
      if x > 0 then link(node, nodes[y * size + x]) end
      if y > 0 then link(node, nodes[(y - 1) * size + x + 1]) end
    end
  end
  nodes[1].distance = 0
  local queue, head = { nodes[1] }, 1
  while head <= #queue do
    local node = queue[head]
    head = head + 1
    for _, n in ipairs(node.neighbours) do
      if n.distance == nil then
        n.distance = node.distance + 1
        queue[#queue + 1] = n
      end
    end
  end
  local sum = 0
  for i = 1, #nodes do sum = sum + nodes[i].distance end
  return sum
end

local M = {}
function M.benchmark(inner)
  local r = 0
  for _ = 1, inner do r = work(40) end
  return r
end
function M.verify(r) return r == 62400 end
return M
