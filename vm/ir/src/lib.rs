//! som-ir: the tier-2 SSA IR of the SOM VM, independent of the VM itself. It owns the
//! IR (typed entities, instructions with frame states), its one text form (printer and
//! parser), the verifier, the optimisation passes and their pipeline, the inlining
//! machinery, and the lowering to machine code with Cranelift (bytes, relocations by
//! runtime-helper id, and a deopt table). It knows no object layout: offsets, class
//! words, helper ids and method ids come from the VM's tier-2 builder as immediates.
#![deny(unsafe_code)]

pub mod dom;
pub mod entities;
pub mod function;
pub mod inst;
mod lexer;
pub mod lower;
pub mod parse;
pub mod passes;
pub mod print;
pub mod types;
pub mod verify;

#[cfg(test)]
mod text_tests;

pub use entities::{Block, FrameStateRef, Inst, Value, VirtualRef};
pub use function::{FrameState, Function, StateSlot, VirtualObject};
pub use inst::{BinOp, BlockCall, CheckedOp, FloatCC, GuardKind, InstData, IntCC, UnOp};
pub use parse::{parse_function, parse_functions, ParseError};
pub use types::Type;
pub use verify::{verify, VerifyError};
