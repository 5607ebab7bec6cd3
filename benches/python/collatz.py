"""The longest Collatz chain (see benches/som/Collatz.som)."""


def longest_below(limit):
    best = best_start = 0
    for start in range(1, limit):
        n, steps = start, 0
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
        if steps > best:
            best, best_start = steps, start
    return best_start * 1000 + best


def benchmark(inner):
    best = 0
    for _ in range(inner):
        best = longest_below(3000)
    return best


def verify(result):
    return result == EXPECTED


EXPECTED = 2919216
