"""Float arithmetic: Mandelbrot escape times (see benches/som/Mandel.som)."""


def escape(cr, ci):
    zr = zi = 0.0
    n = 0
    while n < 50 and zr * zr + zi * zi <= 4.0:
        t = zr * zr - zi * zi + cr
        zi = 2.0 * zr * zi + ci
        zr = t
        n += 1
    return n


def grid(size):
    total = 0
    for y in range(size):
        for x in range(size):
            total += escape(x * 2.5 / size - 2.0, y * 2.5 / size - 1.25)
    return total


def benchmark(inner):
    total = 0
    for _ in range(inner):
        total = grid(60)
    return total


def verify(result):
    return result == EXPECTED


EXPECTED = 60699
