"""Strings and hashing (see benches/som/StringHash.som)."""


def work():
    d = {}
    for i in range(1, 1001):
        d["key" + str(i)] = i
    hits = total = 0
    for i in range(1, 2001):
        key = "key" + str(i)
        if key in d:
            hits += 1
            total += d[key] + len(key)
    return hits * 1000000 + total


def benchmark(inner):
    result = 0
    for _ in range(inner):
        result = work()
    return result


def verify(result):
    return result == EXPECTED


EXPECTED = 1000506393
