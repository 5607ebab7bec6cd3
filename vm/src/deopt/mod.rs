//! Deoptimization (not built yet; this is its home and its contract, from DESIGN.md).
//!
//! Entry: tier-2 code that fails a guard returns a deopt id with the values its frame
//! state names stored in a buffer. This module then writes one tier-0 frame per
//! activation in the frame state chain (outermost first: the physical frame, then
//! each inlined callee), re-materializes virtual objects the frame states describe,
//! and resumes the interpreter at the innermost bytecode index; a frame rebuilt here
//! is indistinguishable from one tier 0 pushed (same slots, header, clock and
//! counters), so tools see no difference after a deopt.
//!
//! Policy: every deopt is counted with its reason and location (an event tools see);
//! a guard that keeps failing is recompiled without its speculation, and a method that
//! keeps deoptimizing stays in tier 1 with its reason logged. Lazy invalidation (a
//! method or class changed under an assumption) is a dependency epoch checked when
//! control returns into optimized code, not return-address patching.
