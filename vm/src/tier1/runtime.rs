//! The runtime side of tier 1: the `JitCtx` block that JIT code and the dispatcher
//! share, and the `extern "C"` helpers JIT code calls.
//!
//! Two kinds of helper. *Leaf* helpers (`leaf_*`) take the `Vm` pointer and values,
//! never allocate, never touch the VM stack or frames, and answer a value (and an ok
//! flag); JIT code calls them without spilling anything. *Runtime calls* (`rt_*`) may
//! allocate, send, push or pop frames or fail: JIT code stores its stack pointer in the
//! context first (so every reference it holds is in a VM stack slot the GC sees), and
//! reloads its registers afterwards. They answer a status: `Status::Continue` (go on at the next
//! bytecode), `Status::Exit` (the frame changed or an error is in `JitCtx::error`: return to the
//! dispatcher) or `Status::Branch` (take the bytecode's jump). The shared `JitCtx` lives in
//! `context.rs`.

use crate::bytecode::{Bytecode, LoopSlots, NilTestMode};
use crate::ids::MethodId;
use crate::ids::SendSiteId;
pub(crate) use crate::native::abi::*;
pub(crate) use crate::native::context::*;
use crate::runtime::error::Unwind;
use crate::runtime::semantics::arith::{float_binop, BinOp, FloatAnswer};
use crate::runtime::vm::Vm;
use crate::tier0::Flow;
use crate::value::Value;

/// The `extern "C"` functions machine code calls, by address and name (for tools that
/// name calls in a disassembly).
pub(crate) fn entry_points() -> Vec<(u64, &'static str)> {
    use super::prim_calls::{rt_primitive, rt_push_block};
    let f = |p: *const (), name| (p as u64, name);
    vec![
        f(rt_send as *const (), "rt_send"),
        f(rt_send_bytecode as *const (), "rt_send_bytecode"),
        f(rt_bytecode as *const (), "rt_bytecode"),
        f(rt_out_of_memory as *const (), "rt_out_of_memory"),
        f(rt_primitive as *const (), "rt_primitive"),
        f(rt_push_block as *const (), "rt_push_block"),
        f(leaf_context_get as *const (), "leaf_context_get"),
        f(leaf_context_set as *const (), "leaf_context_set"),
        f(leaf_global as *const (), "leaf_global"),
        f(leaf_trivial as *const (), "leaf_trivial"),
        f(leaf_float as *const (), "leaf_float"),
        f(leaf_nil_test as *const (), "leaf_nil_test"),
    ]
}

/// The `FastEntry` of a trivial method.
pub(crate) fn trivial_entry(t: crate::bytecode::Trivial) -> FastEntry {
    use crate::bytecode::Trivial;
    let (marker, num_locals) = match t {
        Trivial::Constant(v) => (Marker::TrivialConstant, v.0),
        Trivial::ReturnSelf => (Marker::TrivialSelf, 0),
        Trivial::Getter(i) => (Marker::TrivialGetter, i as u64),
        Trivial::Setter(i) => (Marker::TrivialSetter, i as u64),
    };
    FastEntry {
        address: marker as u64,
        num_locals,
    }
}

/// A value and an ok flag, answered in rax:rdx.
#[repr(C)]
pub(crate) struct Pair {
    pub value: u64,
    pub ok: u64,
}

/// Leaves a runtime call with `result` (an error becomes `Status::Exit`).
#[inline(always)]
pub(super) fn leave(ctx: &mut JitCtx, vm: &mut Vm, result: Result<Status, Unwind>) -> Status {
    ctx.sync_out(vm);
    match result {
        Ok(status) => status,
        Err(e) => fail(ctx, e),
    }
}

#[cold]
fn fail(ctx: &mut JitCtx, e: Unwind) -> Status {
    ctx.error = Some(e);
    Status::Exit
}

pub(super) fn flow(f: Flow) -> Status {
    match f {
        Flow::Continue => Status::Continue,
        Flow::Switch => Status::Exit,
    }
}

/// `Send` from a send stub (the clock was advanced by the JIT code): the site as its
/// byte offset in the sites (`JitCtx::sites`), the pc after the send.
pub(crate) extern "C" fn rt_send(ctx: *mut JitCtx, site_offset: u64, next_pc: u64) -> SendAnswer {
    // SAFETY: called by JIT code with its live context.
    let (ctx, vm) = unsafe { enter(ctx) };
    let site = site_offset / SITE_SIZE as u64;
    vm.save_pc(next_pc as usize);
    let depth = vm.frames.len();
    let id = vm.frames.last().map(|f| f.id);
    let r = vm.send_fast(SendSiteId::from_u32(site as u32));
    let r = send_answer(ctx, vm, depth, id, r);
    leave_send(ctx, vm, r)
}

