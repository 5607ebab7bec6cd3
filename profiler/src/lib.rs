//! som-profiler: the per-tier sampling profiler: folded stacks, flamegraphs, energy
//! (library part; the binary is a thin front end).
//!
//! It sees the VM only through `som_vm::introspect`: `Machine::run_sampled` (a SIGPROF
//! timer on the VM thread's CPU clock, samples copied by an async-signal-safe handler)
//! for `--mode time`, a logical-clock [`clock::ClockSampler`] monitor for `--mode clock`.
//! Samples become folded stacks ([`stacks`]); every report (flamegraph, JSON, speedscope,
//! text summary, diff) is computed from them. It never parses VM text output.

pub mod calibrate;
pub mod clock;
pub mod diff;
pub mod energy;
pub mod firefox;
pub mod flamegraph;
pub mod jit_log;
pub mod record;
pub mod report;
pub mod speedscope;
pub mod stacks;
