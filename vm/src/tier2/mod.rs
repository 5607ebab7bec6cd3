//! Tier 2, the optimizing JIT (not built yet; this is its home and its contract, from
//! DESIGN.md). It will build an SSA IR from a method's bytecode plus the type feedback
//! its inline caches hold, inline monomorphic and polymorphic sends and literal blocks
//! under a size budget, speculate on small integers and doubles behind guards, and
//! generate code with Cranelift into `native::code_cache`.
//!
//! The contract it must keep:
//! - Every guard and every call that can invalidate carries a frame state chain:
//!   method, bytecode index, each local and stack slot as an SSA value, a constant or
//!   a virtual (scalar-replaced) object, then the caller's state per inlined
//!   activation. A failing guard branches to an ordinary cold block that stores what
//!   the frame state names and returns a deopt id; `deopt/` rebuilds tier-0 frames.
//! - GC references live in VM-stack slots at safepoints, as in tiers 0 and 1.
//! - The logical clock advances exactly as tier 0 advances it (a block's total may be
//!   added once at block entry), and every counter a tool reads
//!   (`Method::invocations`, back-edges, inline-cache hits) is the same as in tier 0:
//!   slow paths call `runtime::semantics`, never a copy of it.
//! - Object access goes through `object::layout`, never a hard-coded offset.
