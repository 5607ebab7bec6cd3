//! som-profiler: the per-tier sampling profiler: folded stacks, flamegraphs, energy (library part; the binary is a thin front end).
