//! The one slow path of every bytecode and primitive operation, shared by every tier:
//! tier 0 calls these after its inline fast path, tier 1's runtime helpers are thin
//! wrappers over them, and tier 2 will call them too. Architecture invariant: no other
//! copy of these semantics exists in the VM (machine code may repeat a small-integer
//! fast path, and the differential tests check it against these).
//!
//! - `arith.rs`: operator bytecodes (small-integer results with overflow, Doubles as
//!   the core library defines them, the fallback send);
//! - `loops.rs`: inlined counting loops on their named slots (`bytecode::LoopSlots`);
//! - `access.rs`: fields of self, context slots, creator-frame variables;
//! - `inline_sends.rs`: core Array `at:`/`at:put:` and the inlined `ifNil:` family.
//!
//! Frame push, send counting, lookup and inline caches are `runtime::send`; globals
//! and non-local return are there too.

pub(crate) mod access;
pub(crate) mod arith;
pub(crate) mod inline_sends;
pub(crate) mod loops;
