//! tiered-som's virtual machine: parser, bytecode compiler, tier-0 interpreter with
//! inline caches, precise GC, primitives and the embedded core library.
//!
//! Everything is `pub(crate)` except the command-line entry point (`cli::main`) and the
//! introspection API that tools use; tools must not reach past those.

mod access;
mod ast;
mod bytecode;
pub mod cli;
mod compiler;
mod disasm;
mod error;
mod fastpath;
#[cfg(test)]
mod fuzz_tests;
mod gc;
mod heap;
mod interp;
pub mod introspect;
mod io;
mod jit;
mod lexer;
mod loader;
mod numeric;
mod parser;
mod primitives;
mod run;
mod send;
mod stack;
mod stats;
mod value;
mod vm;

pub use error::{BacktraceFrame, SomError};
pub use run::Outcome;
pub use vm::{Options, Stats};
