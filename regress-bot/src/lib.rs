//! som-regress-bot: the regression bot. It generates seeded benchmark programs that check
//! their own results, runs them differentially across tiers and shrinks disagreements,
//! measures commits in git worktrees, stores every value in SQLite, decides significance
//! against measured noise, bisects, and writes the pull-request report. It drives the
//! `som` binary as a child process and never parses the VM's human-readable output.

pub mod bisect;
pub mod build;
pub mod changepoints;
pub mod explain;
pub mod fuzz;
pub mod generate;
pub mod git;
pub mod history_svg;
pub mod machine;
pub mod mann_whitney;
pub mod measure;
pub mod noise_check;
pub mod prng;
pub mod program;
pub mod report;
pub mod run;
pub mod rusage;
pub mod shrink;
pub mod store;
pub mod structural;
pub mod suite;
pub mod tiers;
pub mod verdict;
pub mod vm_run;
