-- Arrays: quicksort of pseudo-random integers (see benches/som/Sort.som).
local function sort(a, lo, hi)
  if not (lo < hi) then return end
  local pivot = a[(lo + hi) // 2]
  local i, j = lo, hi
  while i <= j do
    while a[i] < pivot do i = i + 1 end
    while a[j] > pivot do j = j - 1 end
    if i <= j then
      a[i], a[j] = a[j], a[i]
      i, j = i + 1, j - 1
    end
  end
  sort(a, lo, j)
  sort(a, i, hi)
end

local M = {}
function M.benchmark(inner)
  local total = 0
  for _ = 1, inner do
    local seed = 74755
    local data = {}
    for i = 1, 3000 do
      seed = (seed * 1309 + 13849) % 65536
      data[i] = seed
    end
    sort(data, 1, 3000)
    for i = 2, 3000 do if data[i - 1] > data[i] then return -1 end end
    total = 0
    for i = 1, 3000 do total = (total + i * data[i]) % 1000003 end
  end
  return total
end
function M.verify(r) return r == 539241 end
return M