/// Leaves a send's runtime call with `result` (an error becomes `Status::Exit`).
fn leave_send(ctx: &mut JitCtx, vm: &mut Vm, result: Result<SendAnswer, Unwind>) -> SendAnswer {
    ctx.sync_out(vm);
    match result {
        Ok(answer) => answer,
        Err(e) => SendAnswer::status(fail(ctx, e)),
    }
}

/// The answer to a send made by the frame that was on top (`depth` frames, the top one
/// `id`): a frame it pushed is answered as its tier-1 entry (`Status::Call`),
/// `restart` as `Status::Restart`.
#[inline(always)]
fn send_answer(
    ctx: &JitCtx,
    vm: &mut Vm,
    depth: usize,
    id: Option<u64>,
    r: Result<Flow, Unwind>,
) -> Result<SendAnswer, Unwind> {
    match r {
        Ok(Flow::Switch) if vm.frames.len() == depth + 1 => Ok(native_entry(ctx, vm)),
        Ok(Flow::Switch) if restarted(vm, depth, id) => Ok(SendAnswer::status(Status::Restart)),
        other => other.map(|f| SendAnswer::status(flow(f))),
    }
}

/// Whether the frame that sent (`depth` frames, the top one `id`) is still on top and
/// starts over at bytecode 0: the send was `restart`.
pub(super) fn restarted(vm: &Vm, depth: usize, id: Option<u64>) -> bool {
    vm.frames.len() == depth
        && vm
            .frames
            .last()
            .is_some_and(|f| Some(f.id) == id && f.pc == 0)
}

/// The tier-1 entry of the frame a send just pushed, to be called natively from the
/// sender's code; `Status::Exit` (go through the dispatcher) when it has none or the
/// machine stack budget of this JIT run is used up.
fn native_entry(ctx: &JitCtx, vm: &mut Vm) -> SendAnswer {
    let marker = 0u8;
    let here = std::hint::black_box(&marker) as *const u8 as usize;
    if here < ctx.stack_limit {
        return SendAnswer::status(Status::Exit);
    }
    match vm.jit_callee_entry() {
        Some(entry) => SendAnswer {
            status: Status::Call,
            entry,
        },
        None => SendAnswer::status(Status::Exit),
    }
}

/// A back-edge found the heap exhausted.
pub(crate) extern "C" fn rt_out_of_memory(ctx: *mut JitCtx) -> Status {
    // SAFETY: called by JIT code with its live context.
    let (ctx, vm) = unsafe { enter(ctx) };
    let e = vm.out_of_memory();
    leave(ctx, vm, Err(e))
}

/// Everything else a template does not do inline: the bytecode at `bci` of the top
/// frame, after its counters were advanced, exactly as tier 0 would finish it.
pub(crate) extern "C" fn rt_bytecode(ctx: *mut JitCtx, bci: u64) -> Status {
    // SAFETY: called by JIT code with its live context.
    let (ctx, vm) = unsafe { enter(ctx) };
    let r = slow_bytecode(vm, bci as usize);
    leave(ctx, vm, r)
}

/// `rt_bytecode` for a bytecode whose slow part may send (binary operators, `at:`,
/// `at:put:`, super sends): a frame the send pushed is answered as its tier-1 entry,
/// to be called natively, as `rt_send` does.
pub(crate) extern "C" fn rt_send_bytecode(ctx: *mut JitCtx, bci: u64) -> SendAnswer {
    // SAFETY: called by JIT code with its live context.
    let (ctx, vm) = unsafe { enter(ctx) };
    let depth = vm.frames.len();
    let r = match slow_bytecode(vm, bci as usize) {
        Ok(Status::Exit) if vm.frames.len() == depth + 1 => Ok(native_entry(ctx, vm)),
        other => other.map(SendAnswer::status),
    };
    leave_send(ctx, vm, r)
}

