"""Arrays: quicksort of pseudo-random integers (see benches/som/Sort.som)."""


def sort(a, lo, hi):
    if not lo < hi:
        return
    pivot = a[(lo + hi) // 2]
    i, j = lo, hi
    while i <= j:
        while a[i] < pivot:
            i += 1
        while a[j] > pivot:
            j -= 1
        if i <= j:
            a[i], a[j] = a[j], a[i]
            i += 1
            j -= 1
    sort(a, lo, j)
    sort(a, i, hi)


def benchmark(inner):
    total = 0
    for _ in range(inner):
        seed = 74755
        data = [0] * 3001
        for i in range(1, 3001):
            seed = (seed * 1309 + 13849) % 65536
            data[i] = seed
        sort(data, 1, 3000)
        for i in range(2, 3001):
            if data[i - 1] > data[i]:
                return -1
        total = 0
        for i in range(1, 3001):
            total = (total + i * data[i]) % 1000003
    return total


def verify(result):
    return result == EXPECTED


EXPECTED = 539241
