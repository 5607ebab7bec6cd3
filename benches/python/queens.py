"""The 8-queens puzzle (see benches/som/Queens.som)."""


def solve(n):
    columns = [False] * (n + 1)
    up = [False] * (2 * n + 1)
    down = [False] * (2 * n + 1)

    def place(row):
        if row > n:
            return 1
        count = 0
        for col in range(1, n + 1):
            if not (columns[col] or up[row + col] or down[row - col + n]):
                columns[col] = up[row + col] = down[row - col + n] = True
                count += place(row + 1)
                columns[col] = up[row + col] = down[row - col + n] = False
        return count

    return place(1)


def benchmark(inner):
    count = 0
    for _ in range(inner):
        count = solve(8)
    return count


def verify(result):
    return result == 92
