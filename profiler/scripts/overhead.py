#!/usr/bin/env python3
"""som-prof's overhead: each benchmark of benches/som at its default inner size, run
alternately by `som` and by `som-prof record` (time mode, default 997 Hz), REPS processes
each, 5 iterations per process (the first dropped as warm-up). Compares the fastest
iteration of each (the minimum is robust on a shared, loaded machine, where iteration times
are bimodal) and prints the geometric mean of profiled/unprofiled.

With BASELINE `som-prof-1hz` the unprofiled runs are `som-prof record --hz 1` instead of
`som`: the same binary (same code layout) with no sample in a run this short, so the ratio
is the sampler's own cost.

usage: profiler/scripts/overhead.py [REPS] [HZ] [som|som-prof-1hz]   (from the repository
       root, after cargo build --release -p som-vm -p som-profiler -p som-benches)"""
import math, re, subprocess, sys, tempfile

REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
HZ = sys.argv[2] if len(sys.argv) > 2 else "997"
BASELINE = sys.argv[3] if len(sys.argv) > 3 else "som"
B = "benches/som"
SOM, PROF, BENCH = "target/release/som", "target/release/som-prof", "target/release/som-bench"

def sizes():
    out = subprocess.run([BENCH, "list"], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        words = line.split()
        if len(words) >= 3 and words[1] == "inner" and words[2].isdigit():
            found[words[0]] = words[2]
    return found

def iterations(cmd, name, inner):
    args = cmd + ["-cp", B, B + "/BenchHarness.som", name, "5", inner]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return [float(t) for t in re.findall(r"iteration \d+: (\d+)us", out)][1:]

def main():
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        prof = [PROF, "record", "--hz", HZ, "-o", tmp]
        base = [PROF, "record", "--hz", "1", "-o", tmp] if BASELINE == "som-prof-1hz" else [SOM]
        for name, inner in sizes().items():
            plain, profiled = [], []
            for _ in range(REPS):
                plain += iterations(base, name, inner)
                profiled += iterations(prof, name, inner)
            ratio = min(profiled) / min(plain)
            ratios.append(ratio)
            print(f"{name:12} {BASELINE} {min(plain):8.0f} us  som-prof {min(profiled):8.0f} us  {ratio:.3f}")
    print(f"geometric mean profiled/unprofiled: {math.exp(sum(map(math.log, ratios)) / len(ratios)):.4f}")

main()
