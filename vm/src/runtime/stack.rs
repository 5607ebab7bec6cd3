//! The dispatch loop's bytecode fetch and its access to the VM stack (through `Vm` and, in
//! registers, `StackRegs`) without per-operation bounds and capacity
//! checks. The loop executes compiler-produced bytecode whose stack discipline is
//! structural (every bytecode index has one operand depth, locals are addressed below
//! it), and `push_frame` refuses a frame (SOM "stack overflow") unless the stack's
//! reserved capacity leaves room for the method's deepest growth (`Shape::max_growth`),
//! so these operations stay inside the buffer; debug builds check every one.

use crate::bytecode::{Bytecode, Code, MethodKind};
use crate::runtime::vm::Vm;
use crate::value::Value;
use std::rc::Rc;

impl Vm {
    /// Pushes onto the operand stack of the top frame.
    #[inline(always)]
    pub(crate) fn push(&mut self, v: Value) {
        let len = self.stack.len();
        debug_assert!(len < self.stack.capacity(), "VM stack past its reservation");
        // SAFETY: `push_frame` admitted the running frame only with `max_growth` free
        // slots beyond its base, and well-formed bytecode never grows a frame further,
        // so `len < capacity`; the slot is written before the length covers it.
        unsafe {
            self.stack.as_mut_ptr().add(len).write(v);
            self.stack.set_len(len + 1);
        }
    }

    /// Pushes `n` nils (a new frame's temporaries).
    #[inline(always)]
    pub(crate) fn push_nils(&mut self, n: usize) {
        let len = self.stack.len();
        debug_assert!(
            len + n <= self.stack.capacity(),
            "VM stack past its reservation"
        );
        // SAFETY: `push_frame` checked `max_growth` (which includes the temporaries)
        // against the reservation; each slot is written before the length covers it.
        unsafe {
            let base = self.stack.as_mut_ptr().add(len);
            for i in 0..n {
                base.add(i).write(Value::NIL);
            }
            self.stack.set_len(len + n);
        }
    }

    /// The value `depth` slots below the top (0 is the top).
    #[inline(always)]
    pub(crate) fn peek(&self, depth: usize) -> Value {
        let len = self.stack.len();
        debug_assert!(depth < len, "peek below the VM stack");
        // SAFETY: operands a bytecode reads were pushed by earlier bytecodes of the same
        // frame, so `len - 1 - depth` is an initialised slot.
        unsafe { *self.stack.as_ptr().add(len - 1 - depth) }
    }

    /// Replaces the value `depth` slots below the top.
    #[inline(always)]
    pub(crate) fn poke(&mut self, depth: usize, v: Value) {
        let len = self.stack.len();
        debug_assert!(depth < len, "poke below the VM stack");
        // SAFETY: as in `peek`.
        unsafe { *self.stack.as_mut_ptr().add(len - 1 - depth) = v }
    }

    /// Drops the top `n` values.
    #[inline(always)]
    pub(crate) fn drop_values(&mut self, n: usize) {
        let len = self.stack.len();
        debug_assert!(n <= len, "drop below the VM stack");
        // SAFETY: as in `pop`.
        unsafe { self.stack.set_len(len - n) }
    }

    /// Slot `i` of the stack (a frame's receiver, argument, local or loop counter).
    #[inline(always)]
    pub(crate) fn slot(&self, i: usize) -> Value {
        debug_assert!(i < self.stack.len(), "slot above the VM stack");
        // SAFETY: slots are `bp + s` with `s` below the frame's slot count, which
        // `push_frame` initialised and which stay below the operand stack.
        unsafe { *self.stack.as_ptr().add(i) }
    }

    /// Writes slot `i` of the stack.
    #[inline(always)]
    pub(crate) fn set_slot(&mut self, i: usize, v: Value) {
        debug_assert!(i < self.stack.len(), "slot above the VM stack");
        // SAFETY: as in `slot`.
        unsafe { *self.stack.as_mut_ptr().add(i) = v }
    }
}

/// The bytecode at `pc` of `code` (whose bytecodes start at `ops`), for the dispatch
/// loop, by reference: matching on `*fetch(..)` reads each handler's operands from the
/// instruction in place instead of unpacking every operand field before the dispatch
/// jump.
#[inline(always)]
pub(crate) fn fetch(ops: *const Bytecode, code: &Code, pc: usize) -> &Bytecode {
    debug_assert!(pc < code.bytecodes.len(), "pc past the method's end");
    debug_assert!(std::ptr::eq(ops, code.bytecodes.as_ptr()));
    let _ = code;
    // SAFETY: the compiler ends every method and block with a return and every jump
    // targets an index inside the same code, so a running frame's pc is in bounds;
    // `ops` is `code.bytecodes`' buffer, which code never changes after compilation,
    // so the reference lives as long as the borrow of `code`.
    unsafe { &*ops.add(pc) }
}

