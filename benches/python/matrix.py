"""Integer matrix multiplication (see benches/som/Matrix.som)."""


def matrix(n, s):
    return [[(i * s + j * 13) % 17 - 8 for j in range(1, n + 1)] for i in range(1, n + 1)]


def multiply(a, b):
    n = len(a)
    c = []
    for i in range(n):
        ai = a[i]
        row = []
        for j in range(n):
            total = 0
            for k in range(n):
                total += ai[k] * b[k][j]
            row.append(total)
        c.append(row)
    return c


def benchmark(inner):
    a, b = matrix(40, 3), matrix(40, 7)
    trace = 0
    for _ in range(inner):
        c = multiply(a, b)
        trace = sum(c[i][i] for i in range(40))
    return trace


def verify(result):
    return result == EXPECTED


EXPECTED = -713