/// Tier 0's semantics for the slow part of the bytecode at `bci`.
fn slow_bytecode(vm: &mut Vm, bci: usize) -> Result<Status, Unwind> {
    let top = vm.frames.len() - 1;
    let (method, bp) = (vm.frames[top].method, vm.frames[top].bp as usize);
    let code = vm.code_of(method);
    let bc = code.bytecodes[bci];
    let pc = bci + 1;
    let recv = vm.frames[top].self_value;
    match bc {
        Bytecode::PopField(i) => {
            vm.save_pc(pc);
            let v = vm.stack.pop().expect("value");
            vm.field_set(recv, i, v)?;
        }
        Bytecode::PushField(i) => {
            vm.save_pc(pc);
            let v = vm.field_get(recv, i)?;
            vm.stack.push(v);
        }
        Bytecode::StoreField(i) => {
            vm.save_pc(pc);
            let v = *vm.stack.last().expect("value");
            vm.field_set(recv, i, v)?;
        }
        Bytecode::PushField2(a, b) => {
            vm.save_pc(pc);
            let va = vm.field_get(recv, a)?;
            let vb = vm.field_get(recv, b)?;
            vm.stack.push(va);
            vm.stack.push(vb);
        }
        Bytecode::PushCreator(k) => {
            vm.save_pc(pc);
            let v = vm.creator_get(top, k)?;
            vm.stack.push(v);
        }
        Bytecode::StoreCreator(k) => {
            vm.save_pc(pc);
            let v = *vm.stack.last().expect("value");
            vm.creator_set(top, k, v)?;
        }
        Bytecode::PushGlobal(g) => match vm.globals[g as usize] {
            Some(v) => vm.stack.push(v),
            None => {
                vm.save_pc(pc);
                return vm.unbound_global(g).map(flow);
            }
        },
        Bytecode::SuperSend(site) => {
            vm.save_pc(pc);
            return vm.send(site).map(flow);
        }
        Bytecode::Add(_)
        | Bytecode::Sub(_)
        | Bytecode::Mul(_)
        | Bytecode::Lt(_)
        | Bytecode::Gt(_)
        | Bytecode::Le(_)
        | Bytecode::Ge(_)
        | Bytecode::Eq(_)
        | Bytecode::Ne(_)
        | Bytecode::Div(_)
        | Bytecode::Mod(_)
        | Bytecode::BitAnd(_)
        | Bytecode::Identical(_) => {
            let (op, site) = BinOp::of(bc).expect("an operator");
            return vm.binop_slow(op, site, pc).map(flow);
        }
        Bytecode::At(site) => {
            let n = vm.stack.len();
            if let Some(v) = vm.array_at(vm.stack[n - 2], vm.stack[n - 1]) {
                vm.stack.truncate(n - 1);
                vm.stack[n - 2] = v;
                return Ok(Status::Continue);
            }
            vm.save_pc(pc);
            return vm.send(site).map(flow);
        }
        Bytecode::AtPut(site) => {
            let n = vm.stack.len();
            let (a, i, v) = (vm.stack[n - 3], vm.stack[n - 2], vm.stack[n - 1]);
            if vm.array_at_put(a, i, v) {
                vm.stack.truncate(n - 2);
                return Ok(Status::Continue);
            }
            vm.save_pc(pc);
            return vm.send(site).map(flow);
        }
        Bytecode::ReturnNonLocal => {
            vm.save_pc(pc);
            let result = vm.stack.pop().expect("result");
            vm.return_non_local(result)?;
            return Ok(Status::Exit);
        }
        Bytecode::JumpIfFalse { fallback, .. }
        | Bytecode::JumpIfTrue { fallback, .. }
        | Bytecode::NilTest { fallback, .. } => {
            vm.save_pc(pc);
            vm.take_fallback(&code, fallback, 0)?;
            return Ok(Status::Exit);
        }
        Bytecode::ToDoPrepare {
            counter,
            fallback,
            kind,
        } => {
            let slots = LoopSlots { counter };
            return vm
                .counting_loop_prepare(&code, bp, slots, fallback, kind, pc)
                .map(flow);
        }
        Bytecode::ToDoTest { counter, down, .. } => {
            if vm.counting_loop_test(bp, LoopSlots { counter }, down, pc)? {
                return Ok(Status::Branch);
            }
        }
        Bytecode::ToDoStep { counter, down, .. } => {
            vm.counting_loop_step(bp, LoopSlots { counter }, down, pc)?;
        }
        other => unreachable!("tier 1 templates {other:?} inline"),
    }
    Ok(Status::Continue)
}

// ---- leaf helpers: no allocation, no stack or frame changes ----

/// The VM a leaf helper works on.
///
/// # Safety
/// `vm` must be the `JitCtx::vm` of the running JIT code (valid for the whole JIT run)
/// and the VM must not be borrowed elsewhere meanwhile: JIT code calls leaf helpers
/// while the dispatcher that owns the VM waits for it.
unsafe fn vm_ref<'a>(vm: *mut Vm) -> &'a mut Vm {
    // SAFETY: guaranteed by the caller.
    unsafe { &mut *vm }
}

