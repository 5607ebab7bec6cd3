//! Sends whose inline-cache target is a primitive that pushes no frame (all but
//! `perform:` and friends and `Method>>invokeOn:with:`, which take the generic `rt_send`
//! path): the `Send` template finds the receiver's class in the cache and the
//! `Marker::Primitive` in the direct-call table, counts the send and saves the frame's
//! bytecode index itself, and calls `rt_primitive`, which runs the primitive as tier
//! 0's `Vm::call_primitive` does (same results, errors and backtraces, `restart`). No
//! frame field of the sender's is saved on the machine stack: the call answers only
//! `Status::Continue`, `Status::Restart` or `Status::Exit`.
//!
//! A primitive that answers a value leaves the frames alone, so the context needs only
//! its stack pointer, frame count and tables refreshed (`sync_after_value`), not the
//! full `JitCtx::sync_out`; anything else (an error, `restart`, a moved buffer, an
//! exhausted heap) takes the full one. `PushBlock` (`rt_push_block`) is the same kind
//! of call: it allocates the block and answers it, frames untouched.

use super::runtime::*;
use crate::bytecode::MethodKind;
use crate::object::heap::MethodIdx;
use crate::runtime::primitives::Prim;
use crate::runtime::vm::Vm;
use crate::tier0::Flow;
use std::sync::atomic::{compiler_fence, Ordering};

/// The `FastEntry` of method kind `kind` when sends to it have a direct path in tier 1
/// (block evaluation, trivial methods, primitives); `None` for the others.
pub(crate) fn marker_entry(kind: &MethodKind) -> Option<FastEntry> {
    match kind {
        MethodKind::BlockValue => Some(FastEntry {
            address: Marker::BlockValue as u64,
            num_locals: 0,
        }),
        MethodKind::Trivial(t, _) => Some(trivial_entry(*t)),
        MethodKind::Primitive(f) if crate::runtime::primitives::is_array_length(*f) => {
            Some(FastEntry {
                address: Marker::ArrayLength as u64,
                num_locals: 0,
            })
        }
        MethodKind::Primitive(f) if !crate::runtime::primitives::may_push_frame(*f) => {
            Some(FastEntry {
                address: Marker::Primitive as u64,
                num_locals: 0,
            })
        }
        _ => None,
    }
}

/// A monomorphic or polymorphic inline-cache hit on primitive `method` with `argc`
/// arguments: JIT code counted the send (as `Vm::send` does) and saved the frame's
/// bytecode index. Answers `Status::Continue`, `Status::Restart` (as `rt_send` does: the sender starts
/// over at bytecode 0) or `Status::Exit` (an error, or a frame the primitive pushed after all:
/// the dispatcher runs it).
pub(crate) extern "C" fn rt_primitive(ctx: *mut JitCtx, method: u64, argc: u64) -> Status {
    // SAFETY: called by JIT code with its live context.
    let (ctx, vm) = unsafe { enter(ctx) };
    let (method, argc) = (method as MethodIdx, argc as usize);
    let (depth, id, r) = match vm.methods[method as usize].kind {
        MethodKind::Primitive(f) => {
            let answer = f(vm, argc);
            match answer {
                Ok(Prim::Value(v)) => {
                    // A value owns nothing: no call of the answer's drop glue.
                    std::mem::forget(answer);
                    vm.drop_values(argc + 1);
                    vm.push(v);
                    if sync_after_value(ctx, vm) {
                        return Status::Continue;
                    }
                    return leave(ctx, vm, Ok(Status::Continue));
                }
                // The frames are still the sender's: a primitive only asks for a change.
                answer => {
                    let (depth, id) = top(vm);
                    (depth, id, vm.primitive_outcome(method, answer, argc))
                }
            }
        }
        // The table said primitive but the method changed since: the full invocation.
        _ => {
            let (depth, id) = top(vm);
            (depth, id, vm.invoke(method, argc))
        }
    };
    let status = r.map(|flow| match flow {
        Flow::Continue => Status::Continue,
        Flow::Switch if restarted(vm, depth, id) => Status::Restart,
        Flow::Switch => Status::Exit,
    });
    leave(ctx, vm, status)
}

/// `PushBlock` of the block whose method is `method`, as tier 0 does it: a new block
/// closing over the top frame, pushed. Answers `Status::Continue` (the allocation cannot fail;
/// an exhausted heap is reported by the next send or back-edge, as in tier 0).
pub(crate) extern "C" fn rt_push_block(ctx: *mut JitCtx, method: u64) -> Status {
    // SAFETY: called by JIT code with its live context.
    let (ctx, vm) = unsafe { enter(ctx) };
    let block = vm.new_block(method as MethodIdx, u32::MAX);
    vm.push(block);
    if sync_after_value(ctx, vm) {
        return Status::Continue;
    }
    leave(ctx, vm, Ok(Status::Continue))
}

/// The frame count and the top frame's id.
fn top(vm: &Vm) -> (usize, Option<u64>) {
    (vm.frames.len(), vm.frames.last().map(|f| f.id))
}

/// The part of `JitCtx::sync_out` a primitive that answered a value needs: the stack
/// pointer, the frame count handed back to JIT code, the top frame and the tables an
/// allocation or a class load may have moved. The frame and stack buffers and the
/// frame limit are the ones the context already describes unless a buffer moved or the
/// heap ran out (then this answers false, nothing done: use `sync_out`). The
/// direct-call table changes only when the dispatcher compiles or forgets code, never
/// inside a primitive.
#[inline(always)]
fn sync_after_value(ctx: &mut JitCtx, vm: &mut Vm) -> bool {
    let len = vm.stack.len();
    if vm.oom
        || ctx.frames_limit == 0
        || vm.stack.as_mut_ptr() != ctx.stack
        || vm.frames.as_mut_ptr() != ctx.frames
        || vm.stack.capacity() - len < 2 * ctx.headroom
    {
        return false;
    }
    compiler_fence(Ordering::SeqCst);
    // SAFETY: `len` is within the buffer `ctx.stack` points at (checked above).
    ctx.sp = unsafe { ctx.stack.add(len) };
    ctx.frames_len = vm.frames.len();
    // Native frame pushes leave `bp` and `frame` behind (JIT code keeps them in r14
    // and rbp), and JIT code reloads both after a runtime call.
    if let Some(f) = vm.frames.last_mut() {
        // SAFETY: a frame's `bp` is a valid stack index.
        ctx.bp = unsafe { ctx.stack.add(f.bp as usize) };
        ctx.frame = f;
    }
    ctx.objects = vm.heap.objects.as_ptr();
    ctx.sites = vm.sites.as_ptr();
    ctx.methods = vm.methods.as_ptr();
    ctx.array_class = array_class(vm);
    true
}
