//! The `som` command: argument parsing (`cli.rs`), running a program and turning its
//! end into an exit status (`run.rs`), and the one statistics table printed as text
//! and as JSON (`stats.rs`).

pub mod cli;
pub(crate) mod run;
pub(crate) mod stats;
