//! The templates with an inline fast path and an out-of-line slow path: global access
//! through a leaf helper, small-integer arithmetic (tag test, `jo` on
//! overflow) and comparisons, the inlined conditionals, `ifNil:` tests and counting
//! loops. Each slow path is a stub that finishes the bytecode as tier 0 would.

use super::emit::{slot, Emitter, Stub, R};
use super::runtime as rt;
use crate::bytecode::{Bytecode, LoopSlots, NilTestMode};
use crate::native::abi::{COUNTERS_BYTECODES, FALSE_WORD, TRUE_WORD};
use crate::runtime::semantics::arith::BinOp;
use crate::value::Value;
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

    /// A stub trying the Double path before the runtime.
    fn float_stub(
        &mut self,
        bci: usize,
        bc: Bytecode,
    ) -> Result<CodeLabel, super::emit::CompileError> {
        let label = self.a.create_label();
        let resume = self.label(bci as u32 + 1)?;
        let bci = bci as u32;
        let stub = match rt::float_op_number(bc) {
            Some(op) => Stub::Float { bci, op, resume },
            None => Stub::Slow {
                bci,
                branch: None,
                resume,
                repush: false,
            },
        };
        self.stubs.push((label, stub));
        Ok(label)
    }

    /// `/` and `\\\\` (floor division and modulo) on small integers, inline: a shift or
    /// mask when the divisor is the power of two the bytecode before pushed, else
    /// `idiv` with the rounding corrected towards negative infinity, as tier 0 computes
    /// them. A zero divisor, other operands or a quotient outside the small-integer
    /// range take the runtime path.
    pub(super) fn divide(&mut self, bci: usize, modulo: bool) -> R {
        self.flush()?;
        self.tick_clock()?;
        let stub = self.sending_stub(bci)?;
        self.operands()?;
        self.both_ints(stub)?;
        let mut general = self.a.create_label();
        let mut done = self.a.create_label();
        if let Some(shift) = self.power_of_two_divisor(bci) {
            let tagged = (1u64 << (shift + 1)) | 1;
            self.a.mov(rdx, tagged)?;
            self.a.cmp(rcx, rdx)?;
            self.a.jne(general)?;
            self.a.mov(rdx, rax)?;
            if modulo {
                // (2x+1) mod 2^(s+1) = 2(x mod 2^s) + 1, non-negative as a floor modulo
                // by a positive divisor is.
                self.a.mov(rsi, (1u64 << (shift + 1)) - 1)?;
                self.a.and(rdx, rsi)?;
            } else {
                // floor((2x+1) / 2^s) = 2 floor(x / 2^s) + (bit s-1 of x): or-ing the tag
                // in gives the tagged quotient.
                self.a.sar(rdx, shift)?;
                self.a.or(rdx, 1)?;
            }
            self.a.jmp(done)?;
        }
        self.a.set_label(&mut general)?;
        self.a.sar(rax, 1)?;
        self.a.sar(rcx, 1)?;
        self.a.jz(stub)?;
        self.a.cqo()?;
        self.a.idiv(rcx)?;
        let mut exact = self.a.create_label();
        self.a.test(rdx, rdx)?;
        self.a.jz(exact)?;
        self.a.mov(rsi, rdx)?;
        self.a.xor(rsi, rcx)?;
        self.a.jns(exact)?;
        // Truncation went the wrong way for a floor: the signs of remainder and divisor
        // differ.
        self.a.dec(rax)?;
        self.a.add(rdx, rcx)?;
        self.a.set_label(&mut exact)?;
        if modulo {
            // |remainder| < |divisor|, which is a small integer, so the tag fits.
            self.a.lea(rdx, qword_ptr(rdx + rdx + 1))?;
        } else {
            self.a.mov(rdx, rax)?;
            self.a.add(rdx, rdx)?;
            self.a.jo(stub)?;
            self.a.or(rdx, 1)?;
        }
        self.a.set_label(&mut done)?;
        self.binary_result()
    }

    /// `s` when the bytecode before `bci` pushes the constant `2^s` (`s` in 1..=30) and
    /// falls through into it (a guard still checks the divisor at run time).
    fn power_of_two_divisor(&self, bci: usize) -> Option<u32> {
        let k = match self.code.bytecodes.get(bci.checked_sub(1)?)? {
            Bytecode::PushInt(k) | Bytecode::PushLocalInt(_, k) => *k as i64,
            _ => return None,
        };
        ((2..=1 << 30).contains(&k) && k.count_ones() == 1).then(|| k.trailing_zeros())
    }

    /// Both operands immediate Doubles (tag `10`, not ±0.0): `op` on SSE registers,
    /// an immediate result (or a Boolean) replaces them and execution goes on at
    /// `done`; anything else (mixed, boxed, zero, a result needing a box) goes to `other`.
    /// Immediate Doubles are never NaN or infinite, so the comparisons are plain.
    pub(super) fn immediate_doubles(&mut self, op: u32, other: CodeLabel, done: CodeLabel) -> R {
        const BIAS: u64 = 896 << 53;
        self.operands()?;
        // Both tags `10`: (v - 2) has its low two bits clear for each.
        self.a.lea(edx, dword_ptr(rax - 2))?;
        self.a.lea(esi, dword_ptr(rcx - 2))?;
        self.a.or(edx, esi)?;
        self.a.test(dl, 3)?;
        self.a.jnz(other)?;
        self.a.mov(r8, BIAS)?;
        for (r, x) in [(rax, xmm0), (rcx, xmm1)] {
            // ±0.0 are the payloads 0 and 1, the tagged values 2 and 6.
            self.a.cmp(r, 8)?;
            self.a.jb(other)?;
            self.a.mov(rdx, r)?;
            self.a.shr(rdx, 2)?;
            self.a.add(rdx, r8)?;
            self.a.ror(rdx, 1)?;
            self.a.movq(x, rdx)?;
        }
        let op = BinOp::FLOAT[op as usize];
        if let BinOp::Add | BinOp::Sub | BinOp::Mul = op {
            match op {
                BinOp::Add => self.a.addsd(xmm0, xmm1)?,
                BinOp::Sub => self.a.subsd(xmm0, xmm1)?,
                _ => self.a.mulsd(xmm0, xmm1)?,
            }
            self.a.movq(rdx, xmm0)?;
            self.a.rol(rdx, 1)?;
            // The exponent must be in 897..=1151 (one unsigned compare).
            self.a.mov(r9, rdx)?;
            self.a.shr(r9, 53)?;
            self.a.sub(r9d, 897)?;
            self.a.cmp(r9d, 1151 - 897)?;
            self.a.ja(other)?;
            self.a.sub(rdx, r8)?;
            self.a.lea(rdx, qword_ptr(rdx * 4 + 2))?;
        } else {
            self.a.mov(edx, FALSE_WORD as u32)?;
            self.a.mov(esi, TRUE_WORD as u32)?;
            self.a.ucomisd(xmm0, xmm1)?;
            match op {
                BinOp::Lt => self.a.cmovb(rdx, rsi)?,
                BinOp::Gt => self.a.cmova(rdx, rsi)?,
                BinOp::Le => self.a.cmovbe(rdx, rsi)?,
                BinOp::Ge => self.a.cmovae(rdx, rsi)?,
                BinOp::Eq => self.a.cmove(rdx, rsi)?,
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

    /// Comparisons of small integers answer `true` or `false` (`TRUE_WORD`, `FALSE_WORD`).
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
        self.a.mov(edx, FALSE_WORD as u32)?;
        self.a.mov(esi, TRUE_WORD as u32)?;
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
        self.a.add(qword_ptr(r15 + COUNTERS_BYTECODES), 1)?;
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

    /// `ToDoPrepare` when start, limit (and step) are small integers: the loop's slots
    /// get their values and the operands are popped; anything else (Doubles,
    /// non-numbers) takes the runtime path, which may fall back to the real send.
    pub(super) fn counting_loop_prepare(&mut self, bci: usize, counter: u16, step: bool) -> R {
        self.flush()?;
        let stub = self.stub(bci, None, false)?;
        let extra = step as i32;
        let at = |which| slot(LoopSlots { counter }.slot(which));
        self.a.mov(rax, qword_ptr(r13 - 16 - 8 * extra))?;
        self.a.mov(rcx, qword_ptr(r13 - 8 - 8 * extra))?;
        self.both_ints(stub)?;
        if step {
            self.a.mov(rdx, qword_ptr(r13 - 8))?;
            self.a.test(dl, 1)?;
            self.a.jz(stub)?;
        } else {
            self.a.mov(edx, Value::int(1).expect("small").0 as u32)?;
        }
        self.a.mov(qword_ptr(r14 + at(LoopSlots::COUNTER)), rax)?;
        self.a.mov(qword_ptr(r14 + at(LoopSlots::LIMIT)), rcx)?;
        self.a.mov(qword_ptr(r14 + at(LoopSlots::START)), rax)?;
        self.a.mov(qword_ptr(r14 + at(LoopSlots::STEP)), rdx)?;
        self.a.sub(r13, 16 + 8 * extra)?;
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
        let at = |which| slot(LoopSlots { counter }.slot(which));
        self.a.mov(rax, qword_ptr(r14 + at(LoopSlots::COUNTER)))?;
        self.a.mov(rcx, qword_ptr(r14 + at(LoopSlots::LIMIT)))?;
        self.both_ints(stub)?;
        self.a.cmp(rax, rcx)?;
        if down {
            self.a.jl(l)?;
        } else {
            self.a.jg(l)?;
        }
        self.a.mov(qword_ptr(r14 + at(LoopSlots::VARIABLE)), rax)?;
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
        let at = |which| slot(LoopSlots { counter }.slot(which));
        self.a.mov(rax, qword_ptr(r14 + at(LoopSlots::COUNTER)))?;
        self.a.mov(rcx, qword_ptr(r14 + at(LoopSlots::STEP)))?;
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
        self.a.mov(qword_ptr(r14 + at(LoopSlots::COUNTER)), rdx)?;
        self.a.set_label(&mut back)?;
        self.back_edge(head)
    }
}
