//! Tier 1, the baseline template JIT: one template per bytecode, emitted with iced-x86's
//! code assembler into the code cache (`native::code_cache`), on tier 0's frame layout.
//!
//! - `emit.rs`, `templates.rs`: the emitter and the template of each bytecode (inline
//!   small-integer and immediate-Double fast paths, compare+branch fusion);
//! - `encode.rs`: the encoder (each instruction encoded once, branches shortened after);
//! - `calls.rs`: the send template and the send stubs the sends of a method share:
//!   inline-cache probe, native calls between compiled methods, block `value:`;
//! - `prim_calls.rs`: sends whose inline-cache target is a primitive;
//! - `inline.rs`: templates that reach into heap objects in place (fields of self,
//!   `Array` `at:`/`at:put:`, context slots, trivial methods) through `object::layout`;
//! - `runtime.rs`: the `extern "C"` entry points JIT code calls; each is a thin wrapper
//!   over `runtime::semantics`, the one slow path every tier shares.
//!
//! When a method is compiled, and how JIT code is entered and left, is `native/`.

pub(crate) mod calls;
pub(crate) mod emit;
mod encode;
mod inline;
pub(crate) mod prim_calls;
pub(crate) mod runtime;
mod templates;
