"""Integer loops: the sieve of Eratosthenes (see benches/som/Sieve.som)."""


def primes_up_to(n):
    composite = [False] * (n + 1)
    count = 0
    for i in range(2, n + 1):
        if not composite[i]:
            count += 1
            for k in range(i * i, n + 1, i):
                composite[k] = True
    return count


def benchmark(inner):
    count = 0
    for _ in range(inner):
        count = primes_up_to(20000)
    return count


def verify(result):
    return result == 2262
