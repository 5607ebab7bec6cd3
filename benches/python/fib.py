"""Recursive calls: naive Fibonacci (see benches/som/Fib.som)."""


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def benchmark(inner):
    result = 0
    for _ in range(inner):
        result = fib(22)
    return result


def verify(result):
    return result == 17711