/// The code of bytecode method `method`, borrowed for the dispatch loop without
/// touching its reference count (a frame switch would otherwise clone and drop an
/// `Rc`).
///
/// # Safety
/// The borrow outlives the method table's own: the caller must not use it after the
/// code could be freed. That holds for the dispatch loop, because `Vm::methods` only
/// grows while code runs: no entry is removed and no compiled method's code is
/// replaced, so the table's `Rc` keeps the code alive for as long as a frame may run
/// it. The one wholesale replacement, snapshot `restore`, runs between runs or inside
/// `evaluate`, whose restored table holds clones of the same `Rc`s for every method
/// that existed when it was taken (and any frame the loop returns to existed then).
#[inline(always)]
pub(crate) unsafe fn code_ref<'a>(vm: &Vm, method: crate::ids::MethodId) -> &'a Code {
    let code: *const Code = match &vm.methods[method.index()].kind {
        MethodKind::Bytecode(c) | MethodKind::Trivial(_, c) => Rc::as_ptr(c),
        _ => unreachable!("frame of a primitive"),
    };
    // SAFETY: `code` points at the live `Code` of the table's `Rc`; the caller keeps
    // the borrow within the table's lifetime (see above).
    unsafe { &*code }
}

/// The VM stack as the dispatch loop keeps it in registers: the buffer and the length.
/// The loop takes it from `Vm::stack` (`StackRegs::take`) whenever the stack may have
/// changed under it (a frame switch, a send, anything that pushes or pops through the
/// `Vm`) and gives the length back (`give`) before any such call, so between the two
/// only the loop touches the stack, and every access obeys `Vm::push`'s invariant: a
/// running frame never grows past the `max_growth` that `push_frame` reserved, and
/// reads only slots it (or its frame's setup) wrote.
#[derive(Clone, Copy)]
pub(crate) struct StackRegs {
    base: *mut Value,
    len: usize,
}

impl StackRegs {
    #[inline(always)]
    pub(crate) fn take(vm: &mut Vm) -> StackRegs {
        StackRegs {
            base: vm.stack.as_mut_ptr(),
            len: vm.stack.len(),
        }
    }

    /// Hands the length back to `vm.stack` (the buffer is the one `take` saw).
    #[inline(always)]
    pub(crate) fn give(self, vm: &mut Vm) {
        debug_assert!(std::ptr::eq(self.base, vm.stack.as_ptr()));
        debug_assert!(self.len <= vm.stack.capacity());
        // SAFETY: every slot below `len` was written (as `push` says), and `len` stays
        // within the capacity `push_frame` reserved for the running frame.
        unsafe { vm.stack.set_len(self.len) }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, v: Value) {
        // SAFETY: as in `Vm::push` (the frame's reserved growth covers the slot).
        unsafe { self.base.add(self.len).write(v) }
        self.len += 1;
    }

    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Value {
        debug_assert!(self.len > 0);
        self.len -= 1;
        // SAFETY: bytecode pops only what it pushed in the same frame (len > 0).
        unsafe { *self.base.add(self.len) }
    }

    /// The value `depth` slots below the top.
    #[inline(always)]
    pub(crate) fn peek(self, depth: usize) -> Value {
        debug_assert!(depth < self.len);
        // SAFETY: as in `Vm::peek`.
        unsafe { *self.base.add(self.len - 1 - depth) }
    }

    #[inline(always)]
    pub(crate) fn poke(&mut self, depth: usize, v: Value) {
        debug_assert!(depth < self.len);
        // SAFETY: as in `Vm::peek`.
        unsafe { *self.base.add(self.len - 1 - depth) = v }
    }

    #[inline(always)]
    pub(crate) fn drop_values(&mut self, n: usize) {
        debug_assert!(n <= self.len);
        self.len -= n;
    }

    /// Stack slot `i` (a frame's receiver, argument, local or loop counter).
    #[inline(always)]
    pub(crate) fn slot(self, i: usize) -> Value {
        debug_assert!(i < self.len);
        // SAFETY: as in `Vm::slot`.
        unsafe { *self.base.add(i) }
    }

    #[inline(always)]
    pub(crate) fn set_slot(&mut self, i: usize, v: Value) {
        debug_assert!(i < self.len);
        // SAFETY: as in `Vm::slot`.
        unsafe { *self.base.add(i) = v }
    }
}
