"""Runs one of our benchmarks: harness.py <Name> <iterations> <inner>; the same protocol
as benches/som/BenchHarness.som (one line per iteration with microseconds; status 1 on
a wrong result)."""
import importlib
import sys
import time


def main():
    if len(sys.argv) < 4:
        print("usage: harness.py <Name> <iterations> <inner>", file=sys.stderr)
        sys.exit(2)
    name, iterations, inner = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sys.setrecursionlimit(100000)
    bench = importlib.import_module(name.lower())
    for i in range(1, iterations + 1):
        start = time.perf_counter()
        result = bench.benchmark(inner)
        elapsed = int((time.perf_counter() - start) * 1e6)
        if not bench.verify(result):
            print(f"{name}: wrong result {result}", file=sys.stderr)
            sys.exit(1)
        print(f"{name}: iteration {i}: {elapsed}us", flush=True)


if __name__ == "__main__":
    main()
