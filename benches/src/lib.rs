//! som-benches as a library: the suite list, the child-process runner with the harness
//! protocol parser, and the summary statistics, shared by `som-bench` and `som-regress`.

pub mod runner;
pub mod stats;
pub mod suite;
