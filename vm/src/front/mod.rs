//! The front end: source text to bytecode. `lexer.rs` and `parser.rs` build the AST
//! (`ast.rs`) and report syntax errors with file, line and column; `compiler/` turns a
//! method's AST into `bytecode::Code` (inlining `ifTrue:`, `whileTrue:`, `to:do:` and
//! friends with fallbacks that keep their semantics). Nothing here knows a tier.

pub(crate) mod ast;
pub(crate) mod compiler;
#[cfg(test)]
mod fuzz_tests;
pub(crate) mod lexer;
pub(crate) mod parser;
