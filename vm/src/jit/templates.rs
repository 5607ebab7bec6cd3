//! The templates with an inline fast path and an out-of-line slow path: field and
//! global access through leaf helpers, small-integer arithmetic (tag test, `jo` on
//! overflow) and comparisons, the inlined conditionals, `ifNil:` tests and counting
//! loops. Each slow path is a stub that finishes the bytecode as tier 0 would.

use super::calls::SAVED;
use super::context::layout::{
    BLOCK_METHOD, BLOCK_OUTER, BLOCK_RECEIVER, METHOD_INVOCATIONS, METHOD_NUM_ARGS, METHOD_SIZE,
    OBJECT_CLASS, OBJECT_SIZE,
};
use super::emit::{slot, Emitter, Stub, R};
use super::layout::{self, BodyLayout};
use super::runtime as rt;
use super::runtime::{
    CTX_ARRAY_CLASS, CTX_BLOCK_OUTER, CTX_BLOCK_SELF, CTX_BP, CTX_METHODS, CTX_OBJECTS, CTX_OOM,
    CTX_SELF, CTX_SP, EXIT,
};
use crate::bytecode::{Bytecode, NilTestMode};
use iced_x86::code_asm::*;

impl Emitter<'_> {
    fn slow_stub(
        &mut self,
        bci: usize,
        branch: Option<CodeLabel>,
        resume: CodeLabel,
        repush: bool,
    ) -> CodeLabel {
        let label = self.a.create_label();
        let bci = bci as u32;
        self.stubs.push((
            label,
            Stub::Slow {
                bci,
                branch,
                resume,
                repush,
            },
        ));
        label
    }

    pub(super) fn push_field(&mut self, bci: usize, i: u16) -> R {
        self.flush()?;
        let stub = self.stub(bci, None, false)?;
        if let Some(l) = layout::body_layout() {
            self.instance_fields(l, stub)?;
            self.field_in_range(l, i, stub)?;
            self.a.mov(rax, qword_ptr(rdx + slot(i)))?;
            return self.push_reg(rax);
        }
        self.save_pc(bci + 1)?;
        self.field_to_rax(i, stub)?;
        self.push_reg(rax)
    }

    /// Two fields of self; the first is written above the stack pointer, which moves
    /// only when both reads succeeded (the stub redoes the whole bytecode).
    pub(super) fn push_field2(&mut self, bci: usize, i: u16, j: u16) -> R {
        self.flush()?;
        let stub = self.stub(bci, None, false)?;
        if let Some(l) = layout::body_layout() {
            self.instance_fields(l, stub)?;
            self.field_in_range(l, i.max(j), stub)?;
            self.a.mov(rax, qword_ptr(rdx + slot(i)))?;
            self.a.mov(rcx, qword_ptr(rdx + slot(j)))?;
            self.a.mov(qword_ptr(r13), rax)?;
            self.a.mov(qword_ptr(r13 + 8), rcx)?;
            self.a.add(r13, 16)?;
            return Ok(());
        }
        self.save_pc(bci + 1)?;
        self.field_to_rax(i, stub)?;
        self.a.mov(qword_ptr(r13), rax)?;
        self.field_to_rax(j, stub)?;
        self.a.mov(qword_ptr(r13 + 8), rax)?;
        self.a.add(r13, 16)?;
        Ok(())
    }

    /// The object of self into rcx when it is an instance (`Body::Instance`), with its
    /// field count at `rcx + fields_len`; `stub` otherwise (classes, whose fields tier
    /// 0 also reads, and errors).
    fn instance_fields(&mut self, l: BodyLayout, stub: CodeLabel) -> R {
        self.a.mov(rcx, qword_ptr(rbx + CTX_SELF))?;
        self.a.test(cl, 3)?;
        self.a.jnz(stub)?;
        self.object_address(rcx)?;
        self.a.cmp(byte_ptr(rcx + l.tag), l.instance_tag as i32)?;
        self.a.jne(stub)?;
        Ok(())
    }

    /// With the instance in rcx: `stub` unless it has field `i`; the fields into rdx.
    fn field_in_range(&mut self, l: BodyLayout, i: u16, stub: CodeLabel) -> R {
        self.a.cmp(qword_ptr(rcx + l.fields_len), i as i32)?;
        self.a.jbe(stub)?;
        self.a.mov(rdx, qword_ptr(rcx + l.fields_ptr))?;
        Ok(())
    }

    /// Replaces the reference in `r` by the address of its heap `Object`.
    fn object_address(&mut self, r: AsmRegister64) -> R {
        self.a.shr(r, 2)?;
        self.a.imul_3(r, r, OBJECT_SIZE)?;
        self.a.add(r, qword_ptr(rbx + CTX_OBJECTS))?;
        Ok(())
    }

    fn field_to_rax(&mut self, i: u16, stub: CodeLabel) -> R {
        self.a.mov(rdi, r12)?;
        self.a.mov(rsi, qword_ptr(rbx + CTX_SELF))?;
        self.a.mov(edx, i as u32)?;
        self.call(rt::leaf_field_get as *const () as usize)?;
        self.a.test(edx, edx)?;
        self.a.jz(stub)?;
        Ok(())
    }

    pub(super) fn store_field(&mut self, bci: usize, i: u16, pop: bool) -> R {
        self.flush()?;
        let stub = self.stub(bci, None, false)?;
        if let Some(l) = layout::body_layout() {
            self.instance_fields(l, stub)?;
            self.field_in_range(l, i, stub)?;
            self.a.mov(rax, qword_ptr(r13 - 8))?;
            self.a.mov(qword_ptr(rdx + slot(i)), rax)?;
        } else {
            self.save_pc(bci + 1)?;
            self.a.mov(rdi, r12)?;
            self.a.mov(rsi, qword_ptr(rbx + CTX_SELF))?;
            self.a.mov(edx, i as u32)?;
            self.a.mov(rcx, qword_ptr(r13 - 8))?;
            self.call(rt::leaf_field_set as *const () as usize)?;
            self.a.test(eax, eax)?;
            self.a.jz(stub)?;
        }
        if pop {
            self.a.sub(r13, 8)?;
        }
        Ok(())
    }

    pub(super) fn push_global(&mut self, bci: usize, g: u32) -> R {
        self.flush()?;
        let stub = self.stub(bci, None, false)?;
        self.a.mov(rdi, r12)?;
        self.a.mov(esi, g)?;
        self.call(rt::leaf_global as *const () as usize)?;
        self.a.test(edx, edx)?;
        self.a.jz(stub)?;
        self.push_reg(rax)
    }

    pub(super) fn context_get(&mut self, field: i32, hops: u8, s: u16) -> R {
        let mut done = self.a.create_label();
        let mut other = self.a.create_label();
        if let Some(l) = layout::body_layout() {
            self.context_slots(l, field, hops, other)?;
            self.a.mov(rax, qword_ptr(rdx + slot(s)))?;
            self.push_reg(rax)?;
            self.a.jmp(done)?;
        }
        self.a.set_label(&mut other)?;
        self.a.mov(rdi, r12)?;
        self.a.mov(rsi, qword_ptr(rbx + field))?;
        self.a.mov(edx, hops as u32)?;
        self.a.mov(ecx, s as u32)?;
        self.call(rt::leaf_context_get as *const () as usize)?;
        self.push_reg(rax)?;
        self.a.set_label(&mut done)?;
        self.a.nop()?;
        Ok(())
    }

    pub(super) fn context_set(&mut self, field: i32, hops: u8, s: u16) -> R {
        let mut done = self.a.create_label();
        let mut other = self.a.create_label();
        if let Some(l) = layout::body_layout() {
            self.context_slots(l, field, hops, other)?;
            self.a.mov(rax, qword_ptr(r13 - 8))?;
            self.a.mov(qword_ptr(rdx + slot(s)), rax)?;
            self.a.jmp(done)?;
        }
        self.a.set_label(&mut other)?;
        self.a.mov(rdi, r12)?;
        self.a.mov(rsi, qword_ptr(rbx + field))?;
        self.a.mov(edx, ((hops as u32) << 16) | s as u32)?;
        self.a.mov(rcx, qword_ptr(r13 - 8))?;
        self.call(rt::leaf_context_set as *const () as usize)?;
        self.a.set_label(&mut done)?;
        self.a.nop()?;
        Ok(())
    }

    /// The slots of the context `hops` outer links from the one in context field
    /// `field` into rdx, as `Vm::context_at` finds it; anything that is not a context
    /// goes to `other` (the leaf helper, which fails as tier 0 does).
    fn context_slots(&mut self, l: BodyLayout, field: i32, hops: u8, other: CodeLabel) -> R {
        self.a.mov(rax, qword_ptr(rbx + field))?;
        for h in 0..=hops {
            self.a.test(al, 3)?;
            self.a.jnz(other)?;
            self.object_address(rax)?;
            self.a.cmp(byte_ptr(rax + l.tag), l.context_tag as i32)?;
            self.a.jne(other)?;
            self.a.mov(rdx, qword_ptr(rax + l.fields_ptr))?;
            if h < hops {
                self.a.mov(rax, qword_ptr(rdx))?;
            }
        }
        Ok(())
    }

    /// The block evaluation at a send whose receiver (at `recv`) takes `argc`
    /// arguments: the block's method into rsi, its receiver and outer context into
    /// `JitCtx::block_self` and `block_outer` (as `leaf_block` does); `slow` for
    /// anything else (not a block, another argument count).
    pub(super) fn block_method(&mut self, recv: i32, argc: u8, slow: CodeLabel) -> R {
        let Some(l) = layout::body_layout() else {
            self.a.sub(rsp, 8)?;
            self.a.mov(rdi, rbx)?;
            self.a.mov(rsi, qword_ptr(r13 + recv))?;
            self.a.mov(edx, argc as u32)?;
            self.call(rt::leaf_block as *const () as usize)?;
            self.a.add(rsp, 8)?;
            self.a.test(rax, rax)?;
            self.a.jz(slow)?;
            self.a.lea(rsi, qword_ptr(rax - 1))?;
            return Ok(());
        };
        self.a.mov(rax, qword_ptr(r13 + recv))?;
        self.a.test(al, 3)?;
        self.a.jnz(slow)?;
        self.object_address(rax)?;
        self.a.cmp(byte_ptr(rax + l.tag), l.block_tag as i32)?;
        self.a.jne(slow)?;
        self.a.mov(rax, qword_ptr(rax + l.block_data))?;
        self.a.mov(esi, dword_ptr(rax + BLOCK_METHOD))?;
        self.a.imul_3(rdx, rsi, METHOD_SIZE)?;
        self.a.add(rdx, qword_ptr(rbx + CTX_METHODS))?;
        self.a.cmp(word_ptr(rdx + METHOD_NUM_ARGS), argc as i32)?;
        self.a.jne(slow)?;
        self.a.mov(rdx, qword_ptr(rax + BLOCK_RECEIVER))?;
        self.a.mov(qword_ptr(rbx + CTX_BLOCK_SELF), rdx)?;
        self.a.mov(rdx, qword_ptr(rax + BLOCK_OUTER))?;
        self.a.mov(qword_ptr(rbx + CTX_BLOCK_OUTER), rdx)?;
        Ok(())
    }

    pub(super) fn array_at(&mut self, bci: usize) -> R {
        self.flush()?;
        self.tick_clock()?;
        let stub = self.sending_stub(bci)?;
        if let Some(l) = layout::body_layout() {
            self.a.mov(rcx, qword_ptr(r13 - 16))?;
            self.a.mov(rax, qword_ptr(r13 - 8))?;
            self.array_item(l, stub)?;
            self.a.mov(rax, qword_ptr(rdx + rax * 8))?;
            self.a.mov(qword_ptr(r13 - 16), rax)?;
            self.a.sub(r13, 8)?;
            return Ok(());
        }
        self.a.mov(rdi, r12)?;
        self.a.mov(rsi, qword_ptr(r13 - 16))?;
        self.a.mov(rdx, qword_ptr(r13 - 8))?;
        self.call(rt::leaf_array_at as *const () as usize)?;
        self.a.test(edx, edx)?;
        self.a.jz(stub)?;
        self.a.mov(qword_ptr(r13 - 16), rax)?;
        self.a.sub(r13, 8)?;
        Ok(())
    }

    pub(super) fn array_at_put(&mut self, bci: usize) -> R {
        self.flush()?;
        self.tick_clock()?;
        let stub = self.sending_stub(bci)?;
        if let Some(l) = layout::body_layout() {
            self.a.mov(rcx, qword_ptr(r13 - 24))?;
            self.a.mov(rax, qword_ptr(r13 - 16))?;
            self.array_item(l, stub)?;
            self.a.mov(rcx, qword_ptr(r13 - 8))?;
            self.a.mov(qword_ptr(rdx + rax * 8), rcx)?;
            self.a.sub(r13, 16)?;
            return Ok(());
        }
        self.a.mov(rdi, r12)?;
        self.a.mov(rsi, qword_ptr(r13 - 24))?;
        self.a.mov(rdx, qword_ptr(r13 - 16))?;
        self.a.mov(rcx, qword_ptr(r13 - 8))?;
        self.call(rt::leaf_array_at_put as *const () as usize)?;
        self.a.test(eax, eax)?;
        self.a.jz(stub)?;
        self.a.sub(r13, 16)?;
        Ok(())
    }

    /// `Vm::array_at`'s test inline: with the receiver in rcx and the index in rax,
    /// `stub` unless the receiver is an `Array` (while its primitives are standard) and
    /// the index a small integer within it; then rdx holds the items and rax the
    /// 0-based index.
    fn array_item(&mut self, l: BodyLayout, stub: CodeLabel) -> R {
        self.a.test(cl, 3)?;
        self.a.jnz(stub)?;
        self.a.test(al, 1)?;
        self.a.jz(stub)?;
        self.object_address(rcx)?;
        self.a.mov(rdx, qword_ptr(rbx + CTX_ARRAY_CLASS))?;
        self.a.cmp(qword_ptr(rcx + OBJECT_CLASS), rdx)?;
        self.a.jne(stub)?;
        self.a.cmp(byte_ptr(rcx + l.tag), l.array_tag as i32)?;
        self.a.jne(stub)?;
        self.a.sar(rax, 1)?;
        self.a.sub(rax, 1)?;
        self.a.cmp(rax, qword_ptr(rcx + l.items_len))?;
        self.a.jae(stub)?;
        self.a.mov(rdx, qword_ptr(rcx + l.items_ptr))?;
        Ok(())
    }

    /// A stub trying the Double path before the runtime.
    fn float_stub(
        &mut self,
        bci: usize,
        bc: Bytecode,
    ) -> Result<CodeLabel, super::emit::CompileError> {
        let label = self.a.create_label();
        let resume = self.label(bci as u32 + 1)?;
        let op = rt::float_op_number(bc);
        let bci = bci as u32;
        if op == u32::MAX {
            self.stubs.push((
                label,
                Stub::Slow {
                    bci,
                    branch: None,
                    resume,
                    repush: false,
                },
            ));
        } else {
            self.stubs.push((label, Stub::Float { bci, op, resume }));
        }
        Ok(label)
    }

    /// `/` and `\\\\` on small integers through `leaf_divide` (rounding as tier 0
    /// does); anything else (zero divisor, other operands) takes the runtime path.
    pub(super) fn divide(&mut self, bci: usize, modulo: bool) -> R {
        self.flush()?;
        self.tick_clock()?;
        let stub = self.sending_stub(bci)?;
        self.a.mov(edi, modulo as u32)?;
        self.a.mov(rsi, qword_ptr(r13 - 16))?;
        self.a.mov(rdx, qword_ptr(r13 - 8))?;
        self.call(rt::leaf_divide as *const () as usize)?;
        self.a.test(edx, edx)?;
        self.a.jz(stub)?;
        self.a.mov(qword_ptr(r13 - 16), rax)?;
        self.a.sub(r13, 8)?;
        Ok(())
    }

    /// Both operands immediate Doubles (tag `10`, not ±0.0): `op` on SSE registers,
    /// an immediate result (or a Boolean) replaces them and execution goes on at
    /// `done`; anything else (mixed, boxed, zero, a result needing a box) goes to `other`.
    /// Immediate Doubles are never NaN or infinite, so the comparisons are plain.
    pub(super) fn immediate_doubles(&mut self, op: u32, other: CodeLabel, done: CodeLabel) -> R {
        const BIAS: u64 = 896 << 53;
        self.operands()?;
        for (r, x) in [(rax, xmm0), (rcx, xmm1)] {
            self.a.mov(rdx, r)?;
            self.a.and(edx, 3)?;
            self.a.cmp(edx, 2)?;
            self.a.jne(other)?;
            self.a.mov(rdx, r)?;
            self.a.shr(rdx, 2)?;
            self.a.cmp(rdx, 1)?;
            self.a.jbe(other)?;
            self.a.mov(r8, BIAS)?;
            self.a.add(rdx, r8)?;
            self.a.ror(rdx, 1)?;
            self.a.movq(x, rdx)?;
        }
        // FloatOp order: Add Sub Mul Lt Gt Le Ge Eq Ne.
        if op <= 2 {
            match op {
                0 => self.a.addsd(xmm0, xmm1)?,
                1 => self.a.subsd(xmm0, xmm1)?,
                _ => self.a.mulsd(xmm0, xmm1)?,
            }
            self.a.movq(rdx, xmm0)?;
            self.a.rol(rdx, 1)?;
            self.a.mov(r9, rdx)?;
            self.a.shr(r9, 53)?;
            self.a.cmp(r9, 897)?;
            self.a.jb(other)?;
            self.a.cmp(r9, 1151)?;
            self.a.ja(other)?;
            self.a.mov(r8, BIAS)?;
            self.a.sub(rdx, r8)?;
            self.a.shl(rdx, 2)?;
            self.a.or(rdx, 2)?;
        } else {
            self.a.mov(edx, 8)?;
            self.a.mov(esi, 4)?;
            self.a.ucomisd(xmm0, xmm1)?;
            match op {
                3 => self.a.cmovb(rdx, rsi)?,
                4 => self.a.cmova(rdx, rsi)?,
                5 => self.a.cmovbe(rdx, rsi)?,
                6 => self.a.cmovae(rdx, rsi)?,
                7 => self.a.cmove(rdx, rsi)?,
                _ => self.a.cmovne(rdx, rsi)?,
            }
        }
        self.binary_result()?;
        self.a.jmp(done)?;
        Ok(())
    }

    /// Loads the two operands of a binary operator into rax and rcx.
    pub(super) fn operands(&mut self) -> R {
        self.a.mov(rax, qword_ptr(r13 - 16))?;
        self.a.mov(rcx, qword_ptr(r13 - 8))?;
        Ok(())
    }

    /// Replaces the two operands with rdx.
    pub(super) fn binary_result(&mut self) -> R {
        self.a.mov(qword_ptr(r13 - 16), rdx)?;
        self.a.sub(r13, 8)?;
        Ok(())
    }

    /// `+ - * &` on tagged small integers (`2a+1`): overflow of the tagged operation
    /// is exactly overflow of the 63-bit range.
    pub(super) fn arith(&mut self, bci: usize, bc: Bytecode) -> R {
        self.flush()?;
        self.tick_clock()?;
        let stub = self.float_stub(bci, bc)?;
        self.operands()?;
        self.both_ints(stub)?;
        match bc {
            Bytecode::Add(_) => {
                self.a.lea(rdx, qword_ptr(rax - 1))?;
                self.a.add(rdx, rcx)?;
                self.a.jo(stub)?;
            }
            Bytecode::Sub(_) => {
                self.a.mov(rdx, rax)?;
                self.a.sub(rdx, rcx)?;
                self.a.jo(stub)?;
                self.a.or(rdx, 1)?;
            }
            Bytecode::Mul(_) => {
                self.a.mov(rdx, rax)?;
                self.a.sar(rdx, 1)?;
                self.a.lea(rsi, qword_ptr(rcx - 1))?;
                self.a.imul_2(rdx, rsi)?;
                self.a.jo(stub)?;
                self.a.or(rdx, 1)?;
            }
            _ => {
                self.a.mov(rdx, rax)?;
                self.a.and(rdx, rcx)?;
            }
        }
        self.binary_result()
    }

    /// Comparisons of small integers answer `true` (4) or `false` (8).
    pub(super) fn compare(&mut self, bci: usize, bc: Bytecode) -> R {
        self.flush()?;
        self.tick_clock()?;
        let stub = self.float_stub(bci, bc)?;
        self.operands()?;
        self.both_ints(stub)?;
        if let Some((target, when)) = super::emit::fused_branch(self.code, bci) {
            return self.compare_and_branch(bci, bc, target, when);
        }
        self.a.cmp(rax, rcx)?;
        self.a.mov(edx, 8)?;
        self.a.mov(esi, 4)?;
        match bc {
            Bytecode::Lt(_) => self.a.cmovl(rdx, rsi)?,
            Bytecode::Gt(_) => self.a.cmovg(rdx, rsi)?,
            Bytecode::Le(_) => self.a.cmovle(rdx, rsi)?,
            Bytecode::Ge(_) => self.a.cmovge(rdx, rsi)?,
            Bytecode::Ne(_) => self.a.cmovne(rdx, rsi)?,
            _ => self.a.cmove(rdx, rsi)?,
        }
        self.binary_result()
    }

    /// The small-integer path of a comparison fused with the conditional jump after it
    /// (see `emit::fused_branch`): counts the jump, pops both operands, branches.
    fn compare_and_branch(&mut self, bci: usize, bc: Bytecode, target: u32, when: bool) -> R {
        let (taken, next) = (self.label(target)?, self.label(bci as u32 + 2)?);
        self.a.add(qword_ptr(r15 + 8), 1)?;
        self.a.cmp(rax, rcx)?;
        self.a.lea(r13, qword_ptr(r13 - 16))?;
        // The condition under which the jump is taken.
        let c = match (bc, when) {
            (Bytecode::Lt(_), true) | (Bytecode::Ge(_), false) => 0,
            (Bytecode::Lt(_), false) | (Bytecode::Ge(_), true) => 1,
            (Bytecode::Gt(_), true) | (Bytecode::Le(_), false) => 2,
            (Bytecode::Gt(_), false) | (Bytecode::Le(_), true) => 3,
            (Bytecode::Ne(_), true) => 5,
            (Bytecode::Ne(_), false) => 4,
            (_, true) => 4,
            (_, false) => 5,
        };
        match c {
            0 => self.a.jl(taken)?,
            1 => self.a.jge(taken)?,
            2 => self.a.jg(taken)?,
            3 => self.a.jle(taken)?,
            4 => self.a.je(taken)?,
            _ => self.a.jne(taken)?,
        }
        self.a.jmp(next)?;
        Ok(())
    }

    /// An inlined conditional: `jump` is the value that takes the branch, `stay` the
    /// one that falls through; anything else takes the fallback.
    pub(super) fn jump_if(&mut self, bci: usize, target: u32, jump: i32, stay: i32) -> R {
        self.flush()?;
        let stub = self.stub(bci, None, true)?;
        let l = self.label(target)?;
        self.a.sub(r13, 8)?;
        self.a.mov(rax, qword_ptr(r13))?;
        self.a.cmp(rax, jump)?;
        self.a.je(l)?;
        self.a.cmp(rax, stay)?;
        self.a.jne(stub)?;
        Ok(())
    }

    pub(super) fn nil_test(&mut self, bci: usize, target: u32, mode: NilTestMode) -> R {
        self.flush()?;
        let stub = self.stub(bci, None, false)?;
        let l = self.label(target)?;
        self.a.mov(rdi, r12)?;
        self.a.mov(rsi, qword_ptr(r13 - 8))?;
        self.a.mov(edx, mode as u32)?;
        self.call(rt::leaf_nil_test as *const () as usize)?;
        self.a.test(eax, eax)?;
        self.a.jz(stub)?;
        self.a.mov(rax, qword_ptr(r13 - 8))?;
        match mode {
            NilTestMode::Absent | NilTestMode::Present => {
                self.a.test(rax, rax)?;
                if mode == NilTestMode::Absent {
                    self.a.jnz(l)?;
                } else {
                    self.a.jz(l)?;
                }
                self.a.sub(r13, 8)?;
            }
            NilTestMode::AbsentThenPresent | NilTestMode::PresentThenAbsent => {
                self.a.sub(r13, 8)?;
                self.a.test(rax, rax)?;
                if mode == NilTestMode::AbsentThenPresent {
                    self.a.jnz(l)?;
                } else {
                    self.a.jz(l)?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn counting_loop_test(
        &mut self,
        bci: usize,
        counter: u16,
        exit: u32,
        down: bool,
    ) -> R {
        self.flush()?;
        let l = self.label(exit)?;
        let stub = self.stub(bci, Some(l), false)?;
        let c = slot(counter);
        self.a.mov(rax, qword_ptr(r14 + c))?;
        self.a.mov(rcx, qword_ptr(r14 + c + 8))?;
        self.both_ints(stub)?;
        self.a.cmp(rax, rcx)?;
        if down {
            self.a.jl(l)?;
        } else {
            self.a.jg(l)?;
        }
        self.a.mov(qword_ptr(r14 + c + 16), rax)?;
        Ok(())
    }

    pub(super) fn counting_loop_step(
        &mut self,
        bci: usize,
        counter: u16,
        head: u32,
        down: bool,
    ) -> R {
        self.flush()?;
        let mut back = self.a.create_label();
        let stub = self.slow_stub(bci, None, back, false);
        let c = slot(counter);
        self.a.mov(rax, qword_ptr(r14 + c))?;
        self.a.mov(rcx, qword_ptr(r14 + c + 32))?;
        self.both_ints(stub)?;
        if down {
            self.a.mov(rdx, rax)?;
            self.a.sub(rdx, rcx)?;
            self.a.jo(stub)?;
            self.a.or(rdx, 1)?;
        } else {
            self.a.lea(rdx, qword_ptr(rax - 1))?;
            self.a.add(rdx, rcx)?;
            self.a.jo(stub)?;
        }
        self.a.mov(qword_ptr(r14 + c), rdx)?;
        self.a.set_label(&mut back)?;
        self.back_edge(head)
    }

    /// The inline-cache hit of a send whose target is a trivial method (receiver in
    /// rax, site in rdi, method in esi, its `FastEntry` in rcx and r8, the caller's
    /// frame fields pushed): constants, `^ self` and instance getters and setters run
    /// inline, anything else in `leaf_trivial`, without a frame; the result replaces
    /// the receiver and arguments and execution goes on at `done`. What
    /// `leaf_trivial` declines (a field it cannot reach) and an exhausted heap take the
    /// full send at `slow`.
    pub(super) fn trivial_send(&mut self, recv: i32, slow: CodeLabel, done: CodeLabel) -> R {
        let mut leaf = self.a.create_label();
        let mut counted = self.a.create_label();
        let mut success = self.a.create_label();
        self.a.mov(r10, qword_ptr(rbx + CTX_OOM))?;
        self.a.cmp(byte_ptr(r10), 0)?;
        self.a.jne(slow)?;
        self.a.mov(rdx, r8)?;
        self.a.cmp(rcx, rt::TRIVIAL_CONSTANT as i32)?;
        self.a.je(success)?;
        self.a.mov(rdx, rax)?;
        self.a.cmp(rcx, rt::TRIVIAL_SELF as i32)?;
        self.a.je(success)?;
        if let Some(l) = layout::body_layout() {
            // The receiver passed the cache check, so it is a reference.
            self.a.mov(r9, rax)?;
            self.object_address(r9)?;
            self.a.cmp(byte_ptr(r9 + l.tag), l.instance_tag as i32)?;
            self.a.jne(leaf)?;
            self.a.cmp(qword_ptr(r9 + l.fields_len), r8)?;
            self.a.jbe(leaf)?;
            self.a.mov(r9, qword_ptr(r9 + l.fields_ptr))?;
            let mut setter = self.a.create_label();
            self.a.cmp(rcx, rt::TRIVIAL_GETTER as i32)?;
            self.a.jne(setter)?;
            self.a.mov(rdx, qword_ptr(r9 + r8 * 8))?;
            self.a.jmp(success)?;
            // A setter: its one argument is on top of the stack; it answers self.
            self.a.set_label(&mut setter)?;
            self.a.mov(r10, qword_ptr(r13 - 8))?;
            self.a.mov(qword_ptr(r9 + r8 * 8), r10)?;
            self.a.mov(rdx, rax)?;
            self.a.jmp(success)?;
        }
        self.a.set_label(&mut leaf)?;
        self.a.push(rdi)?;
        self.a.lea(rdx, qword_ptr(r13 + recv))?;
        self.a.mov(rdi, r12)?;
        self.call(rt::leaf_trivial as *const () as usize)?;
        self.a.pop(rdi)?;
        self.a.test(edx, edx)?;
        self.a.jz(slow)?;
        self.a.mov(rdx, rax)?;
        self.a.jmp(counted)?;
        // As `Vm::run_trivial`, which the leaf helper also follows.
        self.a.set_label(&mut success)?;
        self.a.imul_3(rcx, rsi, METHOD_SIZE)?;
        self.a.add(rcx, qword_ptr(rbx + CTX_METHODS))?;
        self.a.add(dword_ptr(rcx + METHOD_INVOCATIONS), 1)?;
        self.a.set_label(&mut counted)?;
        self.count_send()?;
        self.a.mov(qword_ptr(r13 + recv), rdx)?;
        self.a.lea(r13, qword_ptr(r13 + recv + 8))?;
        self.a.add(rsp, 40)?;
        self.a.jmp(done)?;
        Ok(())
    }

    /// An out-of-line `slow_sending` path for the bytecode at `bci`.
    fn sending_stub(&mut self, bci: usize) -> Result<CodeLabel, super::emit::CompileError> {
        let label = self.a.create_label();
        let resume = self.label(bci as u32 + 1)?;
        let bci = bci as u32;
        self.stubs.push((label, Stub::Sending { bci, resume }));
        Ok(label)
    }

    /// `rt_send_bytecode(bci)` for a bytecode whose slow path may send, then on at
    /// `resume`: as in the `Send` template, the caller's frame fields are saved on the
    /// machine stack and a frame the send pushed is called natively when it has code,
    /// so a `+` sent to a String does not leave tier 1.
    pub(super) fn slow_sending(&mut self, bci: usize, resume: CodeLabel) -> R {
        let mut discard = self.a.create_label();
        for f in SAVED {
            self.a.push(qword_ptr(rbx + f))?;
        }
        self.a.mov(esi, bci as u32)?;
        self.a.sub(rsp, 8)?;
        self.runtime_call(rt::rt_send_bytecode as *const () as usize)?;
        self.a.add(rsp, 8)?;
        self.a.cmp(rax, EXIT as i32)?;
        self.a.jbe(discard)?;
        self.a.call(rax)?;
        for f in SAVED.iter().rev() {
            self.a.pop(qword_ptr(rbx + *f))?;
        }
        self.a.test(eax, eax)?;
        self.a.jnz(self.exit)?;
        self.a.mov(r13, qword_ptr(rbx + CTX_SP))?;
        self.a.mov(r14, qword_ptr(rbx + CTX_BP))?;
        self.a.jmp(resume)?;
        // CONTINUE or EXIT from the runtime: its sync already describes the top frame.
        self.a.set_label(&mut discard)?;
        self.a.lea(rsp, qword_ptr(rsp + 8 * SAVED.len() as i32))?;
        self.a.test(rax, rax)?;
        self.a.jnz(self.exit)?;
        self.a.jmp(resume)?;
        Ok(())
    }
}
