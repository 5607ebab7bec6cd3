//! tiered-som's virtual machine: the front end (source to bytecode), the runtime every
//! tier shares, tier 0 (the interpreter), tier 1 (the baseline JIT), the homes of tier 2
//! and deoptimization, the collector, and the introspection API tools use.
//!
//! Everything is `pub(crate)` except the command-line entry point (`driver::cli::main`)
//! and the introspection API (`introspect`); tools must not reach past those. Where
//! each part lives and the invariants between them: ARCHITECTURE.md.

mod bytecode;
mod deopt;
pub mod driver;
mod front;
mod gc;
mod ids;
pub mod introspect;
mod native;
mod object;
mod observe;
mod runtime;
mod tier0;
mod tier1;
mod tier2;
mod value;
