//! Sends whose inline-cache target is a primitive, called from tier-1 code without the
//! generic send machinery: the `Send` template finds the receiver's class in the cache
//! and the `PRIMITIVE` marker in the direct-call table, counts the send and saves the
//! frame's bytecode index itself, and calls `rt_primitive`, which runs the primitive as
//! tier 0's `Vm::call_primitive` does (same results, errors and backtraces, frames
//! pushed by `perform:` or `Method>>invokeOn:with:`, `restart`).

use super::runtime::*;
use crate::bytecode::MethodKind;
use crate::heap::MethodIdx;
use crate::vm::Vm;

/// `FastEntry::address` of a primitive method (`num_locals` unused): a send calls it
/// through `rt_primitive`.
pub(crate) const PRIMITIVE: u64 = 6;

/// The `FastEntry` of method kind `kind` when sends to it have a direct path in tier 1
/// (block evaluation, trivial methods, primitives); `None` for the others.
pub(crate) fn marker_entry(kind: &MethodKind) -> Option<FastEntry> {
    match kind {
        MethodKind::BlockValue => Some(FastEntry {
            address: BLOCK_VALUE,
            num_locals: 0,
        }),
        MethodKind::Trivial(t, _) => Some(trivial_entry(*t)),
        MethodKind::Primitive(_) => Some(FastEntry {
            address: PRIMITIVE,
            num_locals: 0,
        }),
        _ => None,
    }
}

/// A monomorphic or polymorphic inline-cache hit on primitive `method` with `argc`
/// arguments: JIT code counted the send (as `Vm::send` does) and saved the frame's
/// bytecode index. Answers as `rt_send` does: `CONTINUE`, `EXIT`, `RESTART`, or the
/// tier-1 entry of a frame the primitive pushed.
pub(crate) extern "C" fn rt_primitive(ctx: *mut JitCtx, method: u64, argc: u64) -> u64 {
    // SAFETY: called by JIT code with its live context.
    let (ctx, vm) = unsafe { enter(ctx) };
    let r = run_primitive(ctx, vm, method as MethodIdx, argc as usize);
    leave(ctx, vm, r)
}

#[inline(always)]
fn run_primitive(
    ctx: &JitCtx,
    vm: &mut Vm,
    method: MethodIdx,
    argc: usize,
) -> Result<u64, crate::error::Unwind> {
    let depth = vm.frames.len();
    let id = vm.frames.last().map(|f| f.id);
    let r = match vm.methods[method as usize].kind {
        MethodKind::Primitive(f) => vm.call_primitive(method, f, argc),
        // The table said primitive but the method changed since: the full invocation.
        _ => vm.invoke(method, argc),
    };
    send_status(ctx, vm, depth, id, r)
}
