"""Closures and early exits (see benches/som/Closures.som)."""


def index_of(value, array):
    for i, e in enumerate(array, 1):
        if e == value:
            return i
    return 0


def count(predicate, array):
    n = 0
    for e in array:
        if predicate(e):
            n += 1
    return n


def work():
    data = [i * 3 % 101 for i in range(1, 201)]
    total = 0
    for target in range(1, 201):
        total += index_of(target % 101, data)
    adders = [(lambda x, k=k: x + k) for k in range(1, 11)]
    for _ in data:
        for add in adders:
            total = add(total)
    return total + count(lambda e: e % 2 == 1, data)


def benchmark(inner):
    result = 0
    for _ in range(inner):
        result = work()
    return result


def verify(result):
    return result == EXPECTED


EXPECTED = 21234
