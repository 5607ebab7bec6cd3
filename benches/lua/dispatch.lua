-- Message sends and polymorphism (see benches/som/Dispatch.som).
local function class(parent)
  local c = {}
  c.__index = c
  if parent then setmetatable(c, { __index = parent }) end
  return c
end

local Shape = class()
local Square = class(Shape)
function Square.new(s) return setmetatable({ side = s }, Square) end
function Square:area() return self.side * self.side end
function Square:perimeter() return 4 * self.side end
function Square:scaled(f) return Square.new(self.side * f) end

local Rect = class(Shape)
function Rect.new(w, h) return setmetatable({ w = w, h = h }, Rect) end
function Rect:area() return self.w * self.h end
function Rect:perimeter() return 2 * (self.w + self.h) end
function Rect:scaled(f) return Rect.new(self.w * f, self.h * f) end

local Triangle = class(Shape)
function Triangle.new(b, h) return setmetatable({ b = b, h = h }, Triangle) end
function Triangle:area() return self.b * self.h // 2 end
function Triangle:perimeter() return self.b * 3 end
function Triangle:scaled(f) return Triangle.new(self.b * f, self.h * f) end

local Circle = class(Shape)
function Circle.new(r) return setmetatable({ r = r }, Circle) end
function Circle:area() return 3 * self.r * self.r end
function Circle:perimeter() return 6 * self.r end
function Circle:scaled(f) return Circle.new(self.r * f) end

local function shape_for(i)
  local k = i % 4
  if k == 0 then return Square.new(i % 10 + 1) end
  if k == 1 then return Rect.new(i % 7 + 1, i % 5 + 1) end
  if k == 2 then return Triangle.new(i % 9 + 1, i % 3 + 2) end
  return Circle.new(i % 6 + 1)
end

local M = {}
function M.benchmark(inner)
  local shapes = {}
  for i = 1, 400 do shapes[i] = shape_for(i) end
  local total = 0
  for _ = 1, inner do
    total = 0
    for i = 1, #shapes do
      local s = shapes[i]
      total = total + s:area() + s:perimeter() + s:scaled(2):area()
    end
  end
  return total
end
function M.verify(r) return r == 61696 end
return M