/// Context slot `slot` reached from `ctx` by `hops` outer links.
pub(crate) extern "C" fn leaf_context_get(vm: *mut Vm, ctx: u64, hops: u64, slot: u64) -> u64 {
    // SAFETY: called by JIT code with its context's VM (see `vm_ref`).
    let vm = unsafe { vm_ref(vm) };
    vm.context_get(Value(ctx), hops as u8, slot as u16).0
}

pub(crate) extern "C" fn leaf_context_set(vm: *mut Vm, ctx: u64, hops_slot: u64, v: u64) {
    let (hops, slot) = ((hops_slot >> 16) as u8, hops_slot as u16);
    // SAFETY: called by JIT code with its context's VM (see `vm_ref`).
    let vm = unsafe { vm_ref(vm) };
    vm.context_set(Value(ctx), hops, slot, Value(v));
}

pub(crate) extern "C" fn leaf_global(vm: *mut Vm, g: u64) -> Pair {
    // SAFETY: called by JIT code with its context's VM (see `vm_ref`).
    let vm = unsafe { vm_ref(vm) };
    match vm.globals[g as usize] {
        Some(v) => Pair { value: v.0, ok: 1 },
        None => Pair { value: 0, ok: 0 },
    }
}

/// Runs trivial method `method` on the receiver at `slots[0]` and its arguments after
/// it, as `Vm::run_trivial` does but leaving the stack to JIT code; `ok = 0` (nothing
/// done) when it is not trivial or its field access fails, so the full send reports it.
pub(crate) extern "C" fn leaf_trivial(vm: *mut Vm, method: u64, slots: *const Value) -> Pair {
    use crate::bytecode::MethodKind;
    const FAIL: Pair = Pair { value: 0, ok: 0 };
    // SAFETY: called by JIT code with its context's VM (see `vm_ref`).
    let vm = unsafe { vm_ref(vm) };
    let MethodKind::Trivial(t, _) = vm.methods[method as usize].kind else {
        return FAIL;
    };
    // SAFETY: JIT code passes the address of the send's receiver slot, followed by
    // its arguments (a setter has one), all below the stack pointer.
    let (recv, arg) = unsafe {
        let arg = match t {
            crate::bytecode::Trivial::Setter(_) => *slots.add(1),
            _ => Value::NIL,
        };
        (*slots, arg)
    };
    match vm.trivial_answer(t, recv, arg) {
        Some(v) => {
            vm.count_invocation(MethodId::new(method as usize));
            Pair { value: v.0, ok: 1 }
        }
        None => FAIL,
    }
}

/// The number `leaf_float` knows a binary operator by (`None`: it has no Double path).
pub(crate) fn float_op_number(bc: Bytecode) -> Option<u32> {
    match BinOp::of(bc) {
        Some((op, _)) if op.has_float_path() => Some(op as u32),
        _ => None,
    }
}

/// `a op b` when one operand is an immediate Double and the other an immediate Double
/// or small integer and the result is immediate, as `semantics::arith::float_binop`
/// computes it; `ok = 0` otherwise (the full path runs then).
pub(crate) extern "C" fn leaf_float(op: u64, a: u64, b: u64) -> Pair {
    const FAIL: Pair = Pair { value: 0, ok: 0 };
    let (a, b) = (Value(a), Value(b));
    if !(a.is_double() || b.is_double()) {
        return FAIL;
    }
    let num = |v: Value| match (v.is_double(), v.is_int()) {
        (true, _) => Some(v.as_double()),
        (_, true) => Some(v.as_int() as f64),
        _ => None,
    };
    let (Some(fa), Some(fb)) = (num(a), num(b)) else {
        return FAIL;
    };
    let Some(&op) = BinOp::FLOAT.get(op as usize) else {
        return FAIL;
    };
    let v = match float_binop(op, fa, fb) {
        Some(FloatAnswer::Number(d)) => Value::double(d),
        Some(FloatAnswer::Bool(b)) => Some(Value::bool(b)),
        None => None,
    };
    match v {
        Some(v) => Pair { value: v.0, ok: 1 },
        None => FAIL,
    }
}

/// Whether the inlined `ifNil:`-family test applies to `v` (mode by number).
pub(crate) extern "C" fn leaf_nil_test(vm: *mut Vm, v: u64, mode: u64) -> u64 {
    let mode = match mode {
        0 => NilTestMode::Absent,
        1 => NilTestMode::Present,
        2 => NilTestMode::AbsentThenPresent,
        _ => NilTestMode::PresentThenAbsent,
    };
    // SAFETY: called by JIT code with its context's VM (see `vm_ref`).
    let vm = unsafe { vm_ref(vm) };
    vm.nil_test_is_standard(Value(v), mode) as u64
}
