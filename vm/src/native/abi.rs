//! The contract between machine code and the VM, in one place: the offset of every
//! field JIT code reads or writes (`JitCtx`, `Frame`, `Method`, `SendSite`, `BlockData`,
//! `Object`, `Counters`), all `repr(C)` and measured with `offset_of!` (object bodies:
//! `object::layout`); the tagged words JIT code compares with (nil, true, false); the
//! markers in the direct-call table; and the statuses runtime calls answer. No run-time
//! probing: a layout the VM did not choose cannot be read by machine code.

use super::context::JitCtx;
use crate::bytecode::{CacheEntry, Method, SendSite};
use crate::object::heap::{BlockData, Object};
use crate::runtime::vm::{Counters, Frame};
use crate::value::Value;
use std::mem::offset_of;

macro_rules! offsets {
    ($($name:ident = $field:ident),* $(,)?) => {
        $(pub(crate) const $name: i32 = offset_of!(JitCtx, $field) as i32;)*
    };
}

offsets!(
    CTX_VM = vm,
    CTX_STACK = stack,
    CTX_SP = sp,
    CTX_BP = bp,
    CTX_FRAME = frame,
    CTX_STATS = stats,
    CTX_FRAMES = frames,
    CTX_FRAMES_LEN = frames_len,
    CTX_FRAMES_LIMIT = frames_limit,
    CTX_STACK_END = stack_end,
    CTX_OBJECTS = objects,
    CTX_SITES = sites,
    CTX_FAST = fast,
    CTX_FAST_LEN = fast_len,
    CTX_NEXT_FRAME_ID = next_frame_id,
    CTX_BLOCK_SELF = block_self,
    CTX_BLOCK_OUTER = block_outer,
    CTX_STACK_LIMIT = stack_limit,
    CTX_ARRAY_CLASS = array_class,
    CTX_METHODS = methods,
    CTX_INT_CLASS = int_class,
    CTX_DOUBLE_CLASS = double_class,
);

pub(crate) const FRAME_SIZE: i32 = std::mem::size_of::<Frame>() as i32;
pub(crate) const FRAME_METHOD: i32 = offset_of!(Frame, method) as i32;
pub(crate) const FRAME_PC: i32 = offset_of!(Frame, pc) as i32;
pub(crate) const FRAME_BP: i32 = offset_of!(Frame, bp) as i32;
pub(crate) const FRAME_SELF: i32 = offset_of!(Frame, self_value) as i32;
pub(crate) const FRAME_CONTEXT: i32 = offset_of!(Frame, context) as i32;
pub(crate) const FRAME_OUTER: i32 = offset_of!(Frame, outer) as i32;
pub(crate) const FRAME_ID: i32 = offset_of!(Frame, id) as i32;
pub(crate) const FRAME_IS_BLOCK: i32 = offset_of!(Frame, is_block) as i32;
pub(crate) const FRAME_TIER: i32 = offset_of!(Frame, tier) as i32;
pub(crate) const METHOD_SIZE: i32 = std::mem::size_of::<Method>() as i32;
pub(crate) const METHOD_NUM_ARGS: i32 = offset_of!(Method, num_args) as i32;
pub(crate) const METHOD_INVOCATIONS: i32 = offset_of!(Method, invocations) as i32;
pub(crate) const BLOCK_METHOD: i32 = offset_of!(BlockData, method) as i32;
pub(crate) const BLOCK_RECEIVER: i32 = offset_of!(BlockData, receiver) as i32;
pub(crate) const BLOCK_OUTER: i32 = offset_of!(BlockData, outer) as i32;
pub(crate) const OBJECT_SIZE: i32 = std::mem::size_of::<Object>() as i32;
pub(crate) const OBJECT_CLASS: i32 = offset_of!(Object, class) as i32;
pub(crate) const SITE_SIZE: i32 = std::mem::size_of::<SendSite>() as i32;
pub(crate) const SITE_CACHED: i32 = offset_of!(SendSite, cached) as i32;
pub(crate) const SITE_MEGAMORPHIC: i32 = offset_of!(SendSite, megamorphic) as i32;
/// Offsets of inline-cache entry `i`'s class and method.
pub(crate) const fn site_entry(i: usize) -> (i32, i32) {
    let base = offset_of!(SendSite, cache) + i * std::mem::size_of::<CacheEntry>();
    (
        (base + offset_of!(CacheEntry, class)) as i32,
        (base + offset_of!(CacheEntry, method)) as i32,
    )
}
pub(crate) const STATS_MONOMORPHIC: i32 = offset_of!(Counters, sends_monomorphic) as i32;
pub(crate) const STATS_POLYMORPHIC: i32 = offset_of!(Counters, sends_polymorphic) as i32;
pub(crate) const STATS_MEGAMORPHIC: i32 = offset_of!(Counters, sends_megamorphic) as i32;

pub(crate) const COUNTERS_CLOCK: i32 = offset_of!(Counters, clock) as i32;
pub(crate) const COUNTERS_BYTECODES: i32 = offset_of!(Counters, bytecodes) as i32;
pub(crate) const METHOD_BACK_EDGES: i32 = offset_of!(Method, back_edges) as i32;

/// The tagged words of nil, true and false as machine-code immediates. JIT code tests
/// nil with `test reg, reg`, so nil must be 0.
pub(crate) const NIL_WORD: i32 = Value::NIL.0 as i32;
pub(crate) const TRUE_WORD: i32 = Value::TRUE.0 as i32;
pub(crate) const FALSE_WORD: i32 = Value::FALSE.0 as i32;
const _: () = assert!(NIL_WORD == 0);

/// What a runtime call answers JIT code (in rax).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Status {
    /// Go on at the next bytecode.
    Continue = 0,
    /// The frame changed or an error is in `JitCtx::error`: return to the dispatcher.
    Exit = 1,
    /// Take the bytecode's jump.
    Branch = 2,
    /// The send was `restart`: the sending frame starts over at bytecode 0 (its code
    /// jumps there instead of leaving through the dispatcher).
    Restart = 3,
    /// The send pushed a frame with tier-1 code: call `SendAnswer::entry` natively.
    Call = 4,
}

/// A send's answer from the runtime (rax:rdx): the status, and for `Status::Call` the
/// callee's tier-1 entry.
#[repr(C)]
pub(crate) struct SendAnswer {
    pub status: Status,
    pub entry: u64,
}

impl SendAnswer {
    pub(crate) fn status(status: Status) -> SendAnswer {
        SendAnswer { status, entry: 0 }
    }
}

/// `FastEntry::address` values that are not code: the kinds of target a send handles
/// without a native call (`num_locals` then holds the kind's operand).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Marker {
    /// The block evaluation primitive (the target is the receiver block's method).
    BlockValue = 1,
    /// A trivial method answering a constant (`num_locals`: the constant).
    TrivialConstant = 2,
    /// A trivial method answering `self`.
    TrivialSelf = 3,
    /// A trivial getter (`num_locals`: the field index).
    TrivialGetter = 4,
    /// A trivial setter (`num_locals`: the field index).
    TrivialSetter = 5,
    /// A primitive that pushes no frame: called through `rt_primitive`.
    Primitive = 6,
    /// `Array>>length`: answered inline for an Array body.
    ArrayLength = 7,
}

impl Marker {
    /// The largest marker (no code is at an address this low).
    pub(crate) const LAST: Marker = Marker::ArrayLength;
}
